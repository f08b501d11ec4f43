"""How often teachers agree with the verifier: pure functions over reviewed grades (`reviews.GradedSolution`).

Over the reviewed grades of a group (one backend/model/prompt version, one problem, or all):

- **first-error agreement**: the share whose verifier first error (or "no error") is the first error in force;
- **final-answer agreement**: the same for the final-answer verdict;
- **precision / recall of "incorrect"**, over the steps of those grades: a step the verifier called incorrect
  whose verdict in force is incorrect, over all it called incorrect (precision) and over all in force incorrect
  (recall). A verdict the reviewing teacher left standing counts as agreed: that is what a review means;
- **overrides, and which way they went**: the teacher's decisions in force against the verifier's verdict
  (for example "incorrect → correct": a false alarm the teacher cleared), score decisions raised or lowered
  against the automatic score, and how many override actions the history holds;
- **by confidence band**: for the grades where the verifier flagged a first error, per band of that flag's
  confidence (the bands of `evaluate_verifier`: >= 0.9 shown to students as "First error", 0.7-0.9, < 0.7),
  how many flags, how many were where the teacher's first error is, and their mean confidence: is "First error"
  at >= 0.9 right as often as it claims? The ECE summarises the gap. ProcessBench's acc_erroneous, acc_correct
  and F1 come from the same `verifier_worker.evaluation.metrics`, so these figures read like `evaluate_verifier`'s.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Hashable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from verifier_worker.evaluation.metrics import CONFIDENCE_BANDS, compute_metrics
from verifier_worker.evaluation.records import EvalRecord, Outcome

from .reviews import INCORRECT, GradedSolution


def percent(numerator: int, denominator: int) -> float | None:
    return round(100.0 * numerator / denominator, 1) if denominator else None


@dataclass(frozen=True)
class BandRow:
    key: str
    flags: int
    right: int
    precision: float | None
    mean_confidence: float | None


@dataclass(frozen=True)
class Overrides:
    # (verifier's verdict, teacher's verdict) -> count, for the decisions in force
    steps: tuple[tuple[str, str, int], ...]
    final_answers: tuple[tuple[str, str, int], ...]
    scores_raised: int
    scores_lowered: int
    scores_same: int
    # Override rows that set something, over these grades' whole history
    actions: int

    @property
    def in_force(self) -> int:
        return (
            sum(n for *_, n in self.steps)
            + sum(n for *_, n in self.final_answers)
            + self.scores_raised
            + self.scores_lowered
            + self.scores_same
        )


@dataclass(frozen=True)
class Agreement:
    reviewed: int
    first_error_agree: int
    final_answer_agree: int
    steps: int
    predicted_incorrect: int
    actual_incorrect: int
    true_incorrect: int
    overrides: Overrides
    bands: tuple[BandRow, ...]
    ece: float | None
    acc_erroneous: float | None
    acc_correct: float | None
    f1: float | None
    # How many reviewed grades have a first error in force, and how many have none (ProcessBench's two sides).
    erroneous: int = 0
    correct: int = 0

    @property
    def first_error_agreement(self) -> float | None:
        return percent(self.first_error_agree, self.reviewed)

    @property
    def final_answer_agreement(self) -> float | None:
        return percent(self.final_answer_agree, self.reviewed)

    @property
    def precision(self) -> float | None:
        return percent(self.true_incorrect, self.predicted_incorrect)

    @property
    def recall(self) -> float | None:
        return percent(self.true_incorrect, self.actual_incorrect)


def _label(index: int | None) -> int:
    return -1 if index is None else index


def _pairs(counter: Counter[tuple[str, str]]) -> tuple[tuple[str, str, int], ...]:
    return tuple((old, new, n) for (old, new), n in sorted(counter.items(), key=lambda item: (-item[1], item[0])))


def agreement(solutions: Iterable[GradedSolution]) -> Agreement:
    """The figures over the reviewed grades among `solutions` (the others are ignored)."""
    reviewed = [s for s in solutions if s.reviewed]
    step_pairs: Counter[tuple[str, str]] = Counter()
    answer_pairs: Counter[tuple[str, str]] = Counter()
    raised = lowered = same = 0
    predicted = actual = true = steps = 0
    for solution in reviewed:
        for step in solution.steps:
            steps += 1
            said, in_force = step.verdict == INCORRECT, step.in_force == INCORRECT
            predicted += said
            actual += in_force
            true += said and in_force
            if step.teacher_verdict:
                step_pairs[(step.verdict, step.teacher_verdict)] += 1
        if solution.teacher_final_answer:
            answer_pairs[(solution.auto_final_answer, solution.teacher_final_answer)] += 1
        if solution.teacher_score is not None:
            auto = solution.auto_score
            if auto is None or solution.teacher_score > auto:
                raised += 1
            elif solution.teacher_score < auto:
                lowered += 1
            else:
                same += 1
    records = [EvalRecord(id=str(s.submission_id), problem="", steps=(), label=_label(s.first_error)) for s in reviewed]
    outcomes = [
        Outcome(status="ok", prediction=_label(s.auto_first_error), confidence=s.flag_confidence) for s in reviewed
    ]
    metrics: dict[str, Any] = compute_metrics(records, outcomes)
    flags = [
        (s.flag_confidence or 0.0, s.auto_first_error == s.first_error)
        for s in reviewed
        if s.auto_first_error is not None
    ]
    bands = []
    for key, low, high in CONFIDENCE_BANDS:
        members = [(c, right) for c, right in flags if low <= min(1.0, max(0.0, c)) < high]
        hits = sum(right for _, right in members)
        bands.append(
            BandRow(
                key=key,
                flags=len(members),
                right=hits,
                precision=percent(hits, len(members)),
                mean_confidence=round(sum(c for c, _ in members) / len(members), 3) if members else None,
            )
        )
    return Agreement(
        reviewed=len(reviewed),
        first_error_agree=sum(s.auto_first_error == s.first_error for s in reviewed),
        final_answer_agree=sum(s.auto_final_answer == s.final_answer for s in reviewed),
        steps=steps,
        predicted_incorrect=predicted,
        actual_incorrect=actual,
        true_incorrect=true,
        overrides=Overrides(
            steps=_pairs(step_pairs),
            final_answers=_pairs(answer_pairs),
            scores_raised=raised,
            scores_lowered=lowered,
            scores_same=same,
            actions=sum(s.override_actions for s in reviewed),
        ),
        bands=tuple(bands),
        ece=metrics["ece"],
        acc_erroneous=metrics["acc_erroneous"],
        acc_correct=metrics["acc_correct"],
        f1=metrics["f1"],
        erroneous=metrics["erroneous"],
        correct=metrics["correct"],
    )


@dataclass(frozen=True)
class GroupAgreement:
    key: tuple[Any, ...]
    label: str
    figures: Agreement


def agreement_by(
    solutions: Sequence[GradedSolution],
    key: Callable[[GradedSolution], Hashable],
    label: Callable[[GradedSolution], str],
) -> list[GroupAgreement]:
    """The figures per group of reviewed grades, the largest group first."""
    groups: dict[Hashable, list[GradedSolution]] = {}
    for solution in solutions:
        if solution.reviewed:
            groups.setdefault(key(solution), []).append(solution)
    rows = [
        GroupAgreement(key=k if isinstance(k, tuple) else (k,), label=label(members[0]), figures=agreement(members))
        for k, members in groups.items()
    ]
    return sorted(rows, key=lambda row: (-row.figures.reviewed, row.label))


def verifier_key(solution: GradedSolution) -> tuple[str, str, str]:
    return (solution.backend, solution.model, solution.prompt_version)


def verifier_label(solution: GradedSolution) -> str:
    parts = [solution.backend or "unknown backend"]
    if solution.model and solution.model != solution.backend:
        parts.append(solution.model)
    if solution.prompt_version:
        parts.append(solution.prompt_version)
    return " · ".join(parts)
