"""Where a class went wrong: common errors and item analysis per problem, from graded attempts (plain values).

Over the graded attempts of a problem (failed gradings are not attempts; a grade waiting for review counts once
it has verdicts), using the verdicts in force, i.e. what the student was told:

- **first-error positions**: how many attempts first went wrong at step 1, step 2, ..., or had no error;
- **checker categories** of those first errors: arithmetic, algebra, final answer, grounding (the solution left
  the values the reference supports), model (an LLM verifier), or found by the teacher (a step the teacher
  marked wrong);
- **most frequent explanations** of those first errors, with the numbers masked, so "27 × 4 is 108, not 98" and
  "3 × 6 is 18, not 16" count as the same kind of slip; one example is kept;
- **scores**: each student's score that counts (by the assignment's attempt rule), in bands of the points;
- **item analysis**: students who tried, graded attempts, the share with full marks on their first graded
  attempt, the median number of graded attempts to full marks (over those who got there), and who never did.
"""

from __future__ import annotations

import re
import statistics
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

from .reviews import INCORRECT, GradedSolution

MAX_POSITIONS = 10
TOP_EXPLANATIONS = 5
NO_ERROR = "No error"
CATEGORY_LABELS: Mapping[str, str] = {
    "arithmetic": "Arithmetic",
    "algebra": "Algebra",
    "final_answer": "Final answer",
    "grounding": "Grounding",
    "thinkprm": "Model",
    "critic": "Model",
    "chunkjudge": "Model",
    "teacher": "Found by the teacher",
}
CATEGORY_ORDER = ("Arithmetic", "Algebra", "Final answer", "Grounding", "Model", "Found by the teacher")
# (label, lowest share of the points included, highest excluded); full marks is its own band.
SCORE_BANDS: tuple[tuple[str, Decimal, Decimal], ...] = (
    ("0", Decimal(0), Decimal("0.000001")),
    ("under half", Decimal("0.000001"), Decimal("0.5")),
    ("half or more", Decimal("0.5"), Decimal(1)),
    ("full marks", Decimal(1), Decimal("Infinity")),
)
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")


@dataclass(frozen=True)
class Count:
    label: str
    count: int
    total: int

    @property
    def share(self) -> float | None:
        return round(100.0 * self.count / self.total, 1) if self.total else None


@dataclass(frozen=True)
class Explanation:
    pattern: str
    example: str
    count: int


@dataclass(frozen=True)
class ItemAnalysis:
    students: int
    attempts: int
    first_try_full: int
    first_try_scored: int
    reached_full: int
    median_attempts_to_full: float | None

    @property
    def first_try_share(self) -> float | None:
        return round(100.0 * self.first_try_full / self.first_try_scored, 1) if self.first_try_scored else None

    @property
    def never_full(self) -> int:
        return self.students - self.reached_full


@dataclass(frozen=True)
class ProblemAnalytics:
    attempts: int
    positions: tuple[Count, ...]
    categories: tuple[Count, ...]
    explanations: tuple[Explanation, ...]
    scores: tuple[Count, ...]
    item: ItemAnalysis

    @property
    def errors(self) -> int:
        return sum(c.count for c in self.positions if c.label != NO_ERROR)

    @property
    def most_common_position(self) -> Count | None:
        wrong = [c for c in self.positions if c.label != NO_ERROR and c.count]
        return max(wrong, key=lambda c: c.count) if wrong else None

    @property
    def most_common_category(self) -> Count | None:
        found = [c for c in self.categories if c.count]
        return max(found, key=lambda c: c.count) if found else None


def category(solution: GradedSolution) -> str | None:
    step = solution.first_error_step
    if step is None:
        return None
    if step.teacher_verdict == INCORRECT:
        return CATEGORY_LABELS["teacher"]
    return CATEGORY_LABELS.get(step.checker, step.checker.replace("_", " ").capitalize() or "Other")


def mask_numbers(text: str) -> str:
    return _NUMBER.sub("#", " ".join(text.split()))


