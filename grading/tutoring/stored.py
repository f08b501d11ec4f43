"""What the pipeline stores for tutoring from a verifier's result: each step's structured finding, route, reason
code and whether its verdict was reused, and whether the solution is unfinished.

The symbolic checker reports `StepVerdict.finding` / `.route` / `.reason_code` and `VerificationResult.unfinished`;
other backends leave them at their defaults, and grading.tutoring.findings falls back to the rest of the row.
"""

from __future__ import annotations

from typing import Any

from verifier_worker import reuse
from verifier_worker.types import StepVerdict, VerificationResult

from ..models import Step

STEP_FIELDS = ("finding", "route", "reason_code", "reused")


def step_fields(verdict: StepVerdict, result: VerificationResult) -> dict[str, Any]:
    reused = reuse.reported_reuse(result.run.parameters).get("steps", [])
    return {
        "finding": verdict.finding.to_dict() if verdict.finding is not None else {},
        "route": verdict.route[:12],
        "reason_code": verdict.reason_code[:16],
        "reused": verdict.index in reused,
    }


def unfinished(result: VerificationResult) -> bool:
    return result.unfinished


def clear_step(step: Step) -> None:
    """Before a (re)grading: nothing is known about the step yet."""
    step.finding, step.route, step.reason_code, step.reused = {}, "", "", False
