"""Reads for grading: submissions, attempts, progress, the review queue and the gradebook. Only reads; who may
see what is the access module's rule (tutor.classroom.access)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from django.contrib.auth.models import User
from django.db.models import Count, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from tutor.audit import selectors as audit
from tutor.audit.models import AuditEvent
from tutor.classroom import access
from tutor.classroom.access import AnyUser, Capability
from tutor.classroom.models import Assignment, Course, Enrollment, Problem
from tutor.classroom.selectors import active_problems, open_for_students

from . import policy, progress
from .models import Override, RegradeRequest, RegradeRun, Step, StudentException, Submission, VerificationRun
from .progress import PollState
from .scoring import Counted, counted_score

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
        .values_list(
            "status", "grading_version", "retries", "status_changed_at", "checked", "student_id", "submitted_at"
        )
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


def counted(submissions: list[Submission], rule: str) -> Counted:
    """The score that counts among one student's attempts at one problem (any order), by the assignment's rule.
    Only graded attempts count; a grade waiting for a teacher counts once confirmed."""
    ordered = sorted(submissions, key=lambda s: s.attempt_number)
    return counted_score(
        [
            (s.pk, s.score, s.status == Submission.Status.GRADED)
            for s in ordered
            if s.status != Submission.Status.FAILED
        ],
        rule,
    )


@dataclass(frozen=True)
class AttemptRow:
    """One line of a student's attempt history."""

    submission: Submission
    counts: bool
    waiting: bool


def attempt_history(*, student_id: int, problem: Problem) -> tuple[list[AttemptRow], Counted]:
    """Every attempt, newest first, marking the one whose score counts (or all, when the rule averages)."""
    tried = list(Submission.objects.filter(student_id=student_id, problem=problem).order_by("-attempt_number"))
    rule = problem.assignment.attempt_rule
    result = counted(tried, rule)
    rows = [
        AttemptRow(
            submission=s,
            counts=(s.pk == result.attempt_id)
            or (rule == "average" and s.status == Submission.Status.GRADED and s.score is not None),
            waiting=s.status == Submission.Status.NEEDS_REVIEW,
        )
        for s in tried
    ]
    return rows, result


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
    """One student's standing on one problem: their latest attempt (or none), how many they used, and the score
    that counts by the assignment's attempt rule."""

    problem: Problem
    latest: Submission | None = None
    attempts: int = 0
    counted: Counted | None = None

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
    # This student's due date (later than the assignment's with an extension or extra time: grading.policy).
    due_at: datetime | None = None
    has_exception: bool = False

    @property
    def is_past_due(self) -> bool:
        return self.due_at is not None and self.due_at < timezone.now()


def student_progress(*, student: User, assignments: QuerySet[Assignment]) -> list[AssignmentProgress]:
    assignments_list = list(assignments)
    by_problem: dict[int, list[Submission]] = {}
    submissions = Submission.objects.filter(student_id=student.pk, problem__assignment__in=assignments_list)
    for submission in submissions.order_by("problem_id", "attempt_number"):
        by_problem.setdefault(submission.problem_id, []).append(submission)
    exceptions = {
        e.assignment_id: e
        for e in StudentException.objects.filter(student_id=student.pk, assignment__in=assignments_list)
    }
    return [
        AssignmentProgress(
            assignment=assignment,
            due_at=policy.effective_due_at(assignment, exceptions.get(assignment.pk)),
            has_exception=assignment.pk in exceptions,
            problems=[
                ProblemProgress(
                    problem=p,
                    latest=by_problem[p.pk][-1] if by_problem.get(p.pk) else None,
                    attempts=len(by_problem.get(p.pk, [])),
                    counted=counted(by_problem.get(p.pk, []), assignment.attempt_rule),
                )
                for p in assignment.problems.all()
                if p.archived_at is None
            ],
        )
        for assignment in assignments_list
    ]


