"""Per-student exceptions on an assignment: an extension, extra attempts, extra time. A teacher sets or removes
them; the submission policy (grading.policy.submit_decision) is the one place that applies them."""

from __future__ import annotations

from datetime import datetime

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from tutor.audit.events import AuditEventType
from tutor.audit.services import record
from tutor.classroom import access
from tutor.classroom.access import Capability
from tutor.classroom.models import Assignment, Enrollment
from tutor.notifications.models import NotificationKind
from tutor.notifications.services import notify

from .. import policy
from ..errors import GradingError, GradingPermissionError
from ..models import StudentException

REASON_MAX_CHARS = 500


def _authorize(actor: User, assignment: Assignment) -> None:
    if not access.can(actor, assignment.course_id, Capability.ACCOMMODATE):
        raise GradingPermissionError("Only a teacher of this class can give a student an exception.")


def _student(assignment: Assignment, student: User) -> None:
    if not Enrollment.objects.filter(
        course_id=assignment.course_id, user=student, role=Enrollment.Role.STUDENT
    ).exists():
        raise GradingError(f"{student.get_username()} is not a student of this class.", code="not_a_student")


def _state(exception: StudentException | None) -> dict[str, object]:
    if exception is None:
        return {}
    return {
        "due_at": exception.due_at.isoformat() if exception.due_at else None,
        "extra_attempts": exception.extra_attempts,
        "extra_time_percent": exception.extra_time_percent,
        "reason": exception.reason,
    }


def describe(assignment: Assignment, exception: StudentException) -> str:
    """The exception in a student's words, e.g. "until Friday 12 June, 23:59 · 2 extra attempts"."""
    parts = []
    due = policy.effective_due_at(assignment, exception)
    if due is not None and due != assignment.due_at:
        parts.append(f"due {timezone.localtime(due).strftime('%A %-d %B, %H:%M')}")
    if exception.extra_attempts:
        plural = "s" if exception.extra_attempts != 1 else ""
        parts.append(f"{exception.extra_attempts} extra attempt{plural} per problem")
    return " · ".join(parts)


@transaction.atomic
def student_exception_set(
    *,
    actor: User,
    assignment: Assignment,
    student: User,
    due_at: datetime | None = None,
    extra_attempts: int = 0,
    extra_time_percent: int = 0,
    reason: str = "",
) -> StudentException:
    """Give one student an extension (their own due date), extra attempts and/or extra time on an assignment,
    replacing what they had. The student is told; the change is audited with what it was before."""
    assignment = Assignment.objects.select_for_update().get(pk=assignment.pk)
    _authorize(actor, assignment)
    _student(assignment, student)
    reason = reason.strip()
    if len(reason) > REASON_MAX_CHARS:
        raise GradingError(f"Keep the reason under {REASON_MAX_CHARS} characters.", code="reason_too_long")
    if due_at is None and not extra_attempts and not extra_time_percent:
        raise GradingError("Choose a later due date, extra attempts or extra time.", code="empty")
    if (due_at is not None or extra_time_percent) and assignment.due_at is None:
        raise GradingError(
            "This assignment has no due date, so there is nothing to extend. Give extra attempts, or set a due "
            "date on the assignment first.",
            code="no_due_date",
        )
    if due_at is not None and assignment.due_at is not None and due_at <= assignment.due_at:
        due = timezone.localtime(assignment.due_at).strftime("%Y-%m-%d %H:%M")
        raise GradingError(f"The extension must be later than the assignment's due date ({due}).", code="not_later")
    existing = StudentException.objects.select_for_update().filter(assignment=assignment, student=student).first()
    before = _state(existing)
    exception = existing or StudentException(assignment=assignment, student=student)
    exception.due_at, exception.extra_attempts, exception.extra_time_percent = (
        due_at,
        extra_attempts,
        extra_time_percent,
    )
    exception.reason, exception.granted_by = reason, actor
    try:
        exception.full_clean(exclude=["assignment", "student", "granted_by"])
    except ValidationError as exc:
        raise GradingError(" ".join(exc.messages), code="invalid") from exc
    exception.save()
    record(
        event_type=AuditEventType.EXCEPTION_SET,
        target=exception,
        actor=actor,
        course_id=assignment.course_id,
        details={
            "assignment_id": assignment.pk,
            "student_id": student.pk,
            "username": student.username,
            "before": before,
            "after": _state(exception),
        },
    )
    notify(
        recipient_ids=[student.pk],
        kind=NotificationKind.EXCEPTION,
        message=f"{assignment.title}: your teacher gave you {describe(assignment, exception) or 'an exception'}.",
        url=reverse("assignment_detail", args=[assignment.pk]),
        key=f"exception:{assignment.pk}",
        course_id=assignment.course_id,
    )
    return exception


@transaction.atomic
def student_exception_clear(*, actor: User, exception: StudentException) -> None:
    """Remove a student's exception: the assignment's own due date and attempts apply again."""
    exception = (
        StudentException.objects.select_for_update().select_related("assignment", "student").get(pk=exception.pk)
    )
    _authorize(actor, exception.assignment)
    details = {
        "assignment_id": exception.assignment_id,
        "student_id": exception.student_id,
        "username": exception.student.username,
        "before": _state(exception),
    }
    assignment = exception.assignment
    exception.delete()
    record(
        event_type=AuditEventType.EXCEPTION_CLEARED,
        target=assignment,
        actor=actor,
        course_id=assignment.course_id,
        details=details,
    )
