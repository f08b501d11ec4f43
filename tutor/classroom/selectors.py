"""Reads for the classroom. Every lookup by id checks the caller's access (tutor.classroom.access), and anything
the caller may not see is a 404, so ids do not leak."""

from __future__ import annotations

from django.contrib.auth.models import User
from django.db.models import Count, F, Prefetch, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from . import access
from .access import AnyUser, Capability, CourseAccess
from .models import Assignment, Course, Enrollment, Invitation, Problem


def enrollments_for_user(*, user: User) -> QuerySet[Enrollment]:
    """The user's classes, each with how many students and (active) assignments it has. Archived classes are
    listed for their staff only (last), never for their students."""
    return (
        Enrollment.objects.filter(user=user)
        .exclude(role=Enrollment.Role.STUDENT, course__archived_at__isnull=False)
        .select_related("course")
        .annotate(
            student_count=Count(
                "course__enrollments", filter=Q(course__enrollments__role=Enrollment.Role.STUDENT), distinct=True
            ),
            assignment_count=Count(
                "course__assignments", filter=Q(course__assignments__archived_at__isnull=True), distinct=True
            ),
        )
        .order_by(F("course__archived_at").asc(nulls_first=True), "course__name", "course_id")
    )


def teachers_of(*, course: Course) -> QuerySet[Enrollment]:
    return (
        course.enrollments.filter(role__in=access.STAFF_ROLES).select_related("user").order_by("role", "user__username")
    )


def course_get(
    *, user: AnyUser, course_id: int, capability: Capability = Capability.VIEW
) -> tuple[Course, CourseAccess]:
    course = Course.objects.filter(pk=course_id).first()
    if course is None:
        raise Http404("No such class.")
    return course, access.access_or_404(user, course.pk, capability)


def open_for_students() -> Q:
    """Assignments students can see: not archived, with no opening date or one that has passed."""
    return Q(archived_at__isnull=True) & (Q(opens_at__isnull=True) | Q(opens_at__lte=timezone.now()))


def active_problems() -> Prefetch[str, QuerySet[Problem], str]:
    """An assignment's problems that are not archived, in order (what students see and gradebooks count)."""
    return Prefetch("problems", queryset=Problem.objects.active().order_by("position"))


def assignments_visible(*, course: Course, course_access: CourseAccess) -> QuerySet[Assignment]:
    """Staff (and site staff) see every assignment, archived ones included; students see those that have opened
    and are not archived. Either way `problems` holds the active problems only."""
    assignments = course.assignments.all()
    if not course_access.sees_staff_pages:
        assignments = assignments.filter(open_for_students())
    return assignments.prefetch_related(active_problems())


def assignment_get(
    *, user: AnyUser, assignment_id: int, capability: Capability = Capability.VIEW
) -> tuple[Assignment, CourseAccess]:
    assignment = Assignment.objects.select_related("course").filter(pk=assignment_id).first()
    if assignment is None:
        raise Http404("No such assignment.")
    return assignment, _assignment_access(user, assignment, capability)


def _assignment_access(user: AnyUser, assignment: Assignment, capability: Capability) -> CourseAccess:
    """The user's access to an assignment already loaded: the capability in its class, and, for those who do not
    see staff pages, an assignment that has opened and is not archived (the rule of `assignments_visible`, without a
    query)."""
    course_access = access.access_or_404(user, assignment.course_id, capability)
    if not course_access.sees_staff_pages and (
        assignment.archived_at is not None or (assignment.opens_at is not None and assignment.opens_at > timezone.now())
    ):
        raise Http404("No such assignment.")
    return course_access


def problem_get(
    *, user: AnyUser, problem_id: int, capability: Capability = Capability.VIEW
) -> tuple[Problem, CourseAccess]:
    problem = Problem.objects.select_related("assignment__course").filter(pk=problem_id).first()
    if problem is None:
        raise Http404("No such problem.")
    course_access = _assignment_access(user, problem.assignment, capability)
    if problem.archived_at is not None and not course_access.sees_staff_pages:
        raise Http404("No such problem.")
    return problem, course_access


def roster(*, course: Course) -> QuerySet[Enrollment]:
    return course.enrollments.select_related("user").order_by("role", "user__username")


def student_ids(*, course_id: int) -> QuerySet[Enrollment, int]:
    return Enrollment.objects.filter(course_id=course_id, role=Enrollment.Role.STUDENT).values_list(
        "user_id", flat=True
    )


def invitations_pending(*, user: User) -> QuerySet[Invitation]:
    """Invitations waiting for this user's answer, newest first."""
    return Invitation.objects.filter(user_id=user.pk, status=Invitation.Status.PENDING).select_related(
        "course", "invited_by"
    )


def invitation_get(*, user: User, invitation_id: int) -> Invitation:
    """One of this user's own invitations (answered or not), else 404."""
    invitation = Invitation.objects.filter(pk=invitation_id, user_id=user.pk).select_related("course").first()
    if invitation is None:
        raise Http404("No such invitation.")
    return invitation
