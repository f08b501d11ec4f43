"""Reads for grading: submissions, attempts, progress, the review queue and the gradebook. Only reads; who may
see what is the access module's rule (tutor.classroom.access)."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib.auth.models import User
from django.db.models import Count, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from tutor.audit import selectors as audit
from tutor.audit.models import AuditEvent
from tutor.classroom import access
from tutor.classroom.access import AnyUser, Capability
from tutor.classroom.models import Assignment, Enrollment, Problem
from tutor.classroom.selectors import open_for_students

from . import progress
from .models import Override, Step, Submission, VerificationRun
from .progress import PollState

COURSE_OF_SUBMISSION = "problem__assignment__course_id"


def submissions_visible_to(user: AnyUser) -> QuerySet[Submission]:
    """A student's own submissions, and every submission in the classes whose staff pages the user sees."""
    base = Submission.objects.select_related("problem__assignment__course", "student")
    if not user.is_authenticated:
        return base.none()
    return base.filter(Q(student_id=user.pk) | access.course_filter(user, Capability.VIEW_STAFF, COURSE_OF_SUBMISSION))


def submission_for_user(*, user: AnyUser, pk: int) -> Submission:
    """The submission if this user may see it, else 404: ids of other people's work never leak."""
    submission = submissions_visible_to(user).filter(pk=pk).first()
    if submission is None:
        raise Http404("No such submission.")
    return submission


__all__ = ["PollState"]


def submission_poll_state(*, user: AnyUser, pk: int) -> PollState | None:
    """The submission's progress if this user may see it (None otherwise, or if it does not exist)."""
    checked = Count("steps", filter=~Q(steps__verdict=Step.Verdict.UNVERIFIED))
    row = (
        submissions_visible_to(user)
        .filter(pk=pk)
        .annotate(checked=checked)
        .values_list("status", "grading_version", "retries", "status_changed_at", "checked", "student_id")
        .first()
    )
    if row is None:
        return None
    state = PollState(*row)
    progress.add(pk, state)
    return state


def submission_poll_state_cached(*, viewer_id: int, pk: int) -> PollState | None:
    """The progress from the cache alone, when the viewer is the submission's own student (anyone else, or a
    cache miss, is None: the caller falls back to `submission_poll_state`, which checks access in the database)."""
    state = progress.cached(pk)
    if state is None or state.student_id != viewer_id:
        return None
    return state


def submission_for_grader(*, user: AnyUser, pk: int) -> Submission:
    """The submission if this user may change its grade, else 404."""
    submission = submission_for_user(user=user, pk=pk)
    if not access.can(user, submission.problem.assignment.course_id, Capability.GRADE):
        raise Http404("No such submission.")
    return submission


def attempts(*, student: User, problem: Problem) -> QuerySet[Submission]:
    """One student's attempts at one problem, newest first."""
    return Submission.objects.filter(student_id=student.pk, problem=problem).order_by("-attempt_number")


def latest_run(*, submission: Submission) -> VerificationRun | None:
    return submission.runs.order_by("-started_at", "-id").first()


def runs(*, submission: Submission) -> QuerySet[VerificationRun]:
    return submission.runs.order_by("started_at", "id")


def overrides(*, submission: Submission) -> QuerySet[Override]:
    return submission.overrides.select_related("step", "teacher")


def audit_events(*, submission: Submission) -> QuerySet[AuditEvent]:
    return audit.events_for(target=submission)


# --- Progress: one student's standing -----------------------------------------------------------------------


@dataclass
class ProblemProgress:
    """One student's standing on one problem: their latest attempt (or none) and how many they used."""

    problem: Problem
    latest: Submission | None = None
    attempts: int = 0

    @property
    def label(self) -> str:
        if self.latest is None:
            return "Not started"
        return self.latest.get_status_display()

    @property
    def css(self) -> str:
        return self.latest.status if self.latest is not None else "not-started"


@dataclass
class AssignmentProgress:
    assignment: Assignment
    problems: list[ProblemProgress] = field(default_factory=list)

    @property
    def is_past_due(self) -> bool:
        return self.assignment.due_at is not None and self.assignment.due_at < timezone.now()


