"""Editing a class and its content after it was created: a class's settings and archive; assignments and problems
edited, reordered, duplicated, archived and restored; deleted only while nobody has submitted work on them.

Each service authorizes through the access module, locks what it changes, and records its audit event (with what
changed, old and new) in the same transaction. Archiving hides from students and keeps every grade. Whether an
edit affects existing grades is reported to the caller (`ProblemUpdate.affects_grades`): regrading is grading's
job (grading.services.bulk), offered by the page.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal

from django.conf import settings
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from tutor.audit.events import AuditEventType
from tutor.audit.services import record

from . import access, services, timezones
from .access import Capability
from .errors import ClassroomError
from .models import Assignment, Course, Problem
from .moodle import parse_moodle_xml

Direction = Literal["up", "down"]

REFUSALS = {
    Capability.MANAGE: "Only a teacher of this class can change its settings.",
    Capability.AUTHOR: "Only the teacher or a teaching assistant of this class can edit its assignments.",
}
# What a problem edit may change, and which of those change how existing work is graded.
PROBLEM_FIELDS = (
    "title",
    "statement",
    "reference_answer",
    "reference_solution",
    "points",
    "scoring",
    "final_answer_percent",
    "rubric",
)
GRADE_AFFECTING = frozenset(
    {"reference_answer", "reference_solution", "points", "scoring", "final_answer_percent", "rubric"}
)
COURSE_FIELDS = ("name", "description", "time_zone", "allow_signup")


def _authorize(actor: User, course_id: int, capability: Capability) -> None:
    access.require(actor, course_id, capability, REFUSALS.get(capability, ""))


def _full_clean(instance: Course | Assignment | Problem, *, exclude: list[str]) -> None:
    try:
        instance.full_clean(exclude=exclude)
    except ValidationError as exc:
        raise ClassroomError.from_validation(exc) from exc


def _shown(value: Any) -> Any:
    """A value as the audit log keeps it (JSON)."""
    if value is None or isinstance(value, bool | int | float | str | list):
        return value
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


def _changes(instance: Any, fields: Mapping[str, Any]) -> dict[str, list[Any]]:
    """Set `fields` on `instance`; return {field: [old, new]} for those that changed."""
    changed: dict[str, list[Any]] = {}
    for name, value in fields.items():
        old = getattr(instance, name)
        if old != value:
            changed[name] = [_shown(old), _shown(value)]
            setattr(instance, name, value)
    return changed


def problem_has_submissions(problem: Problem) -> bool:
    return Problem.objects.filter(pk=problem.pk, submissions__isnull=False).exists()


def assignment_has_submissions(assignment: Assignment) -> bool:
    return Problem.objects.filter(assignment=assignment, submissions__isnull=False).exists()


def _locked_course(course: Course) -> Course:
    return Course.objects.select_for_update().get(pk=course.pk)


def _locked_assignment(assignment: Assignment) -> Assignment:
    return Assignment.objects.select_for_update().select_related("course").get(pk=assignment.pk)


def _locked_problem(problem: Problem) -> Problem:
    return Problem.objects.select_for_update().select_related("assignment__course").get(pk=problem.pk)


# --- The class ----------------------------------------------------------------------------------------------


@transaction.atomic
def course_update(*, actor: User, course: Course, fields: Mapping[str, Any]) -> Course:
    """Change a class's name, description, time zone or whether students may sign up with its code."""
    course = _locked_course(course)
    _authorize(actor, course.pk, Capability.MANAGE)
    unknown = set(fields) - set(COURSE_FIELDS)
    if unknown:
        raise ClassroomError(f"Unknown class settings: {', '.join(sorted(unknown))}.", code="bad_field")
    cleaned = dict(fields)
    if "name" in cleaned:
        cleaned["name"] = str(cleaned["name"]).strip()
        if not cleaned["name"]:
            raise ClassroomError("Give the class a name.", code="name_required")
    if "description" in cleaned:
        cleaned["description"] = str(cleaned["description"]).strip()
    if "time_zone" in cleaned:
        cleaned["time_zone"] = str(cleaned["time_zone"] or settings.TIME_ZONE)
        if not timezones.is_valid(cleaned["time_zone"]):
            raise ClassroomError(f"{cleaned['time_zone']!r} is not a time zone.", code="bad_time_zone")
    changed = _changes(course, cleaned)
    if not changed:
        return course
    _full_clean(course, exclude=["created_by"])
    course.save(update_fields=list(changed))
    record(
        event_type=AuditEventType.COURSE_UPDATED,
        target=course,
        actor=actor,
        course_id=course.pk,
        details={"changes": changed},
    )
    return course


