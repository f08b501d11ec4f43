"""Celery tasks: take ids, call a service, done. Idempotency and state live in grading.services."""

from __future__ import annotations

from typing import Any

from django.conf import settings

from tutor.celery import app
from verifier_worker.types import VerifierUnavailable

from . import services
from .retry_policy import RETRY_BACKOFF_MAX_SECONDS, RETRY_BACKOFF_SECONDS, TASK_MAX_RETRIES


@app.task(
    bind=True,
    name="grading.grade_submission",
    autoretry_for=(VerifierUnavailable,),
    retry_backoff=RETRY_BACKOFF_SECONDS,
    retry_backoff_max=RETRY_BACKOFF_MAX_SECONDS,
    retry_jitter=True,
    max_retries=TASK_MAX_RETRIES,
    acks_late=True,
    # This process's settings: in a worker, the worker's own limits. They are never sent with the message.
    soft_time_limit=settings.GRADING_SOFT_TIME_LIMIT,
    time_limit=settings.GRADING_TIME_LIMIT,
)
def grade_submission_task(self: Any, submission_id: int, grading_version: int) -> None:
    final_attempt = self.request.retries >= self.max_retries
    # The task id is the lease owner: its own retries and redeliveries share it, a duplicate task does not.
    services.submission_grade(
        submission_id=submission_id,
        grading_version=grading_version,
        final_attempt=final_attempt,
        lease_owner=self.request.id or "",
    )


# Acked on receipt: beat sends the next sweep within GRADING_SWEEP_EVERY_SECONDS, so a lost one costs nothing.
@app.task(name="grading.sweep", acks_late=False, soft_time_limit=60, time_limit=90)
def grading_sweep_task() -> int:
    return len(services.grading_sweep())


# One model call bounded by HINT_LLM_TIMEOUT, and never longer than a grading (the visibility timeout covers it).
HINT_SOFT_TIME_LIMIT = min(int(settings.HINT_LLM_TIMEOUT) + 10, settings.GRADING_SOFT_TIME_LIMIT)


@app.task(
    name="grading.write_hint",
    acks_late=True,
    soft_time_limit=HINT_SOFT_TIME_LIMIT,
    time_limit=min(HINT_SOFT_TIME_LIMIT + 10, settings.GRADING_TIME_LIMIT),
)
def write_hint_task(hint_id: int) -> None:
    services.hint_write(hint_id=hint_id)


# Hourly from beat: the verdict cache's bound (settings.VERDICT_CACHE_MAX_ENTRIES). Acked on receipt: the next
# one comes within the hour.
@app.task(name="grading.verdict_cache_prune", acks_late=False, soft_time_limit=120, time_limit=150)
def verdict_cache_prune_task() -> int:
    return services.verdict_cache_prune()
