"""A real Redis and real `celery worker` subprocesses sharing the test database (PostgreSQL).

Import the fixtures into a test module: `from tests.integration.harness import celery_workers, redis_broker`.
Without TEST_REDIS_URL (set by scripts/test.sh when Redis answers) or without PostgreSQL these tests skip,
except on CI (CI=true), where that is a failure.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

import pytest
from django.db import connection

from tests.skipping import skip_unless_ci
from tutor.celery import app

REPO = Path(__file__).resolve().parents[2]
TEST_REDIS_URL = os.environ.get("TEST_REDIS_URL", "")
# Every test run gets its own Redis key prefix, so two runs sharing TEST_REDIS_URL never take each other's tasks.
KEY_PREFIX = f"tutor-test-{os.getpid()}-"
CELERY = Path(sys.executable).with_name("celery")

# Short limits so a killed worker's task is redelivered within seconds. The visibility timeout stays above the
# hard time limit, as in production.
WORKER_ENV = {
    "DJANGO_SETTINGS_MODULE": "tutor.settings.test",
    "CELERY_TASK_ALWAYS_EAGER": "false",
    "GRADING_SOFT_TIME_LIMIT": "8",
    "GRADING_TIME_LIMIT_GRACE": "2",
    "CELERY_VISIBILITY_TIMEOUT": "12",
    "CELERY_UNACKED_RESTORE_INTERVAL": "1",
    "PYTHONUNBUFFERED": "1",
    "CELERY_REDIS_KEY_PREFIX": KEY_PREFIX,
}


def unavailable(reason: str) -> None:
    skip_unless_ci(reason)


def require_services() -> None:
    if not TEST_REDIS_URL:
        unavailable("TEST_REDIS_URL is not set (scripts/test.sh sets it when Redis answers on 127.0.0.1:6379)")
    import redis

    try:
        redis.Redis.from_url(TEST_REDIS_URL, socket_connect_timeout=2).ping()
    except redis.exceptions.ConnectionError as exc:
        unavailable(f"Redis at {TEST_REDIS_URL} does not answer: {exc}")
    if connection.vendor != "postgresql":
        unavailable("the worker subprocess shares the test database, which needs PostgreSQL (set DATABASE_URL)")


def worker_database_url() -> str:
    s = connection.settings_dict
    auth = quote(s["USER"] or "")
    if s.get("PASSWORD"):
        auth += ":" + quote(s["PASSWORD"])
    host = s.get("HOST") or "127.0.0.1"
    port = s.get("PORT") or 5432
    return f"postgres://{auth}@{host}:{port}/{s['NAME']}"


def closed_port() -> int:
    # Bind then close: nothing listens on this port afterwards.
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def point_app_at(broker_url: str) -> None:
    """Make this process's Celery app publish to `broker_url` for real (not eagerly), under this run's prefix."""
    app.conf.broker_url = broker_url
    app.conf.broker_transport_options = {**app.conf.broker_transport_options, "global_keyprefix": KEY_PREFIX}
    app.conf.task_always_eager = False
    app._pool = None
    app.amqp._producer_pool = None


def clear_celery_keys(client: object) -> None:
    """Drop this run's queues and unacked bookkeeping, and nothing else in that Redis database."""
    keys = list(client.scan_iter(f"{KEY_PREFIX}*"))  # type: ignore[attr-defined]
    if keys:
        client.delete(*keys)  # type: ignore[attr-defined]


@pytest.fixture
def redis_broker() -> Iterator[str]:
    require_services()
    import redis

    client = redis.Redis.from_url(TEST_REDIS_URL)
    clear_celery_keys(client)  # leftover tasks from an earlier run must not leak in
    saved = {key: app.conf[key] for key in ("broker_url", "task_always_eager", "broker_transport_options")}
    point_app_at(TEST_REDIS_URL)
    yield TEST_REDIS_URL
    app.conf.update(saved)
    app._pool = None
    app.amqp._producer_pool = None
    clear_celery_keys(client)


@dataclass
class Worker:
    name: str
    process: subprocess.Popen[bytes]
    log: Path
    env: dict[str, str] = field(default_factory=dict)

    def output(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def kill(self) -> None:
        """SIGKILL the whole worker (its own process group): no cleanup, no ack, like a crashed machine."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.kill()


@pytest.fixture
def celery_workers(redis_broker: str, transactional_db: None, tmp_path: Path) -> Iterator[Callable[..., Worker]]:
    """Start real `celery -A tutor worker` processes on the test Redis and test database."""
    started: list[Worker] = []

    def start(
        name: str = "w1", *, slow_seconds: float = 2.0, timeout: float = 60.0, env: dict[str, str] | None = None
    ) -> Worker:
        overrides = env or {}
        env = {
            **os.environ,
            **WORKER_ENV,
            **overrides,
            "REDIS_URL": redis_broker,
            "DATABASE_URL": worker_database_url(),
            "FAKE_VERIFIER_SLOW_SECONDS": str(slow_seconds),
        }
        log = tmp_path / f"worker-{name}.log"
        command = [
            str(CELERY), "-A", "tutor", "worker", "-Q", "cpu,gpu", "-P", "solo",
            "--without-gossip", "--without-mingle", "--without-heartbeat", "-l", "INFO", "-n", f"{name}@%h",
        ]  # fmt: skip
        with log.open("wb") as out:
            process = subprocess.Popen(command, cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT,
                                       start_new_session=True)  # fmt: skip
        worker = Worker(name=name, process=process, log=log, env=env)
        started.append(worker)
        deadline = time.monotonic() + timeout
        while " ready." not in worker.output():
            if process.poll() is not None or time.monotonic() > deadline:
                worker.kill()
                pytest.fail(f"celery worker {name} did not start:\n{worker.output()[-4000:]}")
            time.sleep(0.1)
        return worker

    yield start
    for worker in started:
        worker.stop()


def wait_for(predicate: Callable[[], object], *, timeout: float, interval: float = 0.1, what: str = "") -> object:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    pytest.fail(f"timed out after {timeout}s waiting for {what or predicate}")