@transaction.atomic
def course_archive(*, actor: User, course: Course, archived: bool = True) -> Course:
    """Archive a class (hidden from its students, no more submissions, every grade kept) or restore it."""
    course = _locked_course(course)
    _authorize(actor, course.pk, Capability.MANAGE)
    if (course.archived_at is not None) == archived:
        state = "archived" if archived else "not archived"
        raise ClassroomError(f"“{course.name}” is already {state}.", code="no_change")
    course.archived_at = timezone.now() if archived else None
    course.save(update_fields=["archived_at"])
    record(
        event_type=AuditEventType.COURSE_ARCHIVED if archived else AuditEventType.COURSE_RESTORED,
        target=course,
        actor=actor,
        course_id=course.pk,
        details={"name": course.name},
    )
    return course


# --- Assignments ----------------------------------------------------------------------------------------------


@transaction.atomic
def assignment_update(*, actor: User, assignment: Assignment, fields: Mapping[str, Any]) -> Assignment:
    """Change an assignment's settings (the fields of Assignment.SETTINGS_FIELDS). New gradings use them; a
    regrade applies them to work already graded."""
    assignment = _locked_assignment(assignment)
    _authorize(actor, assignment.course_id, Capability.AUTHOR)
    unknown = set(fields) - set(Assignment.SETTINGS_FIELDS)
    if unknown:
        raise ClassroomError(f"Unknown assignment settings: {', '.join(sorted(unknown))}.", code="bad_field")
    changed = _changes(assignment, fields)
    if not changed:
        return assignment
    if assignment.opens_at and assignment.due_at and assignment.due_at <= assignment.opens_at:
        raise ClassroomError("The due date must be after the opening date.", code="bad_dates")
    _full_clean(assignment, exclude=["course"])
    assignment.save(update_fields=list(changed))
    record(
        event_type=AuditEventType.ASSIGNMENT_UPDATED,
        target=assignment,
        actor=actor,
        course_id=assignment.course_id,
        details={"changes": changed},
    )
    return assignment


@transaction.atomic
def assignment_move(*, actor: User, assignment: Assignment, direction: Direction) -> Assignment:
    """Move an assignment one place up or down on the class page."""
    _authorize(actor, assignment.course_id, Capability.AUTHOR)
    course = _locked_course(assignment.course)
    ordered = list(Assignment.objects.filter(course=course).order_by("position", "due_at", "id"))
    index = next(i for i, item in enumerate(ordered) if item.pk == assignment.pk)
    other = index - 1 if direction == "up" else index + 1
    if not 0 <= other < len(ordered):
        raise ClassroomError(
            f"“{assignment.title}” is already {'first' if direction == 'up' else 'last'}.", "no_change"
        )
    ordered[index], ordered[other] = ordered[other], ordered[index]
    for position, item in enumerate(ordered, start=1):
        if item.position != position:
            item.position = position
            item.save(update_fields=["position"])
    moved = ordered[other]
    record(
        event_type=AuditEventType.ASSIGNMENT_MOVED,
        target=moved,
        actor=actor,
        course_id=course.pk,
        details={"direction": direction, "position": moved.position},
    )
    return moved


def _copy_title(taken: set[str], title: str, limit: int = 200) -> str:
    for n in range(1, 1000):
        suffix = " (copy)" if n == 1 else f" (copy {n})"
        candidate = title[: limit - len(suffix)] + suffix
        if candidate not in taken:
            return candidate
    raise ClassroomError("There are too many copies of this already; rename one first.", code="too_many")


