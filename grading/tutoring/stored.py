"""What the pipeline stores for tutoring from a verifier's result: each step's structured finding, route, reason
code and whether its verdict was reused, and whether the solution is unfinished.

The symbolic checker v2 reports `StepVerdict.finding` / `.route` / `.reason_code` and
`VerificationResult.unfinished`; other backends do not, and then the fields stay empty and
grading.tutoring.findings falls back to the rest of the row.
"""

from __future__ import annotations

from typing import Any

from verifier_worker import reuse
from verifier_worker.types import StepVerdict, VerificationResult

from ..models import Step

STEP_FIELDS = ("finding", "route", "reason_code", "reused")


def step_fields(verdict: StepVerdict, result: VerificationResult) -> dict[str, Any]:
    finding = getattr(verdict, "finding", None)
    to_dict = getattr(finding, "to_dict", None)
    reused = reuse.reported_reuse(result.run.parameters).get("steps", [])
    return {
        "finding": to_dict() if callable(to_dict) else {},
        "route": str(getattr(verdict, "route", "") or "")[:12],
        "reason_code": str(getattr(verdict, "reason_code", "") or "")[:16],
        "reused": verdict.index in reused,
    }


def unfinished(result: VerificationResult) -> bool:
    return bool(getattr(result, "unfinished", False))


def clear_step(step: Step) -> None:
    """Before a (re)grading: nothing is known about the step yet."""
    step.finding, step.route, step.reason_code, step.reused = {}, "", "", False
