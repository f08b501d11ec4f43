"""Celery tasks: take ids, call a service, done. Idempotency and state live in grading.services."""

from __future__ import annotations

from typing import Any

from verifier_worker.celery import TASK_SOFT_TIME_LIMIT, TASK_TIME_LIMIT, app
from verifier_worker.types import VerifierUnavailable

from . import services


@app.task(
    bind=True,
    name="grading.grade_submission",
    autoretry_for=(VerifierUnavailable,),
    retry_backoff=2,
    retry_backoff_max=120,
    retry_jitter=True,
    max_retries=5,
    acks_late=True,
    soft_time_limit=TASK_SOFT_TIME_LIMIT,
    time_limit=TASK_TIME_LIMIT,
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


@app.task(name="grading.sweep", acks_late=True, soft_time_limit=60, time_limit=90)
def grading_sweep_task() -> int:
    return len(services.grading_sweep())
