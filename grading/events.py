"""Audit events. Every service that changes state calls `record` inside its own transaction."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db import models

from .models import AuditEvent


def record(
    *,
    event_type: str,
    target: models.Model,
    actor: AbstractBaseUser | AnonymousUser | None = None,
    details: dict[str, Any] | None = None,
) -> AuditEvent:
    return AuditEvent.objects.create(
        actor=actor if actor is not None and actor.is_authenticated else None,
        event_type=event_type,
        target_type=target._meta.label_lower,
        target_id=str(target.pk),
        details=details or {},
    )
