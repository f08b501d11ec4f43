"""A test backend that reports what the symbolic checker v2 reports beyond the verdict: a structured finding, the
route of a correct step, why a step is unverified, and unfinished solutions. Steered by the solution text:
- "OTHER" in a step: correct, on another route; "UNREADABLE": unverified, could not be read as math;
  "WORDS": unverified, words with no math; "SLIP a*b=c": incorrect, arithmetic finding (a × b, claimed c);
- every other step is correct, on the reference route;
- a solution with "UNFINISHED" in its last step is unfinished (final answer unverified).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from verifier_worker.types import RunMetadata, StepVerdict, VerificationRequest, VerificationResult


@dataclass(frozen=True)
class V2Verdict(StepVerdict):
    finding: Any = None
    reason_code: str = ""
    route: str = ""


@dataclass(frozen=True)
class V2Result(VerificationResult):
    unfinished: bool = False


@dataclass(frozen=True)
class Finding:
    data: dict[str, Any]

    def to_dict(self) -> dict[str, Any]:
        return dict(self.data)


class V2Stub:
    name = "v2stub"

    def __init__(self, **options: Any) -> None:
        pass

    def verify_batch(self, requests: Sequence[VerificationRequest]) -> list[VerificationResult]:
        return [self._verify(r) for r in requests]

    def _verify(self, request: VerificationRequest) -> VerificationResult:
        verdicts: list[StepVerdict] = []
        for step in request.steps:
            slip = re.search(r"SLIP (\d+)\*(\d+)=(\d+)", step.text)
            if slip:
                a, b, c = slip.groups()
                finding = Finding(
                    {
                        "category": "arithmetic",
                        "operation": "multiply",
                        "operands": [
                            {"text": a, "value": a, "source": "problem", "step": None},
                            {"text": b, "value": b, "source": "problem", "step": None},
                        ],
                        "claimed": c,
                        "expected": str(int(a) * int(b)),
                        "expression": f"{a} × {b}",
                        "rule": "arithmetic.plain",
                    }
                )
                verdicts.append(
                    V2Verdict(
                        step.index,
                        "incorrect",
                        0.97,
                        f"{a} × {b} is {int(a) * int(b)}, not {c}.",
                        "Check the multiplication in this step.",
                        "arithmetic",
                        finding=finding,
                    )
                )
            elif "UNREADABLE" in step.text:
                verdicts.append(V2Verdict(step.index, "unverified", 0.0, "Not read.", reason_code="unreadable"))
            elif "WORDS" in step.text:
                verdicts.append(V2Verdict(step.index, "unverified", 0.0, "Words.", reason_code="no_math"))
            else:
                route = "other" if "OTHER" in step.text else "reference"
                verdicts.append(
                    V2Verdict(step.index, "correct", 0.95, "Checks out.", checker="arithmetic", route=route)
                )
        first = next((v.index for v in verdicts if v.verdict == "incorrect"), None)
        unfinished = bool(request.steps) and "UNFINISHED" in request.steps[-1].text and first is None
        final = "unverified" if unfinished else ("incorrect" if first is not None else "correct")
        return V2Result(
            steps=tuple(verdicts),
            first_error_index=first,
            final_answer_verdict=final,
            run=RunMetadata(backend=self.name, model="v2stub", prompt_version="v2stub-1"),
            unfinished=unfinished,
        )
