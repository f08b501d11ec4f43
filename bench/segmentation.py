"""Segmentation throughput in steps per second, over ProcessBench solutions (or a synthetic set without the data).

Each solution is joined with blank lines, as a student would type it, and split once per repetition.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

from verifier_worker.segmentation import split

DATA = Path(__file__).resolve().parent.parent.parent / "shared" / "data" / "processbench"


def _solutions() -> tuple[list[str], str]:
    files = sorted(DATA.glob("*.json")) if DATA.is_dir() else []
    if files:
        texts = [
            "\n\n".join(record["steps"]) for path in files for record in json.loads(path.read_text(encoding="utf-8"))
        ]
        return texts, f"processbench ({len(texts)} solutions)"
    synthetic = [
        "Step 1: The shoes cost $40 - $16 = $24.\nStep 2: \\[ 24 + 20 = 44 \\]\n\n"
        f"So she pays {n} + 44 = {n + 44} dollars. That is the answer, e.g. the total."
        for n in range(2000)
    ]
    return synthetic, "synthetic (2000 solutions)"


def run() -> dict[str, object]:
    texts, source = _solutions()
    steps = 0
    started, cpu_started = time.perf_counter(), time.process_time()
    repetitions = 0
    while repetitions < 1 or time.perf_counter() - started < 3.0:
        for text in texts:
            steps += len(split(text).steps)
        repetitions += 1
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    return {
        "source": source,
        "steps_per_second": steps / elapsed,
        "solutions_per_second": repetitions * len(texts) / elapsed,
        # On a shared machine wall time includes waiting for a core; CPU time does not.
        "steps_per_cpu_second": steps / cpu,
    }
