"""Celery task: run one replay. The service holds the state; a redelivered task finds it claimed and does nothing."""

from __future__ import annotations

from django.conf import settings

from tutor.celery import app

from . import services


# Sent to the replayed backend's own queue (services.replay_request); the worker's own time limits, as grading.
@app.task(
    name="insight.replay",
    acks_late=True,
    soft_time_limit=settings.GRADING_SOFT_TIME_LIMIT,
    time_limit=settings.GRADING_TIME_LIMIT,
)
def replay_task(replay_id: int) -> None:
    services.replay_run(replay_id=replay_id)
