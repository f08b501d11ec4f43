"""The Celery app in the Django project: worker-side time limits, checked against the visibility timeout at start."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from celery.signals import before_task_publish

from grading.retry_policy import TASK_MAX_RETRIES
from grading.tasks import grade_submission_task
from tutor.celery import app, check_time_limits, longest_time_limit

REPO = Path(__file__).resolve().parents[2]
CELERY = Path(sys.executable).with_name("celery")


@pytest.fixture
def memory_broker():
    saved = {key: app.conf[key] for key in ("broker_url", "task_always_eager")}
    app.conf.broker_url = "memory://"
    app.conf.task_always_eager = False
    app._pool = None
    app.amqp._producer_pool = None
    yield
    app.conf.update(saved)
    app._pool = None
    app.amqp._producer_pool = None


def test_time_limits_never_travel_in_the_task_message(memory_broker, settings):
    # Given a web process whose environment would give the task some time limits
    published = []

    def capture(headers=None, **_):
        published.append(headers)

    before_task_publish.connect(capture, weak=False)
    try:
        # When it enqueues a grading
        grade_submission_task.apply_async(args=(1, 1), queue="gpu")
    finally:
        before_task_publish.disconnect(capture)
    # Then the message carries none: the worker applies its own (its task attributes come from its settings)
    assert [tuple(headers["timelimit"]) for headers in published] == [(None, None)]
    assert grade_submission_task.soft_time_limit == settings.GRADING_SOFT_TIME_LIMIT
    assert grade_submission_task.time_limit == settings.GRADING_TIME_LIMIT
    assert grade_submission_task.max_retries == TASK_MAX_RETRIES


def test_the_visibility_timeout_must_be_above_the_longest_time_limit():
    longest = longest_time_limit(app)
    assert longest == grade_submission_task.time_limit
    saved = app.conf.broker_transport_options
    try:
        app.conf.broker_transport_options = {**saved, "visibility_timeout": longest}
        with pytest.raises(RuntimeError, match="CELERY_VISIBILITY_TIMEOUT"):
            check_time_limits(app)
        app.conf.broker_transport_options = {**saved, "visibility_timeout": longest + 1}
        check_time_limits(app)
    finally:
        app.conf.broker_transport_options = saved


def test_a_worker_refuses_to_start_when_its_visibility_timeout_is_below_its_time_limit(tmp_path):
    # Given a worker environment whose hard time limit (100 + 60 s) is above the visibility timeout
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tutor.settings.test",
        "CELERY_TASK_ALWAYS_EAGER": "false",
        "TUTOR_VAR_DIR": str(tmp_path),
        "GRADING_SOFT_TIME_LIMIT": "100",
        "CELERY_VISIBILITY_TIMEOUT": "120",
    }
    env.pop("REDIS_URL", None)
    # When the worker starts
    worker = subprocess.run(
        [str(CELERY), "-A", "tutor", "worker", "-P", "solo", "-Q", "cpu", "--without-mingle", "--without-gossip"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    # Then it stops at once and says why; the web process with the same environment still starts
    assert worker.returncode != 0
    assert "CELERY_VISIBILITY_TIMEOUT=120s must be above the longest task time limit (160s" in worker.stderr
    web = subprocess.run(
        [sys.executable, "-c", "import django; django.setup(); import grading.tasks"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert web.returncode == 0, web.stderr
