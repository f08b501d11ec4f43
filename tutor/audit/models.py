from __future__ import annotations

from django.conf import settings
from django.db import models

from .events import AuditEventType


class AuditEvent(models.Model):
    """Append-only record of every state change and every person's action, written inside the same transaction
    as the change it records. Nothing in the UI edits or deletes it."""

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # An AuditEventType value. No `choices` on the column: adding an event type needs no migration, and
    # `tutor.audit.services.record` accepts nothing but the enum.
    event_type = models.CharField(max_length=60)
    target_type = models.CharField(max_length=60)
    target_id = models.CharField(max_length=40)
    # The class the event belongs to, when it belongs to one: a plain id, so the audit log depends on no app.
    course_id = models.BigIntegerField(null=True, blank=True)
    details = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["target_type", "target_id"], name="audit_target_idx"),
            models.Index(fields=["course_id", "created_at"], name="audit_course_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.event_type} on {self.target_type}:{self.target_id}"

    def save(self, *args: object, **kwargs: object) -> None:
        if self.pk is not None:
            raise ValueError("Audit events are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args: object, **kwargs: object) -> tuple[int, dict[str, int]]:
        raise ValueError("Audit events are append-only.")

    @property
    def event_label(self) -> str:
        try:
            return str(AuditEventType(self.event_type).label)
        except ValueError:
            return self.event_type
