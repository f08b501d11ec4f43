"""Reads of the audit log."""

from __future__ import annotations

from django.db import models
from django.db.models import QuerySet

from .events import AuditEventType
from .models import AuditEvent


def events_for(*, target: models.Model) -> QuerySet[AuditEvent]:
    """Everything recorded about one object, oldest first."""
    return AuditEvent.objects.filter(target_type=target._meta.label_lower, target_id=str(target.pk)).order_by(
        "created_at", "id"
    )


def count_for(*, target: models.Model, event_type: AuditEventType, **details: object) -> int:
    """How many events of one type an object has, optionally matching values in `details`."""
    filters = {f"details__{key}": value for key, value in details.items()}
    return events_for(target=target).filter(event_type=event_type.value, **filters).count()