@transaction.atomic
def assignment_duplicate(*, actor: User, assignment: Assignment, course: Course | None = None) -> Assignment:
    """Copy an assignment (its settings and its active problems, no student work) into the same class or into
    another class where the actor authors. The copy goes last and is titled "… (copy)"."""
    source = _locked_assignment(assignment)
    target = course or source.course
    _authorize(actor, source.course_id, Capability.AUTHOR)
    _authorize(actor, target.pk, Capability.AUTHOR)
    target = _locked_course(target)
    taken = set(Assignment.objects.filter(course=target).values_list("title", flat=True))
    fields = {name: getattr(source, name) for name in Assignment.SETTINGS_FIELDS}
    fields["title"] = _copy_title(taken, source.title) if source.title in taken else source.title
    copy = Assignment(course=target, position=Assignment.next_position(target), **fields)
    _full_clean(copy, exclude=["course"])
    copy.save()
    problems = list(source.problems.active().order_by("position"))
    for position, problem in enumerate(problems, start=1):
        _problem_copy(problem, assignment=copy, position=position, title=problem.title)
    record(
        event_type=AuditEventType.ASSIGNMENT_DUPLICATED,
        target=copy,
        actor=actor,
        course_id=target.pk,
        details={"source_id": source.pk, "source_course_id": source.course_id, "problems": len(problems)},
    )
    return copy


@transaction.atomic
def assignment_archive(*, actor: User, assignment: Assignment, archived: bool = True) -> Assignment:
    """Archive an assignment (students no longer see it, gradebooks leave it out, every grade is kept) or
    restore it."""
    assignment = _locked_assignment(assignment)
    _authorize(actor, assignment.course_id, Capability.AUTHOR)
    if (assignment.archived_at is not None) == archived:
        state = "archived" if archived else "not archived"
        raise ClassroomError(f"“{assignment.title}” is already {state}.", code="no_change")
    assignment.archived_at = timezone.now() if archived else None
    assignment.save(update_fields=["archived_at"])
    record(
        event_type=AuditEventType.ASSIGNMENT_ARCHIVED if archived else AuditEventType.ASSIGNMENT_RESTORED,
        target=assignment,
        actor=actor,
        course_id=assignment.course_id,
        details={"title": assignment.title},
    )
    return assignment


@transaction.atomic
def assignment_delete(*, actor: User, assignment: Assignment) -> None:
    """Delete an assignment nobody has submitted work on (a draft or a mistake). With submissions: archive it."""
    assignment = _locked_assignment(assignment)
    _authorize(actor, assignment.course_id, Capability.AUTHOR)
    if assignment_has_submissions(assignment):
        raise ClassroomError(
            f"Students have submitted work on “{assignment.title}”, so it cannot be deleted. Archive it instead: "
            "students stop seeing it and every grade is kept.",
            code="has_submissions",
        )
    course = assignment.course
    details = {"assignment_id": assignment.pk, "title": assignment.title, "problems": assignment.problems.count()}
    assignment.delete()
    record(
        event_type=AuditEventType.ASSIGNMENT_DELETED, target=course, actor=actor, course_id=course.pk, details=details
    )


# --- Problems ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ProblemUpdate:
    problem: Problem
    changed: tuple[str, ...]
    # Whether the change alters how existing work is graded (answer, solution, points, scoring rule) and there is
    # graded work to regrade.
    affects_grades: bool


def _check_problem_text(problem: Problem) -> None:
    limit = settings.PROBLEM_STATEMENT_MAX_CHARS
    if len(problem.statement) > limit:
        raise ClassroomError(f"The statement has {len(problem.statement):,} characters; the limit is {limit:,}.")
    if not problem.statement.strip():
        raise ClassroomError("The problem needs a statement.", code="statement_required")
    if not problem.reference_answer.strip():
        raise ClassroomError("The problem needs a reference answer.", code="answer_required")
    texts = [problem.title, problem.statement, problem.reference_answer, *map(str, problem.reference_solution)]
    if any("\x00" in text for text in texts):
        raise ClassroomError("The text contains a NUL character (\\u0000); remove it.", code="nul")