def student_assignments(*, student: User) -> list[AssignmentProgress]:
    """Every open assignment in every class the user studies in, soonest due first."""
    course_ids = Enrollment.objects.filter(
        user_id=student.pk, role=Enrollment.Role.STUDENT, course__archived_at__isnull=True
    ).values("course_id")
    assignments = (
        Assignment.objects.filter(course_id__in=course_ids)
        .filter(open_for_students())
        .select_related("course")
        .prefetch_related(active_problems())
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
    problems = list(assignment.problems.active())
    enrolled_ids = set(
        assignment.course.enrollments.filter(role=Enrollment.Role.STUDENT).values_list("user_id", flat=True)
    )
    by_key: dict[tuple[int, int], list[Submission]] = {}
    for submission in Submission.objects.filter(problem__assignment=assignment).order_by("attempt_number"):
        by_key.setdefault((submission.student_id, submission.problem_id), []).append(submission)
    student_ids = enrolled_ids | {student_id for student_id, _ in by_key}
    students = User.objects.filter(pk__in=student_ids).order_by("username")

    def cell(student: User, problem: Problem) -> ProblemProgress:
        tried = by_key.get((student.pk, problem.pk), [])
        return ProblemProgress(
            problem=problem,
            latest=tried[-1] if tried else None,
            attempts=len(tried),
            counted=counted(tried, assignment.attempt_rule),
        )

    return [
        SubmissionRow(
            student=student, removed=student.pk not in enrolled_ids, cells=[cell(student, p) for p in problems]
        )
        for student in students
    ]


REVIEW_STATUSES = (Submission.Status.NEEDS_REVIEW, Submission.Status.FAILED)


def review_queue(*, user: AnyUser) -> QuerySet[Submission]:
    """Grades waiting for a teacher, and gradings that failed, in the classes where this user grades (every
    class, for site staff). Oldest first."""
    if not user.is_authenticated:
        return Submission.objects.none()
    return (
        Submission.objects.filter(status__in=REVIEW_STATUSES)
        .filter(access.course_filter(user, Capability.GRADE, COURSE_OF_SUBMISSION))
        .select_related("problem__assignment__course", "student")
        .order_by("status_changed_at", "id")
    )


@dataclass(frozen=True)
class GradebookCell:
    attempts: int
    counted: Counted
    latest: Submission | None

    @property
    def best(self) -> Decimal | None:
        """The score that counts (named for the default rule, best attempt)."""
        return self.counted.score


@dataclass(frozen=True)
class GradebookRow:
    student: User
    cells: tuple[GradebookCell, ...]
    total: Decimal
    pending: int

    @property
    def total_best(self) -> Decimal:
        return self.total


def gradebook(*, assignment: Assignment) -> tuple[list[Problem], list[GradebookRow]]:
    """Students × problems: the score that counts by the assignment's attempt rule (linked to the attempt it
    comes from), the attempts used, and grades still waiting for a teacher (not counted until confirmed)."""
    problems = list(assignment.problems.active().order_by("position"))
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
            cells.append(
                GradebookCell(
                    attempts=len(tried),
                    counted=counted(tried, assignment.attempt_rule),
                    latest=tried[-1] if tried else None,
                )
            )
        total = sum((cell.counted.score for cell in cells if cell.counted.score is not None), Decimal(0))
        pending = sum(cell.counted.pending for cell in cells)
        rows.append(GradebookRow(student=student, cells=tuple(cells), total=total, pending=pending))
    return problems, rows


@dataclass(frozen=True)
class ClassGradebookCell:
    """One student's points on one assignment: the sum, over its active problems, of the score that counts by the
    assignment's attempt rule (late penalties are part of each score). None when nothing counts yet."""

    assignment: Assignment
    score: Decimal | None
    possible: Decimal
    pending: int
    has_exception: bool


@dataclass(frozen=True)
class ClassGradebookRow:
    student: User
    cells: tuple[ClassGradebookCell, ...]
    total: Decimal
    possible: Decimal
    pending: int


def class_gradebook(*, course: Course) -> tuple[list[Assignment], list[ClassGradebookRow]]:
    """Students × assignments (active ones, in the class's order), with each student's total. One query for all
    the submissions."""
    assignments = list(course.assignments.active().prefetch_related(active_problems()).order_by("position", "id"))
    problems = {p.pk: (a, p) for a in assignments for p in a.problems.all()}
    possible = {a.pk: sum((Decimal(p.points) for p in a.problems.all()), Decimal(0)) for a in assignments}
    students = [
        e.user
        for e in Enrollment.objects.filter(course=course, role=Enrollment.Role.STUDENT)
        .select_related("user")
        .order_by("user__last_name", "user__first_name", "user__username")
    ]
    by_key: dict[tuple[int, int], list[Submission]] = {}
    for submission in Submission.objects.filter(problem_id__in=list(problems)).order_by("attempt_number"):
        by_key.setdefault((submission.student_id, submission.problem_id), []).append(submission)
    excepted = set(
        StudentException.objects.filter(assignment__in=assignments).values_list("assignment_id", "student_id")
    )
    rows = []
    for student in students:
        cells = []
        for assignment in assignments:
            counts = [
                counted(by_key.get((student.pk, p.pk), []), assignment.attempt_rule) for p in assignment.problems.all()
            ]
            scores = [c.score for c in counts if c.score is not None]
            cells.append(
                ClassGradebookCell(
                    assignment=assignment,
                    score=sum(scores, Decimal(0)) if scores else None,
                    possible=possible[assignment.pk],
                    pending=sum(c.pending for c in counts),
                    has_exception=(assignment.pk, student.pk) in excepted,
                )
            )
        rows.append(
            ClassGradebookRow(
                student=student,
                cells=tuple(cells),
                total=sum((c.score for c in cells if c.score is not None), Decimal(0)),
                possible=sum(possible.values(), Decimal(0)),
                pending=sum(c.pending for c in cells),
            )
        )
    return assignments, rows


def exceptions_for(*, assignment: Assignment) -> dict[int, StudentException]:
    """Each student's exception on the assignment, by student id."""
    return {e.student_id: e for e in StudentException.objects.filter(assignment=assignment).select_related("student")}


# --- Regrade requests and bulk regrades ------------------------------------------------------------------------


def open_regrade_requests(*, user: AnyUser) -> QuerySet[RegradeRequest]:
    """Regrade requests waiting for an answer in the classes where this user grades, oldest first."""
    if not user.is_authenticated:
        return RegradeRequest.objects.none()
    return (
        RegradeRequest.objects.filter(status=RegradeRequest.Status.OPEN)
        .filter(access.course_filter(user, Capability.GRADE, "submission__" + COURSE_OF_SUBMISSION))
        .select_related("submission__problem__assignment__course", "student")
        .prefetch_related("submission__steps")
        .order_by("created_at", "id")
    )


def regrade_requests(*, submission: Submission) -> list[RegradeRequest]:
    """A submission's requests, newest first."""
    return list(submission.regrade_requests.select_related("answered_by", "override").order_by("-created_at", "-id"))


@dataclass(frozen=True)
class RunProgress:
    run: RegradeRun
    total: int
    done: int
    changed: int
    waiting_review: int
    failed: int

    @property
    def finished(self) -> bool:
        return self.done >= self.total

    @property
    def percent(self) -> int:
        return round(100 * self.done / self.total) if self.total else 100


def regrade_run_progress(*, run: RegradeRun) -> RunProgress:
    """How far a bulk regrade has got: attempts graded again (or regraded since by another run), and how many of
    them changed score, wait for review or failed."""
    done = changed = review = failed = 0
    items = list(run.items.select_related("submission"))
    for item in items:
        submission = item.submission
        superseded = submission.grading_version > item.grading_version
        if not (superseded or submission.is_final):
            continue
        done += 1
        if superseded:
            continue
        changed += submission.score != item.old_score
        review += submission.status == Submission.Status.NEEDS_REVIEW
        failed += submission.status == Submission.Status.FAILED
    return RunProgress(run=run, total=len(items), done=done, changed=changed, waiting_review=review, failed=failed)


RUNS_SHOWN = 10


def regrade_runs(*, assignment: Assignment) -> list[RunProgress]:
    """The assignment's latest bulk regrades (earlier ones are kept; the page shows the last RUNS_SHOWN)."""
    runs = assignment.regrade_runs.select_related("problem", "requested_by").order_by("-created_at", "-id")
    return [regrade_run_progress(run=run) for run in runs[:RUNS_SHOWN]]


def student_choices(*, course_id: int) -> list[tuple[int, str]]:
    """(user id, "Name (username)") for the class's students, for pickers."""
    enrollments = Enrollment.objects.filter(course_id=course_id, role=Enrollment.Role.STUDENT).select_related("user")
    return [
        (e.user_id, f"{e.user.get_full_name()} ({e.user.username})" if e.user.get_full_name() else e.user.username)
        for e in enrollments.order_by("user__first_name", "user__username")
    ]
