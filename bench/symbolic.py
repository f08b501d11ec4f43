"""Symbolic verifier speed on one core: steps per second and milliseconds per 10-step solution."""

from __future__ import annotations

import statistics
import time

from verifier_worker.backends.symbolic import SymbolicVerifier
from verifier_worker.types import Problem, StepInput, VerificationRequest

ROUNDS = 200


def _solution(seed: int) -> VerificationRequest:
    steps = [
        f"On day {i} she sells {seed + i} boxes at \\${i + 2} each, so \\({seed + i} \\times {i + 2} = "
        f"{(seed + i) * (i + 2)}\\) dollars, and {seed} + {i} = {seed + i}."
        for i in range(1, 10)
    ]
    steps.append(f"The answer is \\boxed{{{seed * 10}}}.")
    return VerificationRequest(
        problem=Problem("A shop sells boxes.", str(seed * 10), ("She sells 10 boxes.",)),
        steps=tuple(StepInput(i, text) for i, text in enumerate(steps)),
    )


def run() -> dict[str, object]:
    verifier = SymbolicVerifier()
    timings: list[float] = []
    for round_number in range(ROUNDS):
        request = _solution(round_number + 3)  # a new text each round: the per-submission caches start cold
        started = time.perf_counter()
        verifier.verify_batch([request])
        timings.append((time.perf_counter() - started) * 1000)
    timings.sort()
    median = statistics.median(timings)
    return {
        "steps_per_second": 10 * 1000 / statistics.mean(timings),
        "ms_per_10_step_median": median,
        "ms_per_10_step_p95": timings[int(0.95 * len(timings)) - 1],
    }
