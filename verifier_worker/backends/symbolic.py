"""The symbolic verifier: the default backend on CPU, no model needed.

A thin adapter. `checkers.analysis` runs the checkers over the steps (the evidence), `checkers.judging` turns
their findings into verdicts, confidences and wording (the policy), and this module wraps the outcome in a
`VerificationResult` with the run's metadata. See those two modules for what is checked and how it is judged.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

from .. import cas
from ..checkers import analysis, judging
from ..reuse import REUSE_PARAMETER
from ..types import RunMetadata, VerificationRequest, VerificationResult

PROMPT_VERSION = "symbolic-v1"
DEFAULT_BUDGET_SECONDS = 5.0


class SymbolicVerifier:
    name = "symbolic"

    def __init__(self, **options: Any) -> None:
        self.budget_seconds = float(options.get("budget_seconds", DEFAULT_BUDGET_SECONDS))
        self.use_grounding = bool(options.get("grounding", True))

    def verify_batch(self, requests: Sequence[VerificationRequest]) -> list[VerificationResult]:
        return [self.verify(request) for request in requests]

    def verify(self, request: VerificationRequest) -> VerificationResult:
        started = time.perf_counter()
        found = analysis.analyse(request, cas.Deadline(self.budget_seconds))
        judgement = judging.judge(request, found, use_grounding=self.use_grounding)
        return VerificationResult(
            steps=judgement.verdicts,
            first_error_index=judgement.first_error_index,
            final_answer_verdict=judgement.final_answer_verdict,
            solution_score=judgement.solution_score,
            undecided_reason=judgement.undecided_reason,
            unfinished=judgement.unfinished,
            run=RunMetadata(
                backend=self.name,
                model=f"sympy-{cas.sympy_version()}+math-verify",
                prompt_version=PROMPT_VERSION,
                parameters={
                    "budget_seconds": self.budget_seconds,
                    "grounding": self.use_grounding,
                    "confidence": dict(judging.CONFIDENCES),
                    # An unchanged prefix's analysis is kept per process, its verdicts judged again (analysis.py).
                    **(
                        {
                            REUSE_PARAMETER: {
                                "steps": [request.steps[p].index for p in found.reused],
                                "saved_ms": round(found.saved_ms, 3),
                                "how": "analysis memo",
                            }
                        }
                        if found.reused
                        else {}
                    ),
                },
                raw_output=analysis.trace(found),
                latency_ms=(time.perf_counter() - started) * 1000,
            ),
        )
