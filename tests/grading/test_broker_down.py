"""Saving a submission never depends on the broker: with the broker on a closed port it is stored `queued`."""

from __future__ import annotations

import socket
import time

import pytest

from grading import services
from grading.models import Submission
from tutor.celery import app


def closed_port() -> int:
    # Bind then close: nothing listens on this port afterwards.
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def broker_down():
    saved = {key: app.conf[key] for key in ("broker_url", "task_always_eager")}
    app.conf.broker_url = f"redis://127.0.0.1:{closed_port()}/0"
    app.conf.task_always_eager = False
    app._pool = None
    app.amqp._producer_pool = None
    yield
    app.conf.update(saved)
    app._pool = None
    app.amqp._producer_pool = None


def test_submission_is_saved_queued_when_the_broker_is_down(
    classroom, broker_down, django_capture_on_commit_callbacks, caplog
):
    # Given a broker that refuses connections
    # When a student submits and the transaction commits
    started = time.monotonic()
    with django_capture_on_commit_callbacks(execute=True):
        submission = services.submission_create(student=classroom.student, problem=classroom.problem, text="x = 5")
    elapsed = time.monotonic() - started
    # Then the submission is stored as queued, the failure is logged, and the student was not kept waiting long
    submission.refresh_from_db()
    assert submission.status == Submission.Status.QUEUED
    assert "Could not enqueue grading" in caplog.text
    assert elapsed < 10


def test_sweep_reports_nothing_sent_while_the_broker_is_down(classroom, broker_down):
    submission = services.submission_create(student=classroom.student, problem=classroom.problem, text="x = 5")
    assert services.grading_sweep(older_than_seconds=0) == []
    submission.refresh_from_db()
    assert submission.status == Submission.Status.QUEUED
