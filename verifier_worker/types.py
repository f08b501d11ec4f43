"""Values that cross the boundary between the Django apps and the verifier backends.

Backends get these plain, frozen values and return plain, frozen values. They never touch the database, so the
evaluation command, the Celery task and the tests all call the same code.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol, runtime_checkable

Verdict = Literal["correct", "incorrect", "unverified"]
VERDICTS: tuple[Verdict, ...] = ("correct", "incorrect", "unverified")

# A flag at or above this confidence is shown to the student as "First error"; below it as "Check this step".
CONFIDENT = 0.9


class VerifierError(Exception):
    """Base class for errors raised by a verifier backend."""


class VerifierUnavailable(VerifierError):
    """Transient: the model server is down, overloaded or timed out. Retry with backoff, a bounded number of times."""


class VerifierMisconfigured(VerifierError):
    """Permanent: wrong model name, bad URL, missing weights or tokenizer. Fail at once and tell the teacher."""


@dataclass(frozen=True)
class Problem:
    statement: str
    reference_answer: str = ""
    reference_steps: tuple[str, ...] = ()


@dataclass(frozen=True)
class StepInput:
    index: int
    text: str


@dataclass(frozen=True)
class Budget:
    """Test-time compute for one verification: K parallel chains, R sequential rounds."""

    parallel: int = 1
    rounds: int = 1
    temperature: float | None = None


@dataclass(frozen=True)
class VerificationRequest:
    problem: Problem
    steps: tuple[StepInput, ...]
    budget: Budget = field(default_factory=Budget)
    # Verdicts already known for the first steps, from the verdict cache: every one `correct`, for exactly these
    # steps. Only backends with `reuse_identity()` get them (verifier_worker.reuse says what they must do).
    known_verdicts: tuple[StepVerdict, ...] = ()
    # When False, explanations must not give the correct value away; `hint` is what the student sees.
    reveal_corrections: bool = True


FindingCategory = Literal["arithmetic", "algebra", "final_answer", "grounding", "carried", "units", "unreadable", ""]
OperandSource = Literal["problem", "step", "constant", "unknown"]
# Why a step is `unverified`: it is words with no math in them ("no_math"); it has math that could not be read as
# a calculation ("unreadable": notation the checker drops, numbers with no equality); it was read but nothing in it
# could be decided ("undecidable": variables, rounding, a unit conversion); it follows the first error
# ("after_error"); or it was refused ("hostile": too large or deep to check safely, "budget": out of time).
ReasonCode = Literal["", "no_math", "unreadable", "undecidable", "after_error", "hostile", "budget"]
# How a correct step relates to the teacher's reference solution: it computes a value the reference computes
# ("reference"), or only values the reference never uses ("other": a valid step on another route).
Route = Literal["", "reference", "other"]


@dataclass(frozen=True)
class Operand:
    """A number a checked calculation uses, as written, with where it came from (JSON-friendly: values are
    strings such as "25" or "3/4")."""

    text: str
    value: str
    source: OperandSource = "unknown"
    step: int | None = None  # index of the earlier step it came from, when source == "step"

    def to_dict(self) -> dict[str, Any]:
        return {"text": self.text, "value": self.value, "source": self.source, "step": self.step}


@dataclass(frozen=True)
class Finding:
    """What a checker found on a step, structured so a hint can name the quantities without the verdict's words.

    `claimed` is what the step states and `expected` what the check computes: a hint that must not reveal the
    corrected value uses `operation` and `operands`, never `expected`."""

    category: FindingCategory
    operation: str = ""  # "add", "subtract", "multiply", "divide", "percent", "power", "root", "equation", ...
    operands: tuple[Operand, ...] = ()
    claimed: str = ""
    expected: str = ""
    expression: str = ""  # the calculation as the checker read it: "12 × 7"
    rule: str = ""  # the judging rule that decided, e.g. "arithmetic.plain", "grounding.departure"

    def to_dict(self) -> dict[str, Any]:
        return {
            "category": self.category,
            "operation": self.operation,
            "operands": [operand.to_dict() for operand in self.operands],
            "claimed": self.claimed,
            "expected": self.expected,
            "expression": self.expression,
            "rule": self.rule,
        }


@dataclass(frozen=True)
class StepVerdict:
    index: int
    verdict: Verdict
    confidence: float
    # Full explanation; may contain the corrected value. The teacher always sees this one.
    explanation: str = ""
    # What the student sees when corrections are not revealed. Empty means "same as explanation".
    hint: str = ""
    # Which checker decided this verdict, e.g. "arithmetic", "algebra", "final_answer", "grounding", "thinkprm".
    checker: str = ""
    # Structured evidence for tutoring and analytics (backends that have it: the symbolic checker).
    finding: Finding | None = None
    # For an `unverified` step: why (see ReasonCode). For a `correct` step: "" .
    reason_code: ReasonCode = ""
    # For a `correct` step, with a reference solution: on the reference path or another route.
    route: Route = ""


@dataclass(frozen=True)
class ChainRecord:
    """One generated chain (one of the K parallel chains, or one round), as the model wrote it."""

    text: str
    tokens: int = 0
    first_error_index: int | None = None
    score: float | None = None
    finish_reason: str = ""


@dataclass(frozen=True)
class RunMetadata:
    backend: str
    model: str = ""
    prompt_version: str = ""
    parameters: dict[str, Any] = field(default_factory=dict)
    raw_output: str = ""
    prompt: str = ""
    prompt_tokens: int = 0
    completion_tokens: int = 0
    latency_ms: float = 0.0
    chains: tuple[ChainRecord, ...] = ()
    notes: tuple[str, ...] = ()

    @property
    def tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens


@dataclass(frozen=True)
class VerificationResult:
    steps: tuple[StepVerdict, ...]
    first_error_index: int | None
    final_answer_verdict: Verdict
    run: RunMetadata
    # Probability-like score that the whole solution is correct, when the backend produces one.
    solution_score: float | None = None
    # Set when the backend could not decide; the grading service routes such results to a teacher.
    undecided_reason: str = ""
    # No final answer yet and the last step is right: "your steps so far are right; you haven't reached the
    # answer yet", not a wrong final answer (final_answer_verdict is then "unverified").
    unfinished: bool = False

    @property
    def first_error(self) -> StepVerdict | None:
        if self.first_error_index is None:
            return None
        for verdict in self.steps:
            if verdict.index == self.first_error_index:
                return verdict
        return None

    @property
    def confidence(self) -> float:
        """Confidence of the grade: that of the first error, else the lowest over the checked steps."""
        first = self.first_error
        if first is not None:
            return first.confidence
        checked = [v.confidence for v in self.steps if v.verdict != "unverified"]
        return min(checked) if checked else 0.0


@runtime_checkable
class Verifier(Protocol):
    """The one interface every backend implements. Batch-oriented so GPU backends can batch."""

    name: str

    def verify_batch(self, requests: Sequence[VerificationRequest]) -> list[VerificationResult]: ...


def first_incorrect(steps: Sequence[StepVerdict]) -> int | None:
    for verdict in sorted(steps, key=lambda v: v.index):
        if verdict.verdict == "incorrect":
            return verdict.index
    return None
