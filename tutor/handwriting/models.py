from __future__ import annotations

from django.conf import settings
from django.db import models


class LineRecognition(models.Model):
    """One handwritten line as it was sent and read: the ink, and the recognition recorded like a verification run.

    A row is made for every (debounced) reading a student asks for. Rows that end up in a submission are kept with
    it; the others are drafts that `handwriting_prune` deletes after a day.
    """

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting for the recogniser"
        RUNNING = "running", "Being read"
        DONE = "done", "Read"
        FAILED = "failed", "Could not be read"
        EXPIRED = "expired", "Not read in time"

    FINAL_STATUSES = frozenset({Status.DONE, Status.FAILED, Status.EXPIRED})

    student = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    problem = models.ForeignKey("classroom.Problem", on_delete=models.CASCADE, related_name="+")
    submission = models.ForeignKey(
        "grading.Submission", on_delete=models.CASCADE, null=True, blank=True, related_name="line_recognitions"
    )
    # The ink, validated by verifier_worker.handwriting.strokes (bounded in bytes, strokes and points).
    strokes = models.JSONField()
    stroke_count = models.PositiveSmallIntegerField()
    point_count = models.PositiveIntegerField()
    ink_sha256 = models.CharField(max_length=64)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    # After this the student is told to type the line, and a worker that gets the task late skips it.
    deadline = models.DateTimeField()
    recogniser = models.CharField(max_length=40)
    model_id = models.CharField(max_length=100, blank=True)
    model_version = models.CharField(max_length=100, blank=True)
    parameters = models.JSONField(default=dict, blank=True)
    latex = models.TextField(blank=True)
    text = models.TextField(blank=True)
    confidence = models.FloatField(null=True, blank=True)
    # [{"latex": ..., "text": ..., "confidence": ...}, ...], best first, the top reading excluded.
    alternatives = models.JSONField(default=list, blank=True)
    latency_ms = models.FloatField(null=True, blank=True)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["student", "problem", "ink_sha256"]),
            models.Index(fields=["submission", "created_at"]),
        ]

    def __str__(self) -> str:
        return f"Line recognition {self.pk} ({self.status})"

    @property
    def is_final(self) -> bool:
        return self.status in self.FINAL_STATUSES


class HandwrittenLine(models.Model):
    """A confirmed line of a handwritten submission: what was read, and what the student chose to submit."""

    class Choice(models.TextChoices):
        RECOGNISED = "recognised", "Recognised reading"
        ALTERNATIVE = "alternative", "An alternative reading"
        TYPED = "typed", "Typed by the student"

    submission = models.ForeignKey("grading.Submission", on_delete=models.CASCADE, related_name="handwritten_lines")
    index = models.PositiveSmallIntegerField()
    recognition = models.ForeignKey(
        LineRecognition, on_delete=models.PROTECT, null=True, blank=True, related_name="lines"
    )
    text = models.TextField()
    choice = models.CharField(max_length=12, choices=Choice.choices)
    alternative_index = models.PositiveSmallIntegerField(null=True, blank=True)
    # Where this line sits in Submission.text, so it can be matched with the step it became.
    char_start = models.PositiveIntegerField()
    char_end = models.PositiveIntegerField()

    class Meta:
        ordering = ["submission", "index"]
        constraints = [models.UniqueConstraint(fields=["submission", "index"], name="unique_handwritten_line")]

    def __str__(self) -> str:
        return f"Handwritten line {self.index + 1} of submission {self.submission_id}"