def student_progress(*, student: User, assignments: QuerySet[Assignment]) -> list[AssignmentProgress]:
    assignments_list = list(assignments)
    latest: dict[int, Submission] = {}
    counts: dict[int, int] = {}
    submissions = Submission.objects.filter(student_id=student.pk, problem__assignment__in=assignments_list)
    for submission in submissions.order_by("problem_id", "attempt_number"):
        latest[submission.problem_id] = submission
        counts[submission.problem_id] = counts.get(submission.problem_id, 0) + 1
    return [
        AssignmentProgress(
            assignment=assignment,
            problems=[
                ProblemProgress(problem=p, latest=latest.get(p.pk), attempts=counts.get(p.pk, 0))
                for p in assignment.problems.all()
            ],
        )
        for assignment in assignments_list
    ]


def student_assignments(*, student: User) -> list[AssignmentProgress]:
    """Every open assignment in every class the user studies in, soonest due first."""
    course_ids = Enrollment.objects.filter(user_id=student.pk, role=Enrollment.Role.STUDENT).values("course_id")
    assignments = (
        Assignment.objects.filter(course_id__in=course_ids)
        .filter(open_for_students())
        .select_related("course")
        .prefetch_related("problems")
        .order_by("due_at", "id")
    )
    return student_progress(student=student, assignments=assignments)


# --- Teacher pages ------------------------------------------------------------------------------------------


@dataclass
class SubmissionRow:
    student: User
    cells: list[ProblemProgress]
    removed: bool = False


def submission_matrix(*, assignment: Assignment) -> list[SubmissionRow]:
    """Students by problems: each cell holds the student's latest attempt and their attempt count.

    Students removed from the class keep their rows when they have submitted work, marked as removed.
    """
    problems = list(assignment.problems.all())
    enrolled_ids = set(
        assignment.course.enrollments.filter(role=Enrollment.Role.STUDENT).values_list("user_id", flat=True)
    )
    latest: dict[tuple[int, int], Submission] = {}
    counts: dict[tuple[int, int], int] = {}
    submissions = Submission.objects.filter(problem__assignment=assignment).order_by("attempt_number")
    for submission in submissions:
        key = (submission.student_id, submission.problem_id)
        latest[key] = submission
        counts[key] = counts.get(key, 0) + 1
    student_ids = enrolled_ids | {student_id for student_id, _ in latest}
    students = User.objects.filter(pk__in=student_ids).order_by("username")
    return [
        SubmissionRow(
            student=student,
            removed=student.pk not in enrolled_ids,
            cells=[
                ProblemProgress(
                    problem=p, latest=latest.get((student.pk, p.pk)), attempts=counts.get((student.pk, p.pk), 0)
                )
                for p in problems
            ],
        )
        for student in students
    ]


def review_queue(*, user: AnyUser) -> QuerySet[Submission]:
    """Submissions waiting for review in the classes where this user grades (every class, for site staff)."""
    if not user.is_authenticated:
        return Submission.objects.none()
    return (
        Submission.objects.filter(status=Submission.Status.NEEDS_REVIEW)
        .filter(access.course_filter(user, Capability.GRADE, COURSE_OF_SUBMISSION))
        .select_related("problem__assignment__course", "student")
        .order_by("status_changed_at", "id")
    )


@dataclass(frozen=True)
class GradebookCell:
    attempts: int
    best: Decimal | None
    latest: Submission | None


@dataclass(frozen=True)
class GradebookRow:
    student: User
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
            tried = by_key.get((student.pk, problem.pk), [])
            scores = [s.score for s in tried if s.score is not None]
            cells.append(
                GradebookCell(
                    attempts=len(tried), best=max(scores) if scores else None, latest=tried[-1] if tried else None
                )
            )
        total = sum((cell.best for cell in cells if cell.best is not None), Decimal(0))
        rows.append(GradebookRow(student=student, cells=tuple(cells), total_best=total))
    return problems, rows
