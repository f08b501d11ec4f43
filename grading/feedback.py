"""What the feedback page shows: view-models built from a submission's stored verdicts. Reads go through
grading.selectors; nothing here writes."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.utils import timezone
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
    # The verdict in force (the teacher's when a teacher set one).
    verdict: str
    # What the page shows: correct, first_error, incorrect, not_checked_after_error, unverified, pending.
    state: str
    label: str
    icon: str
    # Shown to teachers only; students learn what to do from the label ("First error" vs "Check this step").
    confidence: float | None
    explanation: str
    hint: str
    checker: str
    is_first_error: bool
    confident: bool
    # A teacher's verdict on this step: the student sees it, with the reason, as the teacher's.
    by_teacher: bool = False
    teacher_reason: str = ""
    # What the checker said, kept beside the teacher's verdict (teachers see both).
    checker_verdict: str = ""
    checker_explanation: str = ""

    @property
    def number(self) -> int:
        return self.index + 1

    @property
    def confidence_percent(self) -> int | None:
        return None if self.confidence is None else round(self.confidence * 100)


@dataclass(frozen=True)
class Decision:
    """A teacher decision in force, and whether the verifier's latest verdict agrees with it."""

    what: str
    teacher_says: str
    checker_says: str
    reason: str

    @property
    def agrees(self) -> bool:
        return self.teacher_says == self.checker_says


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
    # None while the grade waits for a teacher (students see "waiting for your teacher", not a number).
    score: Decimal | None
    points: Decimal
    viewer_can_grade: bool = False
    latest_run: VerificationRun | None = None
    overrides: tuple[Override, ...] = field(default_factory=tuple)
    # How the score was computed: (label, earned, possible), and the late factor when it applied.
    score_parts: tuple[tuple[str, str, str], ...] = ()
    late_factor: str = "1"
    final_answer_by_teacher: bool = False
    final_answer_reason: str = ""
    score_by_teacher: bool = False
    score_reason: str = ""
    # Teachers' decisions in force, each with whether the latest verdicts agree (shown to teachers).
    decisions: tuple[Decision, ...] = ()
    waiting_for_teacher: bool = False
    # Grading is taking longer than it should (no worker, a busy model server): the page says the work is saved.
    slow: bool = False

    @property
    def unchecked_count(self) -> int:
        """Steps the checker could not decide (not those skipped after the first error)."""
        return sum(1 for step in self.steps if step.state == "unverified")

    @property
    def disagreements(self) -> tuple[Decision, ...]:
        return tuple(decision for decision in self.decisions if not decision.agrees)


def sanitize_text(text: str) -> SafeString:
    """Student and model text, shown as text: tags (a <script> included) are escaped, never interpreted.

    Its $...$ math is left for KaTeX; a dollar that is a price ("$4 is $108") is kept out of KaTeX's reach.
    """
    return mark_safe(render_text_with_math(text or ""))  # noqa: S308 - every HTML special character is escaped


VERDICT_WORDS = {"correct": "correct", "incorrect": "wrong", "unverified": "not decided"}


def _step_view(step: Step, *, first_error_index: int | None, graded: bool, reveal: bool, staff: bool) -> StepView:
    verdict = step.effective_verdict
    by_teacher = bool(step.teacher_verdict)
    confident = by_teacher or (step.confidence is not None and step.confidence >= CONFIDENT)
    after_error = first_error_index is not None and step.index > first_error_index
    is_first = first_error_index is not None and step.index == first_error_index
    if not graded:
        state, label, icon = "pending", "Not checked yet", "…"
    elif by_teacher:
        word = VERDICT_WORDS.get(verdict, verdict)
        state = (
            "first_error" if is_first else {"correct": "correct", "incorrect": "incorrect"}.get(verdict, "unverified")
        )
        label = f"Your teacher: {word}" if not staff else f"Teacher: {word}"
        label = "First error (your teacher)" if is_first and not staff else label
        icon = {"correct": "✓", "incorrect": "✗"}.get(verdict, "?")
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
    if by_teacher:
        # The teacher's reason replaces the checker's explanation for the student; teachers see both.
        shown = step.teacher_reason
    else:
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
        # Confidence is for teachers; a step nobody could check has none worth showing ("0%" reads as "wrong").
        confidence=step.confidence if staff and graded and not by_teacher and state != "unverified" else None,
        explanation=shown,
        hint=step.hint,
        checker=step.checker,
        is_first_error=is_first,
        confident=confident,
        by_teacher=by_teacher,
        teacher_reason=step.teacher_reason,
        checker_verdict=step.verdict,
        checker_explanation=step.explanation if staff else "",
    )


def _decisions(submission: Submission, steps: list[Step]) -> tuple[Decision, ...]:
    decisions = [
        Decision(
            what=f"Step {step.index + 1}",
            teacher_says=step.teacher_verdict,
            checker_says=step.verdict,
            reason=step.teacher_reason,
        )
        for step in steps
        if step.teacher_verdict
    ]
    if submission.teacher_final_answer:
        decisions.append(
            Decision(
                what="Final answer",
                teacher_says=submission.teacher_final_answer,
                checker_says=submission.auto_final_answer_verdict,
                reason=submission.teacher_final_answer_reason,
            )
        )
    if submission.teacher_score is not None:
        auto = "" if submission.auto_score is None else f"{submission.auto_score:f}"
        decisions.append(
            Decision(
                what="Score",
                teacher_says=f"{submission.teacher_score:f}",
                checker_says=auto,
                reason=submission.teacher_score_reason,
            )
        )
    return tuple(decisions)


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
    waiting = submission.status == Submission.Status.NEEDS_REVIEW
    detail = submission.score_detail if isinstance(submission.score_detail, dict) else {}
    parts = tuple((str(a), str(b), str(c)) for a, b, c in (p for p in detail.get("parts", []) if len(p) == 3))
    return Feedback(
        submission=submission,
        is_final=submission.is_final,
        viewer_is_staff=staff,
        progress=None if submission.is_final else _progress(submission, steps),
        steps=views,
        first_error=first,
        final_answer_verdict=submission.final_answer_verdict,
        final_answer_label=submission.get_final_answer_verdict_display(),
        # A grade waiting for a teacher is not a grade yet: students see no number.
        score=submission.score if staff or not waiting else None,
        points=Decimal(submission.problem.points),
        viewer_can_grade=viewer_access.can_grade,
        latest_run=selectors.latest_run(submission=submission) if staff else None,
        overrides=tuple(selectors.overrides(submission=submission)) if staff else (),
        score_parts=parts if staff or not waiting else (),
        late_factor=str(detail.get("late_factor", "1")),
        final_answer_by_teacher=bool(submission.teacher_final_answer),
        final_answer_reason=submission.teacher_final_answer_reason,
        score_by_teacher=submission.teacher_score is not None,
        score_reason=submission.teacher_score_reason,
        decisions=_decisions(submission, steps) if staff else (),
        waiting_for_teacher=waiting,
        slow=not submission.is_final
        and (timezone.now() - submission.submitted_at).total_seconds() > settings.GRADING_PATIENCE_SECONDS,
    )
