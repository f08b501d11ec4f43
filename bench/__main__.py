"""`make bench`: run every benchmark module in this folder and print its figures.

Each module `bench/<name>.py` exposes `run() -> dict[str, object]` and is run in the order of BENCHMARKS.
A benchmark that cannot run here (a missing service or dataset) returns {"skipped": "<why>"}.
"""

from __future__ import annotations

import importlib
import json
import os
import sys
import time

BENCHMARKS = ["segmentation", "symbolic", "reuse", "pipeline", "course"]


def main(argv: list[str]) -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tutor.settings.base")
    wanted = argv or BENCHMARKS
    failures = 0
    for name in wanted:
        try:
            module = importlib.import_module(f"bench.{name}")
        except ModuleNotFoundError as exc:
            if exc.name == f"bench.{name}":
                print(f"== {name}: not written yet")
                continue
            raise
        started = time.perf_counter()
        try:
            figures = module.run()
        except Exception as exc:  # a broken benchmark must not hide the others' figures
            failures += 1
            print(f"== {name}: FAILED: {exc!r}")
            continue
        print(f"== {name} ({time.perf_counter() - started:.1f}s)")
        for key, value in figures.items():
            shown = (
                f"{value:.2f}"
                if isinstance(value, float)
                else json.dumps(value)
                if isinstance(value, dict | list)
                else value
            )
            print(f"  {key}: {shown}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