@transaction.atomic
def problem_update(*, actor: User, problem: Problem, fields: Mapping[str, Any]) -> ProblemUpdate:
    """Change a problem. Work already graded keeps its grade until it is regraded (the caller offers that when
    `affects_grades`); the teacher's decisions on it are kept through that regrade."""
    problem = _locked_problem(problem)
    _authorize(actor, problem.assignment.course_id, Capability.AUTHOR)
    unknown = set(fields) - set(PROBLEM_FIELDS)
    if unknown:
        raise ClassroomError(f"Unknown problem fields: {', '.join(sorted(unknown))}.", code="bad_field")
    cleaned = dict(fields)
    for name in ("title", "statement", "reference_answer"):
        if name in cleaned:
            cleaned[name] = str(cleaned[name]).strip()
    if "reference_solution" in cleaned:
        cleaned["reference_solution"] = [
            str(step).strip() for step in cleaned["reference_solution"] if str(step).strip()
        ]
    if "points" in cleaned:
        cleaned["points"] = Decimal(cleaned["points"]).quantize(Decimal("0.01"))
    changed = _changes(problem, cleaned)
    if not changed:
        return ProblemUpdate(problem=problem, changed=(), affects_grades=False)
    _check_problem_text(problem)
    _full_clean(problem, exclude=["assignment"])
    problem.save(update_fields=list(changed))
    affects = bool(GRADE_AFFECTING & set(changed)) and problem_has_submissions(problem)
    record(
        event_type=AuditEventType.PROBLEM_UPDATED,
        target=problem,
        actor=actor,
        course_id=problem.assignment.course_id,
        details={"changes": changed, "affects_grades": affects},
    )
    return ProblemUpdate(problem=problem, changed=tuple(changed), affects_grades=affects)


@transaction.atomic
def problem_move(*, actor: User, problem: Problem, direction: Direction) -> Problem:
    """Swap a problem with the active problem above or below it (numbers follow the order)."""
    _authorize(actor, problem.assignment.course_id, Capability.AUTHOR)
    assignment = _locked_assignment(problem.assignment)
    ordered = list(assignment.problems.active().order_by("position"))
    index = next((i for i, item in enumerate(ordered) if item.pk == problem.pk), None)
    if index is None:
        raise ClassroomError("Restore this problem from the archive before moving it.", code="archived")
    other = index - 1 if direction == "up" else index + 1
    if not 0 <= other < len(ordered):
        raise ClassroomError(
            f"Problem {problem.position} is already {'first' if direction == 'up' else 'last'}.", "no_change"
        )
    first, second = ordered[index], ordered[other]
    # (assignment, position) is unique: park one problem past the end while the other takes its place.
    spare = (assignment.problems.order_by("-position").values_list("position", flat=True).first() or 0) + 1
    first_position, second_position = first.position, second.position
    Problem.objects.filter(pk=first.pk).update(position=spare)
    Problem.objects.filter(pk=second.pk).update(position=first_position)
    Problem.objects.filter(pk=first.pk).update(position=second_position)
    first.position = second_position
    record(
        event_type=AuditEventType.PROBLEM_MOVED,
        target=first,
        actor=actor,
        course_id=assignment.course_id,
        details={"direction": direction, "from": first_position, "to": second_position, "swapped_with": second.pk},
    )
    return first


def _problem_copy(problem: Problem, *, assignment: Assignment, position: int, title: str) -> Problem:
    copy = Problem(
        assignment=assignment,
        position=position,
        title=title,
        statement=problem.statement,
        reference_answer=problem.reference_answer,
        reference_solution=list(problem.reference_solution or []),
        points=problem.points,
        scoring=problem.scoring,
        final_answer_percent=problem.final_answer_percent,
        rubric=list(problem.rubric or []),
    )
    _full_clean(copy, exclude=["assignment"])
    copy.save()
    return copy


