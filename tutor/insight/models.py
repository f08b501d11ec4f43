from __future__ import annotations

from django.conf import settings
from django.db import models


class ReplayRun(models.Model):
    """One run of a graded submission's input on a verifier backend, for comparison only: it never changes the
    grade, the steps or the verification runs. `request` is the exact input, frozen when the replay was asked
    for; `recorded` is what the grade held then (each step's verifier verdict and any teacher verdict), so the
    diff compares like with like even if the submission is regraded later."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Waiting for a worker"
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    FINAL_STATUSES = frozenset({Status.DONE, Status.FAILED})

    submission = models.ForeignKey("grading.Submission", on_delete=models.CASCADE, related_name="replays")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    backend = models.CharField(max_length=40)
    grading_version = models.PositiveIntegerField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    request = models.JSONField(default=dict)
    recorded = models.JSONField(default=dict)
    # The replay's own result: [{index, verdict, confidence, checker, explanation}, ...] and the run's metadata.
    verdicts = models.JSONField(default=list, blank=True)
    first_error_index = models.IntegerField(null=True, blank=True)
    final_answer_verdict = models.CharField(max_length=12, blank=True)
    undecided_reason = models.TextField(blank=True)
    model_id = models.CharField(max_length=200, blank=True)
    prompt_version = models.CharField(max_length=40, blank=True)
    parameters = models.JSONField(default=dict, blank=True)
    prompt = models.TextField(blank=True)
    raw_output = models.TextField(blank=True)
    chains = models.JSONField(default=list, blank=True)
    prompt_tokens = models.PositiveIntegerField(default=0)
    completion_tokens = models.PositiveIntegerField(default=0)
    latency_ms = models.FloatField(null=True, blank=True)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"Replay {self.pk} of submission {self.submission_id} on {self.backend}"

    @property
    def is_final(self) -> bool:
        return self.status in self.FINAL_STATUSES

    @property
    def tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens
