"""The one way to write the audit log. Call `record` inside the transaction of the change it records."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser, User
from django.db import models

from .events import AuditEventType
from .models import AuditEvent


def record(
    *,
    event_type: AuditEventType,
    target: models.Model | None,
    actor: AbstractBaseUser | AnonymousUser | None = None,
    course_id: int | None = None,
    details: dict[str, Any] | None = None,
) -> AuditEvent:
    if not isinstance(event_type, AuditEventType):
        raise TypeError(f"event_type must be an AuditEventType, not {event_type!r}")
    user = actor if isinstance(actor, User) else None
    return AuditEvent.objects.create(
        actor=user,
        event_type=event_type.value,
        # No target: an event about something that is not a row (a login attempt for a name that may not exist).
        target_type=target._meta.label_lower if target is not None else "",
        target_id=str(target.pk) if target is not None else "",
        course_id=course_id,
        details=details or {},
    )
