"""A deterministic backend for unit tests only. It is never offered to teachers.

Rules, so tests can steer it from the solution text:
- a step containing "WRONG" is incorrect (confidence 0.95), "UNSURE" is incorrect at confidence 0.5;
- a step containing "RAISE_UNAVAILABLE" / "RAISE_MISCONFIGURED" raises the matching error;
- a step containing "SLOW" sleeps `slow_seconds` (option, else env FAKE_VERIFIER_SLOW_SECONDS, default 2) first,
  so integration tests can kill a worker in the middle of a task;
- every other step is correct (confidence 0.99).

It judges each step from its own text, so it takes part in the verdict cache like the chunk judge: known verdicts
(`request.known_verdicts`) are returned as they are, and each judged step reports a made-up cost of one token per
character, so tests can see what reuse saves.
"""

from __future__ import annotations

import os
import time
from collections.abc import Sequence
from typing import Any

from ..reuse import REUSE_PARAMETER, STEP_COSTS_PARAMETER
from ..types import (
    RunMetadata,
    StepVerdict,
    VerificationRequest,
    VerificationResult,
    VerifierMisconfigured,
    VerifierUnavailable,
    first_incorrect,
)


class FakeVerifier:
    name = "fake"

    def __init__(self, **options: Any) -> None:
        self.options = options
        self.slow_seconds = float(options.get("slow_seconds") or os.environ.get("FAKE_VERIFIER_SLOW_SECONDS") or 2)

    def verify_batch(self, requests: Sequence[VerificationRequest]) -> list[VerificationResult]:
        return [self._verify(request) for request in requests]

    def reuse_identity(self) -> str | None:
        return "fake|fake-v1"

    def _verify(self, request: VerificationRequest) -> VerificationResult:
        started = time.perf_counter()
        verdicts: list[StepVerdict] = []
        known = {v.index: v for v in request.known_verdicts if v.verdict == "correct"}
        if any("SLOW" in step.text for step in request.steps if step.index not in known):
            time.sleep(self.slow_seconds)
        costs = []
        for step in request.steps:
            if step.index in known:
                verdicts.append(known[step.index])
                continue
            costs.append({"index": step.index, "ms": 0.0, "tokens": len(step.text)})
            if "RAISE_UNAVAILABLE" in step.text:
                raise VerifierUnavailable("fake backend: simulated outage")
            if "RAISE_MISCONFIGURED" in step.text:
                raise VerifierMisconfigured("fake backend: simulated misconfiguration")
            if "WRONG" in step.text or "UNSURE" in step.text:
                confident = "WRONG" in step.text
                verdicts.append(
                    StepVerdict(
                        index=step.index,
                        verdict="incorrect",
                        confidence=0.95 if confident else 0.5,
                        explanation="The fake verifier marks steps containing WRONG as incorrect.",
                        hint="Check this step again.",
                        checker="fake",
                    )
                )
            else:
                verdicts.append(StepVerdict(index=step.index, verdict="correct", confidence=0.99, checker="fake"))
        first = first_incorrect(verdicts)
        return VerificationResult(
            steps=tuple(verdicts),
            first_error_index=first,
            final_answer_verdict="incorrect" if first is not None else "correct",
            solution_score=0.0 if first is not None else 1.0,
            run=RunMetadata(
                backend=self.name,
                model="fake",
                prompt_version="fake-v1",
                parameters={
                    STEP_COSTS_PARAMETER: costs,
                    **({REUSE_PARAMETER: {"steps": sorted(known), "how": "verdict cache"}} if known else {}),
                },
                raw_output="",
                latency_ms=(time.perf_counter() - started) * 1000,
            ),
        )
