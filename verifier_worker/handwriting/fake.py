"""A deterministic recogniser for unit tests only: no model, no torch. Never configured in a deployment.

Rules, so tests can steer it with the ink they send:
- a line of N strokes reads as "x = N", with confidence 0.95 when N is even and 0.4 when it is odd (then two
  alternatives, "x = N + 1" and "y = N", are offered);
- a line whose first stroke is a single point reads as nothing (RecognitionFailed);
- env FAKE_RECOGNISER_SLOW_SECONDS (default 0) makes every reading take that long, for deadline tests.
"""

from __future__ import annotations

import os
import time
from typing import Any

from .recognition import Reading, Recognition, RecognitionFailed
from .strokes import StrokeLine


class FakeRecogniser:
    name = "fake"

    def __init__(self, **_: Any) -> None:
        self.slow_seconds = float(os.environ.get("FAKE_RECOGNISER_SLOW_SECONDS") or 0)

    def recognise(self, line: StrokeLine) -> Recognition:
        started = time.perf_counter()
        if self.slow_seconds:
            time.sleep(self.slow_seconds)
        if len(line.strokes[0]) == 1:
            raise RecognitionFailed("the fake recogniser reads a lone dot as nothing")
        n = len(line.strokes)
        sure = n % 2 == 0
        best = Reading(latex=f"x = {n}", text=f"x = {n}", confidence=0.95 if sure else 0.4)
        alternatives = (
            () if sure else (Reading(f"x = {n + 1}", f"x = {n + 1}", 0.3), Reading(f"y = {n}", f"y = {n}", 0.2))
        )
        return Recognition(
            best=best,
            alternatives=alternatives,
            model="fake",
            model_version="1",
            latency_ms=(time.perf_counter() - started) * 1000,
        )
