"""Writes for classes, enrollment, assignments and problems. Each service authorizes, does the work, and
records its audit event in the same transaction."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal

from django.conf import settings
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from tutor.audit.events import AuditEventType
from tutor.audit.services import record

from . import access, timezones
from .access import Capability
from .errors import ClassroomError, DuplicateProblemSet
from .importers import ProblemSetData, parse_problem_set
from .models import Assignment, Course, Enrollment, Invitation, Problem

__all__ = ["ClassroomError", "ProblemInput"]


def _authorize(actor: User, course: Course, capability: Capability) -> None:
    access.require(actor, course.pk, capability)


def _full_clean(instance: Assignment | Problem, *, exclude: list[str]) -> None:
    try:
        instance.full_clean(exclude=exclude)
    except ValidationError as exc:
        raise ClassroomError.from_validation(exc) from exc


NOT_A_TEACHER = (
    "Creating classes needs the teacher permission. Ask a site admin to grant it to your account; "
    "to join a class as a student, use the code from your teacher."
)


@transaction.atomic
def course_create(*, teacher: User, name: str, description: str = "", time_zone: str = "") -> Course:
    if not access.may_create_courses(teacher):
        raise ClassroomError(NOT_A_TEACHER, code="not_a_teacher")
    name = name.strip()
    if not name:
        raise ClassroomError("Give the class a name.", code="name_required")
    time_zone = time_zone or settings.TIME_ZONE
    if not timezones.is_valid(time_zone):
        raise ClassroomError(f"{time_zone!r} is not a time zone; pick one from the list.", code="bad_time_zone")
    course = Course.objects.create(name=name, description=description.strip(), created_by=teacher, time_zone=time_zone)
    Enrollment.objects.create(course=course, user=teacher, role=Enrollment.Role.TEACHER)
    record(
        event_type=AuditEventType.COURSE_CREATED,
        target=course,
        actor=teacher,
        course_id=course.pk,
        details={"name": course.name, "time_zone": course.time_zone},
    )
    return course


@transaction.atomic
def course_join(*, student: User, join_code: str) -> Enrollment:
    code = join_code.strip().upper().replace(" ", "").replace("-", "")
    course = Course.objects.filter(join_code=code).first()
    if course is None:
        raise ClassroomError(f"No class has the code {code or '(empty)'}. Check it with your teacher.", code="bad_code")
    if Enrollment.objects.filter(course=course, user=student).exists():
        raise ClassroomError(f"You are already in {course.name}.", code="already_enrolled")
    enrollment = Enrollment.objects.create(course=course, user=student, role=Enrollment.Role.STUDENT)
    record(
        event_type=AuditEventType.COURSE_JOINED,
        target=course,
        actor=student,
        course_id=course.pk,
        details={"enrollment_id": enrollment.pk},
    )
    return enrollment


@transaction.atomic
def invitation_create(*, actor: User, course: Course, username: str, role: str) -> None:
    """A teacher invites an existing account (as a teaching assistant or a student); it joins once they accept.

    Says nothing about whether the account exists: an unknown username, an account already invited and a new
    invitation all return the same way, so the roster form cannot be used to find out who has an account.
    """
    _authorize(actor, course, Capability.MANAGE)
    if role not in (Enrollment.Role.TA, Enrollment.Role.STUDENT):
        raise ClassroomError(f"Unknown role {role!r}.", code="bad_role")
    user = User.objects.filter(username=username.strip(), is_active=True).first()
    if user is None:
        return
    if Enrollment.objects.filter(course=course, user=user).exists():
        # Members are on the roster the teacher is looking at: saying so reveals nothing new.
        raise ClassroomError(f"{user.get_username()} is already in this class.", code="already_member")
    if Invitation.objects.filter(course=course, user=user, status=Invitation.Status.PENDING).exists():
        return
    invitation = Invitation.objects.create(course=course, user=user, role=role, invited_by=actor)
    record(
        event_type=AuditEventType.INVITATION_CREATED,
        target=invitation,
        actor=actor,
        course_id=course.pk,
        details={"user_id": user.pk, "username": user.get_username(), "role": role},
    )


def _pending_invitation(user: User, invitation_id: int) -> Invitation:
    invitation = (
        Invitation.objects.select_for_update()
        .select_related("course")
        .filter(pk=invitation_id, user_id=user.pk, status=Invitation.Status.PENDING)
        .first()
    )
    if invitation is None:
        raise ClassroomError("This invitation is no longer open.", code="no_invitation")
    return invitation


@transaction.atomic
def invitation_accept(*, user: User, invitation_id: int) -> Enrollment:
    """The invited person joins the class in the role they were invited to."""
    invitation = _pending_invitation(user, invitation_id)
    course = invitation.course
    enrollment = Enrollment.objects.filter(course=course, user=user).first()
    if enrollment is None:
        enrollment = Enrollment.objects.create(course=course, user=user, role=invitation.role)
    invitation.status, invitation.answered_at = Invitation.Status.ACCEPTED, timezone.now()
    invitation.save(update_fields=["status", "answered_at"])
    record(
        event_type=AuditEventType.INVITATION_ACCEPTED,
        target=invitation,
        actor=user,
        course_id=course.pk,
        details={"enrollment_id": enrollment.pk, "role": enrollment.role},
    )
    record(
        event_type=AuditEventType.ENROLLMENT_ADDED,
        target=course,
        actor=user,
        course_id=course.pk,
        details={"user_id": user.pk, "username": user.get_username(), "role": enrollment.role,
                 "invitation_id": invitation.pk, "invited_by": invitation.invited_by_id},
    )  # fmt: skip
    return enrollment


@transaction.atomic
def invitation_decline(*, user: User, invitation_id: int) -> Invitation:
    invitation = _pending_invitation(user, invitation_id)
    invitation.status, invitation.answered_at = Invitation.Status.DECLINED, timezone.now()
    invitation.save(update_fields=["status", "answered_at"])
    record(
        event_type=AuditEventType.INVITATION_DECLINED,
        target=invitation,
        actor=user,
        course_id=invitation.course_id,
        details={},
    )
    return invitation


@transaction.atomic
def enrollment_remove(*, actor: User, enrollment: Enrollment) -> None:
    """Remove a student or TA from the roster. Their past submissions stay on record."""
    enrollment = Enrollment.objects.select_for_update().select_related("course", "user").get(pk=enrollment.pk)
    _authorize(actor, enrollment.course, Capability.MANAGE)
    if enrollment.role == Enrollment.Role.TEACHER:
        raise ClassroomError(
            "Teachers cannot be removed from their own class here; ask a site admin.", code="teacher_stays"
        )
    details = {"user_id": enrollment.user_id, "username": enrollment.user.get_username(), "role": enrollment.role}
    course = enrollment.course
    enrollment.delete()
    record(
        event_type=AuditEventType.ENROLLMENT_REMOVED, target=course, actor=actor, course_id=course.pk, details=details
    )


@dataclass(frozen=True)
class ProblemInput:
    statement: str
    reference_answer: str
    reference_solution: Sequence[str] = ()
    points: Decimal = Decimal(1)
    title: str = ""


@transaction.atomic
def assignment_create(
    *, actor: User, course: Course, fields: dict[str, Any], problems: Sequence[ProblemInput] = ()
) -> Assignment:
    """Create an assignment (fields as on the model) with its problems in the given order."""
    _authorize(actor, course, Capability.AUTHOR)
    assignment = Assignment(course=course, position=Assignment.next_position(course), **fields)
    _full_clean(assignment, exclude=["course"])
    assignment.save()
    for position, problem in enumerate(problems, start=1):
        _problem_insert(assignment=assignment, position=position, problem=problem)
    record(
        event_type=AuditEventType.ASSIGNMENT_CREATED,
        target=assignment,
        actor=actor,
        course_id=course.pk,
        details={"course_id": course.pk, "title": assignment.title, "problems": len(problems)},
    )
    return assignment


@transaction.atomic
def problem_create(*, actor: User, assignment: Assignment, problem: ProblemInput) -> Problem:
    """Append a problem at the end of the assignment."""
    assignment = Assignment.objects.select_for_update().select_related("course").get(pk=assignment.pk)
    _authorize(actor, assignment.course, Capability.AUTHOR)
    last = assignment.problems.order_by("-position").values_list("position", flat=True).first() or 0
    created = _problem_insert(assignment=assignment, position=last + 1, problem=problem)
    record(
        event_type=AuditEventType.PROBLEM_CREATED,
        target=created,
        actor=actor,
        course_id=assignment.course_id,
        details={"assignment_id": assignment.pk, "position": created.position},
    )
    return created


def _problem_insert(*, assignment: Assignment, position: int, problem: ProblemInput) -> Problem:
    created = Problem(
        assignment=assignment,
        position=position,
        title=problem.title,
        statement=problem.statement,
        reference_answer=problem.reference_answer,
        reference_solution=list(problem.reference_solution),
        points=problem.points,
    )
    try:
        _full_clean(created, exclude=["assignment"])
        created.save()
    except IntegrityError as exc:  # pragma: no cover - position is computed under a row lock
        raise ClassroomError("Two problems ended up at the same position; try again.", code="conflict") from exc
    return created


OnDuplicate = Literal["ask", "replace", "copy"]


def assignment_started(assignment: Assignment) -> bool:
    """Whether any student has submitted work on the assignment (then its problems are kept as they are)."""
    return Problem.objects.filter(assignment=assignment, submissions__isnull=False).exists()


def _copy_title(course: Course, title: str) -> str:
    taken = set(course.assignments.values_list("title", flat=True))
    for n in range(1, 1000):
        candidate = f"{title} (copy)" if n == 1 else f"{title} (copy {n})"
        if candidate not in taken and len(candidate) <= 200:
            return candidate
    raise ClassroomError("Too many copies of this assignment already; rename the file's title.", code="too_many")


@transaction.atomic
def problem_set_import(
    *, actor: User, course: Course, content: bytes, filename: str, on_duplicate: OnDuplicate = "ask"
) -> Assignment:
    """Create one assignment from a problem-set file. All or nothing: any error imports nothing.

    When the class already has an assignment with the file's title, `on_duplicate` decides: "ask" raises
    `DuplicateProblemSet` (the page asks the teacher), "replace" swaps in the file's settings and problems (only
    while no student has submitted), "copy" creates a new assignment with "(copy)" in its title.
    Raises `ProblemSetError` (a ClassroomError listing every problem found) or `ClassroomError`.
    """
    _authorize(actor, course, Capability.AUTHOR)
    # Dates written without a time zone are the class's local time.
    with timezone.override(timezones.zone_of(course)):
        data: ProblemSetData = parse_problem_set(content, filename)
    problems = [
        ProblemInput(
            title=item.title,
            statement=item.statement,
            reference_answer=item.reference_answer,
            reference_solution=item.reference_solution,
            points=item.points,
        )
        for item in data.problems
    ]
    fields = dict(data.fields)
    existing = Assignment.objects.select_for_update().filter(course=course, title=fields["title"]).first()
    details: dict[str, Any] = {"filename": filename, "bytes": len(content), "problems": len(problems)}
    if existing is not None and on_duplicate == "ask":
        raise DuplicateProblemSet(title=existing.title, assignment_id=existing.pk, started=assignment_started(existing))
    if existing is not None and on_duplicate == "replace":
        return _replace_problem_set(actor=actor, assignment=existing, fields=fields, problems=problems, details=details)
    if existing is not None:
        fields["title"] = _copy_title(course, fields["title"])
        details["copy_of"] = existing.pk
    assignment = assignment_create(actor=actor, course=course, fields=fields, problems=problems)
    record(
        event_type=AuditEventType.PROBLEM_SET_IMPORTED,
        target=assignment,
        actor=actor,
        course_id=course.pk,
        details=details,
    )
    return assignment


def _replace_problem_set(
    *,
    actor: User,
    assignment: Assignment,
    fields: dict[str, Any],
    problems: Sequence[ProblemInput],
    details: dict[str, Any],
) -> Assignment:
    if assignment_started(assignment):
        raise ClassroomError(
            f"Students have already submitted work on “{assignment.title}”, so its problems stay as they are. "
            "Import the file as a copy instead.",
            code="started",
        )
    for key, value in fields.items():
        setattr(assignment, key, value)
    _full_clean(assignment, exclude=["course"])
    assignment.save()
    removed = assignment.problems.count()
    assignment.problems.all().delete()
    for position, problem in enumerate(problems, start=1):
        _problem_insert(assignment=assignment, position=position, problem=problem)
    record(
        event_type=AuditEventType.PROBLEM_SET_REPLACED,
        target=assignment,
        actor=actor,
        course_id=assignment.course_id,
        details={**details, "problems_removed": removed},
    )
    return assignment