@transaction.atomic
def problem_duplicate(*, actor: User, problem: Problem) -> Problem:
    """Copy a problem to the end of its assignment (with no student work)."""
    _authorize(actor, problem.assignment.course_id, Capability.AUTHOR)
    assignment = _locked_assignment(problem.assignment)
    last = assignment.problems.order_by("-position").values_list("position", flat=True).first() or 0
    taken = set(assignment.problems.values_list("title", flat=True))
    title = _copy_title(taken, problem.title or f"Problem {problem.position}")
    copy = _problem_copy(problem, assignment=assignment, position=last + 1, title=title)
    record(
        event_type=AuditEventType.PROBLEM_DUPLICATED,
        target=copy,
        actor=actor,
        course_id=assignment.course_id,
        details={"source_id": problem.pk, "position": copy.position},
    )
    return copy


@transaction.atomic
def problem_archive(*, actor: User, problem: Problem, archived: bool = True) -> Problem:
    """Archive a problem (students no longer see it, totals leave it out, every grade is kept) or restore it."""
    problem = _locked_problem(problem)
    _authorize(actor, problem.assignment.course_id, Capability.AUTHOR)
    if (problem.archived_at is not None) == archived:
        state = "archived" if archived else "not archived"
        raise ClassroomError(f"Problem {problem.position} is already {state}.", code="no_change")
    problem.archived_at = timezone.now() if archived else None
    problem.save(update_fields=["archived_at"])
    record(
        event_type=AuditEventType.PROBLEM_ARCHIVED if archived else AuditEventType.PROBLEM_RESTORED,
        target=problem,
        actor=actor,
        course_id=problem.assignment.course_id,
        details={"assignment_id": problem.assignment_id, "position": problem.position},
    )
    return problem


@transaction.atomic
def problem_delete(*, actor: User, problem: Problem) -> None:
    """Delete a problem nobody has submitted work on. With submissions: archive it."""
    problem = _locked_problem(problem)
    _authorize(actor, problem.assignment.course_id, Capability.AUTHOR)
    if problem_has_submissions(problem):
        raise ClassroomError(
            "Students have submitted work on this problem, so it cannot be deleted. Archive it instead: students "
            "stop seeing it and every grade is kept.",
            code="has_submissions",
        )
    assignment = problem.assignment
    details = {"problem_id": problem.pk, "position": problem.position, "title": problem.title}
    problem.delete()
    record(
        event_type=AuditEventType.PROBLEM_DELETED,
        target=assignment,
        actor=actor,
        course_id=assignment.course_id,
        details=details,
    )


def authorable_courses(*, user: User) -> Sequence[Course]:
    """The classes this user may copy an assignment into."""
    ids = access.course_ids(user, Capability.AUTHOR)
    courses = Course.objects.all() if ids is None else Course.objects.filter(pk__in=ids)
    return list(courses.active().order_by("name", "id"))


# --- Moodle XML -------------------------------------------------------------------------------------------------


def moodle_title(course: Course, title: str) -> str:
    """The title an imported question bank gets: its own, or "… (copy)" when the class has one by that name."""
    taken = set(Assignment.objects.filter(course=course).values_list("title", flat=True))
    return _copy_title(taken, title) if title in taken else title


@transaction.atomic
def moodle_import(*, actor: User, course: Course, content: bytes, filename: str) -> Assignment:
    """Create one assignment from a Moodle XML question export. All or nothing; what is skipped is recorded."""
    _authorize(actor, course.pk, Capability.AUTHOR)
    course = _locked_course(course)
    result = parse_moodle_xml(content, filename)
    fields = dict(result.data.fields)
    fields["title"] = moodle_title(course, fields["title"])
    problems = [
        services.ProblemInput(
            title=item.title,
            statement=item.statement,
            reference_answer=item.reference_answer,
            reference_solution=item.reference_solution,
            points=item.points,
        )
        for item in result.problems
    ]
    assignment = services.assignment_create(actor=actor, course=course, fields=fields, problems=problems)
    record(
        event_type=AuditEventType.PROBLEM_SET_IMPORTED,
        target=assignment,
        actor=actor,
        course_id=course.pk,
        details={
            "filename": filename,
            "format": "moodle_xml",
            "bytes": len(content),
            "problems": len(problems),
            "questions": result.questions,
            "skipped": [
                {"question": s.number, "name": s.name, "type": s.qtype, "reason": s.reason} for s in result.skipped
            ],
        },
    )
    return assignment
