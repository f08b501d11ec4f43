from __future__ import annotations

from django.conf import settings
from django.db import models

MESSAGE_MAX_CHARS = 300


class NotificationKind(models.TextChoices):
    # For students
    GRADED = "graded", "New grade"
    GRADE_CHANGED = "grade_changed", "Your teacher changed a grade"
    REGRADE_ANSWERED = "regrade_answered", "Answer to a regrade request"
    EXCEPTION = "exception", "An exception on an assignment"
    # For teachers and TAs
    REVIEW_WAITING = "review_waiting", "Grades wait for review"
    REGRADE_REQUESTED = "regrade_requested", "New regrade request"


class Notification(models.Model):
    """One line in a person's notification list. Written in the same transaction as the change it tells about
    (tutor.notifications.services.notify), so a rolled-back change leaves no notification behind.

    Unread notifications with the same `key` are one line: a new one updates it and counts up (three grades
    waiting in one class are one notification that says 3, not three)."""

    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(max_length=30, choices=NotificationKind.choices)
    message = models.CharField(max_length=MESSAGE_MAX_CHARS)
    # A path inside this site (reverse()), never an outside address.
    url = models.CharField(max_length=300, blank=True)
    key = models.CharField(max_length=100)
    count = models.PositiveIntegerField(default=1)
    # The class it belongs to, as a plain id (this app depends on no other app).
    course_id = models.BigIntegerField(null=True, blank=True)
    created_at = models.DateTimeField()
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["recipient", "read_at"], name="notification_unread_idx")]
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "key"], condition=models.Q(read_at__isnull=True), name="one_unread_per_key"
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} for {self.recipient_id}: {self.message}"

    @property
    def is_unread(self) -> bool:
        return self.read_at is None
