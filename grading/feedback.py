"""What the feedback page shows: view-models built from a submission's stored verdicts. Reads go through
grading.selectors; nothing here writes."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.safestring import SafeString, mark_safe

from tutor.classroom import access
from tutor.classroom.access import AnyUser
from tutor.classroom.rendering import render_text_with_math
from verifier_worker.types import CONFIDENT

from . import selectors
from .models import Override, Step, Submission, VerificationRun

STAGES: tuple[tuple[str, str], ...] = (
    (Submission.Status.QUEUED, "Waiting for a worker"),
    (Submission.Status.SEGMENTING, "Splitting into steps"),
    (Submission.Status.VERIFYING, "Checking steps"),
)


@dataclass(frozen=True)
class StepView:
    index: int
    text_html: SafeString
    verdict: str
    # What the page shows: correct, first_error, incorrect, not_checked_after_error, unverified, pending.
    state: str
    label: str
    icon: str
    confidence: float | None
    explanation: str
    hint: str
    checker: str
    is_first_error: bool
    confident: bool

    @property
    def number(self) -> int:
        return self.index + 1

    @property
    def confidence_percent(self) -> int | None:
        return None if self.confidence is None else round(self.confidence * 100)


@dataclass(frozen=True)
class Progress:
    stage: str
    stage_label: str
    stage_number: int
    stages: tuple[tuple[str, str, str], ...]  # (status, label, "done" | "current" | "todo")
    steps_total: int
    steps_checked: int


@dataclass(frozen=True)
class Feedback:
    submission: Submission
    is_final: bool
    viewer_is_staff: bool
    progress: Progress | None
    steps: tuple[StepView, ...]
    first_error: StepView | None
    final_answer_verdict: str
    final_answer_label: str
    score: Decimal | None
    points: Decimal
    viewer_can_grade: bool = False
    latest_run: VerificationRun | None = None
    overrides: tuple[Override, ...] = field(default_factory=tuple)

    @property
    def unchecked_count(self) -> int:
        """Steps the checker could not decide (not those skipped after the first error)."""
        return sum(1 for step in self.steps if step.state == "unverified")


def sanitize_text(text: str) -> SafeString:
    """Student and model text, shown as text: tags (a <script> included) are escaped, never interpreted.

    Its $...$ math is left for KaTeX; a dollar that is a price ("$4 is $108") is kept out of KaTeX's reach.
    """
    return mark_safe(render_text_with_math(text or ""))  # noqa: S308 - every HTML special character is escaped


def _step_view(step: Step, *, first_error_index: int | None, graded: bool, reveal: bool, staff: bool) -> StepView:
    verdict = step.verdict
    confident = step.confidence is not None and step.confidence >= CONFIDENT
    after_error = first_error_index is not None and step.index > first_error_index
    is_first = first_error_index is not None and step.index == first_error_index
    if not graded:
        state, label, icon = "pending", "Not checked yet", "…"
    elif is_first:
        state = "first_error"
        label, icon = ("First error", "✗") if confident else ("Check this step", "⚠")
    elif verdict == Step.Verdict.CORRECT:
        state, label, icon = "correct", "Checked: correct", "✓"
    elif verdict == Step.Verdict.INCORRECT:
        state, label, icon = "incorrect", "Also flagged", "✗"
    elif after_error:
        state, label, icon = "not_checked_after_error", "Not checked after the first error", "–"
    else:
        state, label, icon = "unverified", "Not checked", "?"
    # The student sees the hint when corrections are not revealed; teachers always see the full explanation.
    shown = step.explanation
    if not staff and not reveal and step.hint:
        shown = step.hint
    return StepView(
        index=step.index,
        text_html=sanitize_text(step.text),
        verdict=verdict if graded else "pending",
        state=state,
        label=label,
        icon=icon,
        # A step nobody could check has no confidence worth showing ("0% confident" reads as "wrong").
        confidence=step.confidence if graded and state != "unverified" else None,
        explanation=shown,
        hint=step.hint,
        checker=step.checker,
        is_first_error=is_first,
        confident=confident,
    )


def _progress(submission: Submission, steps: list[Step]) -> Progress:
    order = [status for status, _ in STAGES]
    current = order.index(submission.status) if submission.status in order else 0
    stages = tuple(
        (status, label, "done" if i < current else "current" if i == current else "todo")
        for i, (status, label) in enumerate(STAGES)
    )
    return Progress(
        stage=submission.status,
        stage_label=STAGES[current][1],
        stage_number=current + 1,
        stages=stages,
        steps_total=len(steps),
        steps_checked=sum(1 for step in steps if step.verdict != Step.Verdict.UNVERIFIED),
    )


def submission_feedback(*, submission: Submission, viewer: AnyUser) -> Feedback:
    viewer_access = access.course_access(viewer, submission.problem.assignment.course_id)
    staff = viewer_access.sees_staff_pages
    steps = list(submission.steps.order_by("index"))
    graded = submission.is_final and submission.graded_at is not None
    reveal = submission.problem.assignment.reveal_corrections
    views = tuple(
        _step_view(step, first_error_index=submission.first_error_index, graded=graded, reveal=reveal, staff=staff)
        for step in steps
    )
    first = next((view for view in views if view.is_first_error), None)
    return Feedback(
        submission=submission,
        is_final=submission.is_final,
        viewer_is_staff=staff,
        progress=None if submission.is_final else _progress(submission, steps),
        steps=views,
        first_error=first,
        final_answer_verdict=submission.final_answer_verdict,
        final_answer_label=submission.get_final_answer_verdict_display(),
        score=submission.score,
        points=Decimal(submission.problem.points),
        viewer_can_grade=viewer_access.can_grade,
        latest_run=selectors.latest_run(submission=submission) if staff else None,
        overrides=tuple(selectors.overrides(submission=submission)) if staff else (),
    )