def positions(solutions: Sequence[GradedSolution]) -> tuple[Count, ...]:
    counts: Counter[int] = Counter()
    none = 0
    for solution in solutions:
        if solution.first_error is None:
            none += 1
        else:
            counts[min(solution.first_error, MAX_POSITIONS - 1)] += 1
    total = len(solutions)
    highest = max(counts) if counts else -1
    rows = [
        Count(
            label=f"Step {i + 1}" if i < MAX_POSITIONS - 1 else f"Step {MAX_POSITIONS} or later",
            count=counts[i],
            total=total,
        )
        for i in range(highest + 1)
    ]
    return (*rows, Count(label=NO_ERROR, count=none, total=total))


def categories(solutions: Sequence[GradedSolution]) -> tuple[Count, ...]:
    found = Counter(c for s in solutions if (c := category(s)) is not None)
    total = sum(found.values())
    order = [*CATEGORY_ORDER, *sorted(set(found) - set(CATEGORY_ORDER))]
    return tuple(Count(label=name, count=found[name], total=total) for name in order if found[name])


def explanations(solutions: Sequence[GradedSolution], top: int = TOP_EXPLANATIONS) -> tuple[Explanation, ...]:
    counts: Counter[str] = Counter()
    examples: dict[str, str] = {}
    for solution in solutions:
        step = solution.first_error_step
        if step is None:
            continue
        text = step.teacher_reason if step.teacher_verdict == INCORRECT else step.explanation
        if not text.strip():
            continue
        pattern = mask_numbers(text)
        counts[pattern] += 1
        examples.setdefault(pattern, " ".join(text.split()))
    ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))[:top]
    return tuple(Explanation(pattern=p, example=examples[p], count=n) for p, n in ranked)


def score_bands(scores: Iterable[Decimal | None], points: Decimal) -> tuple[Count, ...]:
    known = [s for s in scores if s is not None]
    counts: Counter[str] = Counter()
    for score in known:
        share = score / points if points > 0 else Decimal(0)
        for label, low, high in SCORE_BANDS:
            if low <= share < high:
                counts[label] += 1
                break
    half, whole = _points(points / 2), _points(points)
    shown = {
        "0": "0 points",
        "under half": f"above 0, under {half}",
        "half or more": f"{half} to under {whole}",
        "full marks": f"{whole} (full marks)",
    }
    return tuple(Count(label=shown[label], count=counts[label], total=len(known)) for label, _, _ in SCORE_BANDS)


def _points(value: Decimal) -> str:
    text = f"{value.quantize(Decimal('0.01')):f}".rstrip("0").rstrip(".")
    return text or "0"


def item_analysis(solutions: Sequence[GradedSolution]) -> ItemAnalysis:
    by_student: dict[int, list[GradedSolution]] = {}
    for solution in sorted(solutions, key=lambda s: (s.student_id, s.attempt_number)):
        by_student.setdefault(solution.student_id, []).append(solution)
    first_try_full = first_try_scored = 0
    to_full: list[int] = []
    for tried in by_student.values():
        first = tried[0]
        if first.score is not None:
            first_try_scored += 1
            first_try_full += first.full_marks
        reached = next((n for n, s in enumerate(tried, start=1) if s.full_marks), None)
        if reached is not None:
            to_full.append(reached)
    return ItemAnalysis(
        students=len(by_student),
        attempts=len(solutions),
        first_try_full=first_try_full,
        first_try_scored=first_try_scored,
        reached_full=len(to_full),
        median_attempts_to_full=float(statistics.median(to_full)) if to_full else None,
    )


def problem_analytics(
    solutions: Sequence[GradedSolution], *, counted: Mapping[int, Decimal | None], points: Decimal
) -> ProblemAnalytics:
    """`solutions`: one problem's graded attempts; `counted`: student id -> the score that counts."""
    return ProblemAnalytics(
        attempts=len(solutions),
        positions=positions(solutions),
        categories=categories(solutions),
        explanations=explanations(solutions),
        scores=score_bands(counted.values(), points),
        item=item_analysis(solutions),
    )
