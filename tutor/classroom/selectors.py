"""Reads for the classroom pages. Every lookup by id goes through the user's own enrollments, and anything the
user may not see is a 404, so ids do not leak."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.contrib.auth.models import User
from django.db.models import Count, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from grading.models import Submission

from .models import Assignment, Course, Enrollment, Problem

STAFF_ROLES = (Enrollment.Role.TEACHER, Enrollment.Role.TA)


def enrollments_for_user(*, user: User) -> QuerySet[Enrollment]:
    """The user's classes, each with how many students and assignments it has."""
    return (
        Enrollment.objects.filter(user=user)
        .select_related("course")
        .annotate(
            student_count=Count(
                "course__enrollments", filter=Q(course__enrollments__role=Enrollment.Role.STUDENT), distinct=True
            ),
            assignment_count=Count("course__assignments", distinct=True),
        )
        .order_by("course__name", "course_id")
    )


def teachers_of(*, course: Course) -> QuerySet[Enrollment]:
    return course.enrollments.filter(role__in=STAFF_ROLES).select_related("user").order_by("role", "user__username")


def membership_get(*, user: User, course_id: int) -> Enrollment:
    enrollment = Enrollment.objects.select_related("course").filter(user=user, course_id=course_id).first()
    if enrollment is None:
        raise Http404("No such class.")
    return enrollment


def staff_membership_get(*, user: User, course_id: int) -> Enrollment:
    enrollment = membership_get(user=user, course_id=course_id)
    if enrollment.role not in STAFF_ROLES:
        raise Http404("No such class.")
    return enrollment


def _open_for_students() -> Q:
    return Q(opens_at__isnull=True) | Q(opens_at__lte=timezone.now())


def assignments_for_member(*, enrollment: Enrollment) -> QuerySet[Assignment]:
    """Teachers and TAs see every assignment; students see those that have opened."""
    assignments = enrollment.course.assignments.all()
    if enrollment.role not in STAFF_ROLES:
        assignments = assignments.filter(_open_for_students())
    return assignments.prefetch_related("problems")


def assignment_get(*, user: User, assignment_id: int) -> tuple[Assignment, Enrollment]:
    assignment = Assignment.objects.select_related("course").filter(pk=assignment_id).first()
    if assignment is None:
        raise Http404("No such assignment.")
    enrollment = membership_get(user=user, course_id=assignment.course_id)
    if not assignments_for_member(enrollment=enrollment).filter(pk=assignment.pk).exists():
        raise Http404("No such assignment.")
    return assignment, enrollment


def problem_get(*, user: User, problem_id: int) -> tuple[Problem, Enrollment]:
    problem = Problem.objects.select_related("assignment__course").filter(pk=problem_id).first()
    if problem is None:
        raise Http404("No such problem.")
    assignment_get(user=user, assignment_id=problem.assignment_id)
    enrollment = membership_get(user=user, course_id=problem.assignment.course_id)
    return problem, enrollment


def roster(*, course: Course) -> QuerySet[Enrollment]:
    return course.enrollments.select_related("user").order_by("role", "user__username")


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
    submissions = Submission.objects.filter(student=student, problem__assignment__in=assignments_list)
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
    course_ids = Enrollment.objects.filter(user=student, role=Enrollment.Role.STUDENT).values("course_id")
    assignments = (
        Assignment.objects.filter(course_id__in=course_ids)
        .filter(_open_for_students())
        .select_related("course")
        .prefetch_related("problems")
        .order_by("due_at", "id")
    )
    return student_progress(student=student, assignments=assignments)


def student_attempts(*, student: User, problem: Problem) -> QuerySet[Submission]:
    return Submission.objects.filter(student=student, problem=problem).order_by("-attempt_number")


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
