"""How a score is computed: the one score policy. Grading, overrides and regrades call `score_solution`; the
gradebook and every page call `counted_score` for which attempt counts. The README's "How scores are computed"
section says the same in words, and the assignment page shows it to teachers.

Per problem the teacher chooses one of three rules (`Problem.scoring`):

- **final_answer**: all or nothing on the final answer: full points when it is verified correct, else 0.
- **steps** (the default): the final answer is worth `final_answer_percent` of the points (50 by default) when it
  is verified correct, and the rest is earned by the work before the first error. That share is measured on the
  teacher's reference solution when there is one: the share of its steps whose result appears in a step the
  checker verified correct before the first error, so padding a solution with trivial steps earns nothing. With no
  reference solution it is the share of the student's steps verified correct before the first error.
- **rubric**: named items with points. An item with a rule ("final answer correct", "no error before step k") is
  ticked by the rule; an item with no rule waits for the teacher, and the grade waits in the review queue.

Hints: each hint the student asked for on the problem before submitting this attempt costs the percent of the
points the assignment set when the hint was given (`ScoreInput.hint_cost_percents`), taken off after the rule
above and before the late penalty, never below 0. A hint asked for after an attempt was graded costs nothing on
that attempt: it can only have helped the next one.

Steps the checker could not verify earn nothing, so a non-answer ("I don't know") scores 0. A solution whose final
answer is not verified correct never gets full marks automatically: `needs_teacher` says why such a grade must be
confirmed. Late penalties come from the assignment. A teacher's score override replaces the computed score and is
kept through regrades until the teacher clears it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from typing import Any, Literal

CENTS = Decimal("0.01")

Scoring = Literal["final_answer", "steps", "rubric"]
SCORING_RULES: dict[str, str] = {
    "steps": "Steps before the first error, plus points for a correct final answer",
    "final_answer": "All or nothing on the final answer",
    "rubric": "A rubric of named items",
}
AttemptRule = Literal["best", "last", "average"]
ATTEMPT_RULES: dict[str, str] = {
    "best": "The best attempt counts",
    "last": "The last graded attempt counts",
    "average": "The average of the graded attempts counts",
}
RUBRIC_RULES: dict[str, str] = {
    "": "Ticked by the teacher",
    "final_answer_correct": "Ticked when the final answer is verified correct",
    "no_error_before": "Ticked when there is no error before step k",
    "no_error": "Ticked when no step has an error",
}


def quantize(value: Decimal) -> Decimal:
    return value.quantize(CENTS, rounding=ROUND_HALF_UP)


def late_factor(*, late_penalty_percent: int, is_late: bool) -> Decimal:
    return (Decimal(100) - Decimal(late_penalty_percent)) / Decimal(100) if is_late else Decimal(1)


def compute_score(
    *, points: Decimal, steps: int, first_error_index: int | None, late_penalty_percent: int, is_late: bool
) -> Decimal:
    """The share of steps before the first error, times the points; less the late penalty. Counts steps only: the
    policy below uses it for solutions graded without a reference solution."""
    if steps <= 0:
        share = Decimal(0)
    elif first_error_index is None:
        share = Decimal(1)
    else:
        share = Decimal(max(0, min(first_error_index, steps))) / Decimal(steps)
    return quantize(Decimal(points) * share * late_factor(late_penalty_percent=late_penalty_percent, is_late=is_late))


# --- Inputs and outputs ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RubricItem:
    name: str
    points: Decimal
    rule: str = ""  # a key of RUBRIC_RULES
    step: int = 0  # k, for "no_error_before" (1-based, as teachers count steps)

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "points": str(self.points), "rule": self.rule, "step": self.step}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> RubricItem:
        return cls(
            name=str(data.get("name", "")),
            points=Decimal(str(data.get("points", "0"))),
            rule=str(data.get("rule", "")),
            step=int(data.get("step", 0) or 0),
        )

    def describe(self) -> str:
        if self.rule == "no_error_before":
            return f"Ticked when there is no error before step {self.step}"
        return RUBRIC_RULES.get(self.rule, self.rule)

    @property
    def condition(self) -> str:
        """The rule as a clause: "when the final answer is verified correct"."""
        return self.describe().removeprefix("Ticked ")


@dataclass(frozen=True)
class StepVerdictIn:
    """One step as the score sees it: its text and its verdict after any teacher override."""

    index: int
    text: str
    verdict: str  # "correct" | "incorrect" | "unverified"


@dataclass(frozen=True)
class ScoreInput:
    points: Decimal
    steps: tuple[StepVerdictIn, ...]
    first_error_index: int | None
    final_answer: str  # "correct" | "incorrect" | "unverified"
    scoring: str = "steps"
    final_answer_percent: int = 50
    reference_steps: tuple[str, ...] = ()
    rubric: tuple[RubricItem, ...] = ()
    # Rubric items the teacher ticked (True) or unticked (False), by position; rule items may be overridden too.
    rubric_ticks: Mapping[int, bool] = field(default_factory=dict)
    late_penalty_percent: int = 0
    is_late: bool = False
    # One entry per hint used before this attempt: its cost in percent of the points (0 for a free hint).
    hint_cost_percents: tuple[int, ...] = ()


@dataclass(frozen=True)
class ScorePart:
    label: str
    earned: Decimal
    possible: Decimal


@dataclass(frozen=True)
class ScoreResult:
    score: Decimal
    parts: tuple[ScorePart, ...]
    # Why this grade must wait for a teacher, or "" when the policy can decide alone.
    needs_teacher: str = ""
    late_factor: Decimal = Decimal(1)

    @property
    def explanation(self) -> str:
        parts = "; ".join(f"{part.label}: {part.earned:f} of {part.possible:f}" for part in self.parts)
        if self.late_factor != 1:
            parts += f"; late penalty: × {self.late_factor.normalize():f}"
        return parts


# --- The policy -----------------------------------------------------------------------------------------------


def score_solution(data: ScoreInput) -> ScoreResult:
    points = Decimal(data.points)
    factor = late_factor(late_penalty_percent=data.late_penalty_percent, is_late=data.is_late)
    answer_correct = data.final_answer == "correct"
    if data.scoring == "final_answer":
        earned = points if answer_correct else Decimal(0)
        parts: tuple[ScorePart, ...] = (ScorePart("Final answer", earned, points),)
        raw, needs = earned, ""
    elif data.scoring == "rubric" and data.rubric:
        parts, needs = _rubric_parts(data)
        raw = sum((part.earned for part in parts), Decimal(0))
    else:
        parts = _steps_parts(data, points)
        raw, needs = sum((part.earned for part in parts), Decimal(0)), ""
    raw = min(raw, points)
    # Compared as it will be shown (to the cent): 0.0099 of 0.01 points is full marks once rounded.
    if quantize(raw) >= points and points > 0 and not answer_correct:
        # Only a verified final answer earns full marks on its own; anything else is a teacher's call.
        needs = needs or "Full marks, but the final answer was not verified as correct."
    cost = hint_cost(points=points, percents=data.hint_cost_percents)
    if data.hint_cost_percents:
        taken = min(cost, raw)
        parts = (*parts, ScorePart(f"Hints used ({len(data.hint_cost_percents)})", -taken, Decimal(0)))
        raw -= taken
    return ScoreResult(score=quantize(raw * factor), parts=parts, needs_teacher=needs, late_factor=factor)


def hint_cost(*, points: Decimal, percents: Sequence[int]) -> Decimal:
    """What the hints cost, before the floor at 0: each one its percent of the points."""
    total = sum((max(0, min(100, int(p))) for p in percents), 0)
    return Decimal(points) * Decimal(total) / Decimal(100)


def _steps_parts(data: ScoreInput, points: Decimal) -> tuple[ScorePart, ...]:
    answer_weight = points * Decimal(max(0, min(100, data.final_answer_percent))) / Decimal(100)
    work_weight = points - answer_weight
    answer = ScorePart("Final answer", answer_weight if data.final_answer == "correct" else Decimal(0), answer_weight)
    if data.final_answer == "correct" and data.first_error_index is None:
        share = Fraction(1)
    else:
        share = work_share(
            steps=data.steps, first_error_index=data.first_error_index, reference_steps=data.reference_steps
        )
    work = ScorePart(
        "Work before the first error", work_weight * Decimal(share.numerator) / Decimal(share.denominator), work_weight
    )
    return (work, answer)


@dataclass(frozen=True)
class RubricState:
    item: RubricItem
    ticked: bool
    by: Literal["teacher", "rule", "waiting"]  # a teacher's tick or untick; the item's rule; nobody yet


def rubric_states(data: ScoreInput) -> tuple[RubricState, ...]:
    """Each rubric item, whether it is ticked and who decided: a teacher's decision wins over the item's rule."""
    states = []
    for position, item in enumerate(data.rubric):
        teacher = data.rubric_ticks.get(position)
        if teacher is not None:
            states.append(RubricState(item, teacher, "teacher"))
            continue
        rule = _rule_ticks(item, data)
        states.append(RubricState(item, bool(rule), "waiting" if rule is None else "rule"))
    return tuple(states)


def _rubric_parts(data: ScoreInput) -> tuple[tuple[ScorePart, ...], str]:
    parts: list[ScorePart] = []
    waiting: list[str] = []
    for state in rubric_states(data):
        item = state.item
        if state.by == "waiting":
            waiting.append(item.name)
        parts.append(ScorePart(item.name, item.points if state.ticked else Decimal(0), item.points))
    needs = f"Rubric items wait for the teacher: {', '.join(waiting)}." if waiting else ""
    return tuple(parts), needs


def _rule_ticks(item: RubricItem, data: ScoreInput) -> bool | None:
    """Whether a rule ticks this item; None when no rule decides it (the teacher does)."""
    if item.rule == "final_answer_correct":
        return data.final_answer == "correct"
    if item.rule == "no_error":
        return data.first_error_index is None and any(step.verdict == "correct" for step in data.steps)
    if item.rule == "no_error_before":
        before = [step for step in data.steps if step.index < item.step - 1]
        clean = data.first_error_index is None or data.first_error_index >= item.step - 1
        return clean and bool(before) and all(step.verdict == "correct" for step in before)
    return None


# --- Work before the first error ----------------------------------------------------------------------------

_NUMBER = re.compile(r"(?<![\w.])-?\d[\d,]*(?:\.\d+)?(?:/\d+)?")


def _numbers(text: str) -> list[Fraction]:
    values = []
    for raw in _NUMBER.findall(text.replace("−", "-")):
        cleaned = raw.replace(",", "")
        try:
            values.append(Fraction(cleaned))
        except (ValueError, ZeroDivisionError):
            continue
    return values


def _result_of(step: str) -> Fraction | None:
    """The quantity a reference step arrives at: the last number after its last '=', else its last number."""
    tail = step.rsplit("=", 1)[-1]
    numbers = _numbers(tail) or _numbers(step)
    return numbers[-1] if numbers else None


def work_share(
    *, steps: Sequence[StepVerdictIn], first_error_index: int | None, reference_steps: Sequence[str]
) -> Fraction:
    """How much of the work was done correctly before the first error, from 0 to 1.

    With a reference solution: the share of its steps (those that arrive at a number) whose result appears in a
    student step verified correct before the first error. Without one: the share of the student's steps verified
    correct before the first error.
    """
    before = [
        step
        for step in steps
        if step.verdict == "correct" and (first_error_index is None or step.index < first_error_index)
    ]
    targets = [value for value in (_result_of(step) for step in reference_steps) if value is not None]
    if targets:
        seen = {value for step in before for value in _numbers(step.text)}
        reached = sum(1 for value in targets if value in seen)
        return Fraction(reached, len(targets))
    if not steps:
        return Fraction(0)
    return Fraction(len(before), len(steps))


# --- Which attempt counts -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Counted:
    """The score that counts for one student on one problem, and the attempt it comes from (None for averages)."""

    score: Decimal | None
    attempt_id: int | None
    graded_attempts: int
    pending: int


def counted_score(attempts: Sequence[tuple[int, Decimal | None, bool]], rule: str) -> Counted:
    """`attempts`: (submission id, score, final) in attempt order; only final, scored attempts count.

    `final` is False for grades still waiting for a teacher (they count once confirmed) and for failed gradings.
    """
    graded = [(pk, score) for pk, score, final in attempts if final and score is not None]
    pending = sum(1 for _, _, final in attempts if not final)
    if not graded:
        return Counted(None, None, 0, pending)
    if rule == "last":
        pk, score = graded[-1]
        return Counted(score, pk, len(graded), pending)
    if rule == "average":
        total = sum((score for _, score in graded), Decimal(0))
        return Counted(quantize(total / len(graded)), None, len(graded), pending)
    pk, score = max(graded, key=lambda item: (item[1], -item[0]))
    return Counted(score, pk, len(graded), pending)
