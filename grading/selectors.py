"""Reads for grading pages. Permission rules live here so views and services share them."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe

from tutor.classroom.models import Assignment, Enrollment, Problem
from tutor.classroom.rendering import render_text_with_math
from verifier_worker.types import CONFIDENT

from .models import AuditEvent, Override, Step, Submission, VerificationRun

STAFF_ROLES = (Enrollment.Role.TEACHER, Enrollment.Role.TA)


def user_can_manage(user: AbstractBaseUser | AnonymousUser, submission: Submission) -> bool:
    """Teachers and TAs of the submission's class (and site admins) may see everything and change grades."""
    if not user.is_authenticated:
        return False
    if getattr(user, "is_superuser", False):
        return True
    return Enrollment.objects.filter(
        course_id=submission.problem.assignment.course_id, user_id=user.pk, role__in=STAFF_ROLES
    ).exists()


def submissions_visible_to(user: AbstractBaseUser | AnonymousUser) -> QuerySet[Submission]:
    base = Submission.objects.select_related("problem__assignment__course", "student")
    if not user.is_authenticated:
        return base.none()
    if getattr(user, "is_superuser", False):
        return base
    staff_courses = Enrollment.objects.filter(user_id=user.pk, role__in=STAFF_ROLES).values("course_id")
    return base.filter(Q(student_id=user.pk) | Q(problem__assignment__course_id__in=staff_courses))


def submission_for_user(*, user: AbstractBaseUser | AnonymousUser, pk: int) -> Submission:
    """The submission if this user may see it, else 404: ids of other people's work never leak."""
    submission = submissions_visible_to(user).filter(pk=pk).first()
    if submission is None:
        raise Http404("No such submission.")
    return submission


# --- The feedback page --------------------------------------------------------------------------------------

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
    latest_run: VerificationRun | None
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


def attempts_left(*, student_id: int, problem: Problem) -> int:
    """How many more times the student may submit this problem (0 once late work is refused)."""
    assignment = problem.assignment
    past_due = assignment.due_at is not None and assignment.due_at < timezone.now()
    if past_due and assignment.late_policy == Assignment.LatePolicy.REFUSE:
        return 0
    used = Submission.objects.filter(student_id=student_id, problem=problem).count()
    return max(assignment.max_attempts - used, 0)


def submission_feedback(*, submission: Submission, viewer: AbstractBaseUser | AnonymousUser) -> Feedback:
    staff = user_can_manage(viewer, submission)
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
        latest_run=submission.runs.order_by("-started_at", "-id").first() if staff else None,
        overrides=tuple(submission.overrides.select_related("step", "teacher")) if staff else (),
    )


# --- Teacher pages ------------------------------------------------------------------------------------------


def review_queue(*, user: AbstractBaseUser | AnonymousUser) -> QuerySet[Submission]:
    """Submissions waiting for review in the classes this user teaches."""
    if not user.is_authenticated:
        return Submission.objects.none()
    staff_courses = Enrollment.objects.filter(user_id=user.pk, role__in=STAFF_ROLES).values("course_id")
    return (
        Submission.objects.filter(
            status=Submission.Status.NEEDS_REVIEW, problem__assignment__course_id__in=staff_courses
        )
        .select_related("problem__assignment__course", "student")
        .order_by("status_changed_at", "id")
    )


def audit_events(*, submission: Submission) -> QuerySet[AuditEvent]:
    return AuditEvent.objects.filter(target_type="grading.submission", target_id=str(submission.pk)).order_by(
        "created_at", "id"
    )


@dataclass(frozen=True)
class GradebookCell:
    attempts: int
    best: Decimal | None
    latest: Submission | None


@dataclass(frozen=True)
class GradebookRow:
    student: Any
    cells: tuple[GradebookCell, ...]
    total_best: Decimal


def gradebook(*, assignment: Assignment) -> tuple[list[Problem], list[GradebookRow]]:
    """Students × problems: attempts, best score and the latest attempt."""
    problems = list(assignment.problems.order_by("position"))
    students = [
        e.user
        for e in Enrollment.objects.filter(course_id=assignment.course_id, role=Enrollment.Role.STUDENT)
        .select_related("user")
        .order_by("user__last_name", "user__first_name", "user__username")
    ]
    by_key: dict[tuple[int, int], list[Submission]] = {}
    for submission in Submission.objects.filter(problem__assignment=assignment).order_by("attempt_number"):
        by_key.setdefault((submission.student_id, submission.problem_id), []).append(submission)
    rows = []
    for student in students:
        cells = []
        for problem in problems:
            attempts = by_key.get((student.pk, problem.pk), [])
            scores = [s.score for s in attempts if s.score is not None]
            cells.append(
                GradebookCell(
                    attempts=len(attempts),
                    best=max(scores) if scores else None,
                    latest=attempts[-1] if attempts else None,
                )
            )
        total = sum((cell.best for cell in cells if cell.best is not None), Decimal(0))
        rows.append(GradebookRow(student=student, cells=tuple(cells), total_best=total))
    return problems, rows


def assignment_for_staff(*, user: AbstractBaseUser | AnonymousUser, pk: int) -> Assignment:
    assignment = Assignment.objects.filter(pk=pk).select_related("course").first()
    if assignment is None or not user.is_authenticated:
        raise Http404("No such assignment.")
    if getattr(user, "is_superuser", False):
        return assignment
    if not Enrollment.objects.filter(course_id=assignment.course_id, user_id=user.pk, role__in=STAFF_ROLES).exists():
        raise Http404("No such assignment.")
    return assignment
