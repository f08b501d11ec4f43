"""The values the evaluation passes between its parts: a labelled record, one verification's outcome, the error."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from ..types import Problem, StepInput, VerificationRequest


class EvaluationError(Exception):
    """The dataset or the backend cannot be evaluated at all (bad file, backend that does not load)."""


@dataclass(frozen=True)
class EvalRecord:
    id: str
    problem: str
    steps: tuple[str, ...]
    # Index of the first wrong step, or -1 when the solution is right.
    label: int
    reference_answer: str = ""
    reference_steps: tuple[str, ...] = ()
    category: str = ""

    def request(self, *, with_reference_solution: bool = True) -> VerificationRequest:
        return VerificationRequest(
            problem=Problem(
                statement=self.problem,
                reference_answer=self.reference_answer,
                reference_steps=self.reference_steps if with_reference_solution else (),
            ),
            steps=tuple(StepInput(index=i, text=text) for i, text in enumerate(self.steps)),
        )


Status = Literal["ok", "error", "timeout"]


@dataclass(frozen=True)
class Outcome:
    status: Status
    # First step judged incorrect, -1 for none; None when there is no result (error or timeout).
    prediction: int | None = None
    # The confidence of the predicted first error; None when nothing was flagged.
    confidence: float | None = None
    verdicts: tuple[str, ...] = ()
    ms: float | None = None
    undecided: bool = False
    message: str = ""
