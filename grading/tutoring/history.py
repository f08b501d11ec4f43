"""A student's attempts at one problem, read as a path: each attempt's first error, what changed since the
attempt before (step by step), the hints asked for on the way, the steps kept by "fix from here" and reused from
the verdict cache, and the score trend. The student's problem and feedback pages and the teacher's submission
page show the same history. Only reads.
"""

from __future__ import annotations

import difflib
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from tutor.classroom.models import Problem

from .. import selectors
from ..models import Hint, Step, Submission
from ..scoring import Counted

# The score trend is drawn in a box this many units wide and high (an SVG with a text equivalent).
TREND_WIDTH, TREND_HEIGHT = 120, 32


@dataclass(frozen=True)
class StepChange:
    kind: str  # "same" | "changed" | "added" | "removed"
    old_number: int | None
    new_number: int | None
    old_text: str
    new_text: str


@dataclass(frozen=True)
class HistoryRow:
    submission: Submission
    counts: bool
    waiting: bool
    first_error: int | None  # 1-based
    changes: tuple[StepChange, ...]  # against the attempt before; () for the first
    change_summary: str
    hints: tuple[Hint, ...]  # asked for on this attempt's feedback
    hints_before: int  # hints the student had before submitting it (their cost is in its score)
    reused_steps: int
    trend: str  # "up" | "down" | "same" | "" against the graded attempt before

    @property
    def hint_levels(self) -> str:
        return ", ".join(str(h.level) for h in self.hints)


@dataclass(frozen=True)
class History:
    rows: tuple[HistoryRow, ...]  # newest first
    counted: Counted
    scores: tuple[tuple[int, Decimal], ...]  # (attempt number, score), oldest first, graded attempts only
    points: Decimal

    @property
    def trend_text(self) -> str:
        return " → ".join(f"{score.normalize():f}" for _, score in self.scores)

    @property
    def trend_points(self) -> str:
        """The polyline of the trend chart, in a TREND_WIDTH × TREND_HEIGHT box."""
        if len(self.scores) < 2 or self.points <= 0:
            return ""
        step = TREND_WIDTH / (len(self.scores) - 1)
        return " ".join(
            f"{i * step:.1f},{TREND_HEIGHT - float(score / self.points) * TREND_HEIGHT:.1f}"
            for i, (_, score) in enumerate(self.scores)
        )

    @property
    def hints_total(self) -> int:
        return sum(len(row.hints) for row in self.rows)


def step_changes(old: Sequence[str], new: Sequence[str]) -> tuple[StepChange, ...]:
    """The new attempt's steps against the old one's: kept, changed, added, removed (whitespace ignored)."""
    norm_old = [" ".join(t.split()) for t in old]
    norm_new = [" ".join(t.split()) for t in new]
    changes: list[StepChange] = []
    matcher = difflib.SequenceMatcher(a=norm_old, b=norm_new, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            changes.extend(
                StepChange("same", i + 1, j + 1, old[i], new[j])
                for i, j in zip(range(i1, i2), range(j1, j2), strict=True)
            )
            continue
        paired = min(i2 - i1, j2 - j1) if tag == "replace" else 0
        for k in range(paired):
            changes.append(StepChange("changed", i1 + k + 1, j1 + k + 1, old[i1 + k], new[j1 + k]))
        changes.extend(StepChange("removed", i + 1, None, old[i], "") for i in range(i1 + paired, i2))
        changes.extend(StepChange("added", None, j + 1, "", new[j]) for j in range(j1 + paired, j2))
    return tuple(changes)


def summary(changes: Sequence[StepChange]) -> str:
    if not changes:
        return ""
    changed = [c.new_number for c in changes if c.kind == "changed"]
    added = sum(1 for c in changes if c.kind == "added")
    removed = sum(1 for c in changes if c.kind == "removed")
    parts: list[str] = []
    if changed:
        numbers = ", ".join(str(n) for n in changed)
        parts.append(ngettext("step %(list)s changed", "steps %(list)s changed", len(changed)) % {"list": numbers})
    if added:
        parts.append(ngettext("%(count)s step added", "%(count)s steps added", added) % {"count": added})
    if removed:
        parts.append(ngettext("%(count)s step removed", "%(count)s steps removed", removed) % {"count": removed})
    if not parts:
        return _("The same steps")
    text = ", ".join(parts)
    return text[:1].upper() + text[1:]


def attempt_history(*, student_id: int, problem: Problem) -> History:
    rows, counted = selectors.attempt_history(student_id=student_id, problem=problem)
    ids = [row.submission.pk for row in rows]
    texts: dict[int, list[str]] = defaultdict(list)
    reused: dict[int, int] = defaultdict(int)
    for submission_id, text, was_reused in (
        Step.objects.filter(submission_id__in=ids)
        .order_by("submission_id", "index")
        .values_list("submission_id", "text", "reused")
    ):
        texts[submission_id].append(text)
        reused[submission_id] += int(was_reused)
    hints = list(Hint.objects.filter(problem=problem, student_id=student_id).order_by("created_at", "id"))
    by_submission: dict[int | None, list[Hint]] = defaultdict(list)
    for hint in hints:
        by_submission[hint.submission_id].append(hint)
    oldest_first = list(reversed(rows))
    built: list[HistoryRow] = []
    previous: Submission | None = None
    previous_score: Decimal | None = None
    scores: list[tuple[int, Decimal]] = []
    for row in oldest_first:
        s = row.submission
        shown_score = s.score if s.status == Submission.Status.GRADED and s.score is not None else None
        trend = ""
        if shown_score is not None:
            if previous_score is not None:
                trend = "up" if shown_score > previous_score else "down" if shown_score < previous_score else "same"
            previous_score = shown_score
            scores.append((s.attempt_number, shown_score))
        changes = step_changes(texts[previous.pk], texts[s.pk]) if previous is not None else ()
        built.append(
            HistoryRow(
                submission=s,
                counts=row.counts,
                waiting=row.waiting,
                first_error=(s.first_error_index + 1)
                if s.status == Submission.Status.GRADED and s.first_error_index is not None
                else None,
                changes=changes,
                change_summary=summary(changes),
                hints=tuple(by_submission.get(s.pk, ())),
                hints_before=sum(1 for h in hints if h.created_at < s.submitted_at),
                reused_steps=reused[s.pk],
                trend=trend,
            )
        )
        previous = s
    return History(
        rows=tuple(reversed(built)),
        counted=counted,
        scores=tuple(scores),
        points=Decimal(problem.points),
    )


def start_hints(*, student_id: int, problem: Problem) -> tuple[Hint, ...]:
    """Hints asked for on the problem page before any attempt."""
    return tuple(Hint.objects.filter(problem=problem, student_id=student_id, submission=None).order_by("created_at"))
