"""Backends for the replay tests: a second opinion that disagrees with `fake` on known steps, and one that fails."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from verifier_worker.backends.fake import FakeVerifier
from verifier_worker.types import (
    RunMetadata,
    StepVerdict,
    VerificationRequest,
    VerificationResult,
    VerifierMisconfigured,
    first_incorrect,
)

CHAIN = (
    "Step 1: a = 1 restates the given. The step is \\boxed{correct}\n"
    "Step 2: b = 2 does not follow. The step is \\boxed{incorrect}\n"
)


class SecondOpinionVerifier:
    """Like `fake`, but a step containing "b = 2" is incorrect (0.8) and "WRONG" steps are fine; writes a chain."""

    name = "second"

    def __init__(self, **options: Any) -> None:
        self.fake = FakeVerifier(**options)

    def verify_batch(self, requests: Sequence[VerificationRequest]) -> list[VerificationResult]:
        results = []
        for request in requests:
            verdicts = [
                StepVerdict(index=s.index, verdict="incorrect", confidence=0.8, explanation="b is 3.", checker="model")
                if "b = 2" in s.text
                else StepVerdict(index=s.index, verdict="correct", confidence=0.9, checker="model")
                for s in request.steps
            ]
            first = first_incorrect(verdicts)
            results.append(
                VerificationResult(
                    steps=tuple(verdicts),
                    first_error_index=first,
                    final_answer_verdict="incorrect" if first is not None else "correct",
                    run=replace(
                        RunMetadata(backend="second", model="second-opinion-1", prompt_version="second-v1"),
                        raw_output=CHAIN,
                        prompt_tokens=40,
                        completion_tokens=25,
                        latency_ms=12.5,
                    ),
                )
            )
        return results


class BrokenVerifier:
    name = "broken"

    def __init__(self, **options: Any) -> None:
        pass

    def verify_batch(self, requests: Sequence[VerificationRequest]) -> list[VerificationResult]:
        raise VerifierMisconfigured("broken backend: no model at /models/none")
