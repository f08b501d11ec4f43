"""Writes for classes, enrollment, assignments and problems. Each service authorizes, does the work, and
records its audit event in the same transaction."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import User
from django.db import IntegrityError, transaction

from grading.events import record

from .importers import ProblemSetData, parse_problem_set
from .models import Assignment, Course, Enrollment, Problem


class ClassroomError(Exception):
    """A request the user can fix; the message is shown to them as is."""


def _role(course: Course, user: User) -> str | None:
    enrollment = Enrollment.objects.filter(course=course, user=user).only("role").first()
    return enrollment.role if enrollment else None


def _require_teacher(course: Course, user: User) -> None:
    if _role(course, user) != Enrollment.Role.TEACHER:
        raise ClassroomError("Only a teacher of this class can do that.")


def _require_staff(course: Course, user: User) -> None:
    if _role(course, user) not in (Enrollment.Role.TEACHER, Enrollment.Role.TA):
        raise ClassroomError("Only the teacher or a teaching assistant of this class can do that.")


@transaction.atomic
def course_create(*, teacher: User, name: str, description: str = "") -> Course:
    name = name.strip()
    if not name:
        raise ClassroomError("Give the class a name.")
    course = Course.objects.create(name=name, description=description.strip(), created_by=teacher)
    Enrollment.objects.create(course=course, user=teacher, role=Enrollment.Role.TEACHER)
    record(event_type="course.created", target=course, actor=teacher, details={"name": course.name})
    return course


@transaction.atomic
def course_join(*, student: User, join_code: str) -> Enrollment:
    code = join_code.strip().upper().replace(" ", "").replace("-", "")
    course = Course.objects.filter(join_code=code).first()
    if course is None:
        raise ClassroomError(f"No class has the code {code or '(empty)'}. Check it with your teacher.")
    if Enrollment.objects.filter(course=course, user=student).exists():
        raise ClassroomError(f"You are already in {course.name}.")
    enrollment = Enrollment.objects.create(course=course, user=student, role=Enrollment.Role.STUDENT)
    record(event_type="course.joined", target=course, actor=student, details={"enrollment_id": enrollment.pk})
    return enrollment


@transaction.atomic
def enrollment_add(*, actor: User, course: Course, username: str, role: str) -> Enrollment:
    """A teacher adds an existing account, typically as a teaching assistant."""
    _require_teacher(course, actor)
    if role not in Enrollment.Role.values:
        raise ClassroomError(f"Unknown role {role!r}.")
    user = User.objects.filter(username=username.strip()).first()
    if user is None:
        raise ClassroomError(f"There is no account with the username {username.strip()!r}.")
    if Enrollment.objects.filter(course=course, user=user).exists():
        raise ClassroomError(f"{user.get_username()} is already in this class.")
    enrollment = Enrollment.objects.create(course=course, user=user, role=role)
    record(
        event_type="enrollment.added",
        target=course,
        actor=actor,
        details={"user_id": user.pk, "username": user.get_username(), "role": role},
    )
    return enrollment


@transaction.atomic
def enrollment_remove(*, actor: User, enrollment: Enrollment) -> None:
    """Remove a student or TA from the roster. Their past submissions stay on record."""
    enrollment = Enrollment.objects.select_for_update().select_related("course", "user").get(pk=enrollment.pk)
    _require_teacher(enrollment.course, actor)
    if enrollment.role == Enrollment.Role.TEACHER:
        raise ClassroomError("Teachers cannot be removed from their own class here; ask a site admin.")
    details = {"user_id": enrollment.user_id, "username": enrollment.user.get_username(), "role": enrollment.role}
    course = enrollment.course
    enrollment.delete()
    record(event_type="enrollment.removed", target=course, actor=actor, details=details)


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
    _require_staff(course, actor)
    assignment = Assignment(course=course, **fields)
    assignment.full_clean(exclude=["course"])
    assignment.save()
    for position, problem in enumerate(problems, start=1):
        _problem_insert(assignment=assignment, position=position, problem=problem)
    record(
        event_type="assignment.created",
        target=assignment,
        actor=actor,
        details={"course_id": course.pk, "title": assignment.title, "problems": len(problems)},
    )
    return assignment


@transaction.atomic
def problem_create(*, actor: User, assignment: Assignment, problem: ProblemInput) -> Problem:
    """Append a problem at the end of the assignment."""
    assignment = Assignment.objects.select_for_update().select_related("course").get(pk=assignment.pk)
    _require_staff(assignment.course, actor)
    last = assignment.problems.order_by("-position").values_list("position", flat=True).first() or 0
    created = _problem_insert(assignment=assignment, position=last + 1, problem=problem)
    record(
        event_type="problem.created",
        target=created,
        actor=actor,
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
        created.full_clean(exclude=["assignment"])
        created.save()
    except IntegrityError as exc:  # pragma: no cover - position is computed under a row lock
        raise ClassroomError("Two problems ended up at the same position; try again.") from exc
    return created


@transaction.atomic
def problem_set_import(*, actor: User, course: Course, content: bytes, filename: str) -> Assignment:
    """Create one assignment from a problem-set file. All or nothing: any error imports nothing.

    Raises `importers.ProblemSetError` (with one message per problem found) or `ClassroomError`.
    """
    _require_staff(course, actor)
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
    assignment = assignment_create(actor=actor, course=course, fields=dict(data.fields), problems=problems)
    record(
        event_type="problem_set.imported",
        target=assignment,
        actor=actor,
        details={"filename": filename, "bytes": len(content), "problems": len(problems)},
    )
    return assignment
