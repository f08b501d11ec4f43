"""`make bench-ocr`: the mathnote-ocr recogniser on Hershey-font lines of 3 to 30 strokes, in .venv-ocr.

Figures: model load time, and milliseconds per recognised line (median, p95, max), overall and by stroke count,
with torch on one thread as the ocr worker runs it. The whole request path (POST, queue, worker, poll) is
measured by tests/ocr/test_write_mode.py::test_request_path_latency, which make test-ocr prints.
"""

from __future__ import annotations

import contextlib
import statistics
import time
from typing import Any

TEXTS = ["x=3", "2x=6", "2x+1=7", "12x-34=56", "3x+4=2x-15", "(8/2)+7x=3x-41", "25x+36=47-58x+69", "x+4x=x+4x-4+4x+4x"]
SEEDS = range(10)


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[int(0.95 * (len(ordered) - 1))]


def run() -> dict[str, Any]:
    import importlib.util

    if importlib.util.find_spec("mathnote_ocr") is None:
        return {"skipped": "mathnote-ocr is not installed here: run make bench-ocr"}
    from tests.ocr.ink import line
    from verifier_worker.handwriting.recognition import RecognitionFailed, get_recogniser
    from verifier_worker.handwriting.strokes import validate_line

    started = time.perf_counter()
    recogniser = get_recogniser("mathnote")
    load_s = time.perf_counter() - started
    by_strokes: dict[int, list[float]] = {}
    for seed in SEEDS:
        for text in TEXTS:
            strokes, width, height = line(text, size=34, seed=seed)
            ink = validate_line({"width": width, "height": height, "strokes": [[list(p) for p in s] for s in strokes]})
            started = time.perf_counter()
            with contextlib.suppress(RecognitionFailed):
                recogniser.recognise(ink)
            by_strokes.setdefault(len(strokes), []).append((time.perf_counter() - started) * 1000)
    every = [t for ts in by_strokes.values() for t in ts]
    return {
        "torch import and model load (s)": round(load_s, 2),
        "lines": len(every),
        "ms per line, median": round(statistics.median(every), 1),
        "ms per line, p95": round(_p95(every), 1),
        "ms per line, max": round(max(every), 1),
        "median ms by strokes": {n: round(statistics.median(ts), 1) for n, ts in sorted(by_strokes.items())},
    }
