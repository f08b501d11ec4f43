"""Audit events. Every service that changes state calls `record` inside its own transaction."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser, User
from django.db import models

from .models import AuditEvent


def record(
    *,
    event_type: str,
    target: models.Model,
    actor: AbstractBaseUser | AnonymousUser | None = None,
    details: dict[str, Any] | None = None,
) -> AuditEvent:
    user = actor if isinstance(actor, User) else None
    return AuditEvent.objects.create(
        actor=user,
        event_type=event_type,
        target_type=target._meta.label_lower,
        target_id=str(target.pk),
        details=details or {},
    )
