"""Pipeline overhead: submit → graded through Redis and a real Celery worker, with the fake backend.

Figures:
- latency_p50_ms / latency_p95_ms: 200 submissions one after another, each from `submission_create` (saved,
  committed, enqueued) to the `graded` transition, both timestamps taken by the database rows;
- throughput_per_min: a burst of 200 submissions, from the first submit to the last `graded`.

The measurement runs in a child process with its own settings (a fresh `tutor_bench` PostgreSQL database when
PostgreSQL answers, else a SQLite file), so it never touches the development database.
Environment: BENCH_REDIS_URL (default redis://127.0.0.1:6379/14), BENCH_SUBMISSIONS (200), BENCH_WORKER_CONCURRENCY (4: tasks mostly wait on the database).
"""

from __future__ import annotations

import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/14")
N = int(os.environ.get("BENCH_SUBMISSIONS", 200))
CONCURRENCY = int(os.environ.get("BENCH_WORKER_CONCURRENCY", 4))
PG = {"host": "127.0.0.1", "port": 5432, "user": "postgres", "dbname": "tutor_bench"}


def _port_open(host: str, port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(1)
        return sock.connect_ex((host, port)) == 0


def _database_url(workdir: Path) -> tuple[str, str]:
    if _port_open(PG["host"], int(PG["port"])):
        import psycopg

        with psycopg.connect(host=PG["host"], port=PG["port"], user=PG["user"], dbname="postgres",
                             autocommit=True) as conn:  # fmt: skip
            conn.execute(f'DROP DATABASE IF EXISTS "{PG["dbname"]}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{PG["dbname"]}"')
        return f"postgres://{PG['user']}@{PG['host']}:{PG['port']}/{PG['dbname']}", "postgresql"
    return f"sqlite:///{workdir / 'bench.sqlite3'}", "sqlite"


def run() -> dict[str, object]:
    import redis

    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    except redis.exceptions.ConnectionError as exc:
        return {"skipped": f"Redis at {REDIS_URL} does not answer ({exc}); start Redis or set BENCH_REDIS_URL"}
    with tempfile.TemporaryDirectory(prefix="bench-pipeline-") as tmp:
        workdir = Path(tmp)
        database_url, vendor = _database_url(workdir)
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "tutor.settings.base",
            "DATABASE_URL": database_url,
            "REDIS_URL": REDIS_URL,
            "CELERY_TASK_ALWAYS_EAGER": "false",
            "VERIFIER_DEFAULT_BACKEND": "fake",
            "LOG_LEVEL": "WARNING",
            "DEBUG": "false",  # as deployed: DEBUG=True records every query and slows the worker down
            # Workers keep their database connection between tasks, as a deployment would.
            "DB_CONN_MAX_AGE": os.environ.get("DB_CONN_MAX_AGE", "60"),
            "TUTOR_VAR_DIR": str(workdir),
            "PYTHONUNBUFFERED": "1",
            # Its own Redis keys: a bench never takes (or leaves) tasks of another run on the same Redis.
            "CELERY_REDIS_KEY_PREFIX": f"bench-{os.getpid()}-",
        }
        child = subprocess.run(
            [sys.executable, "-m", "bench.pipeline", "--child"],
            cwd=REPO, env=env, capture_output=True, text=True, timeout=900,
        )  # fmt: skip
        if child.returncode != 0:
            raise RuntimeError(f"pipeline bench child failed:\n{child.stdout[-3000:]}\n{child.stderr[-3000:]}")
        figures: dict[str, object] = json.loads(child.stdout.strip().splitlines()[-1])
        figures["database"] = vendor
        return figures


# --- the child process: Django configured for the bench database ------------------------------------------------


def _start_worker(workdir: Path) -> subprocess.Popen[bytes]:
    log = (workdir / "worker.log").open("wb")
    command = [
        str(Path(sys.executable).with_name("celery")), "-A", "tutor", "worker", "-Q", "cpu,gpu",
        "-c", str(CONCURRENCY), "--without-gossip", "--without-mingle", "--without-heartbeat", "-l", "WARNING",
        "-n", "bench@%h",
    ]  # fmt: skip
    process = subprocess.Popen(command, cwd=REPO, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    # No readiness probe: the warm-up submissions wait until the worker has graded them.
    return process


def _wait_graded(ids: list[int], timeout: float) -> None:
    from grading.models import Submission

    deadline = time.monotonic() + timeout
    pending = set(ids)
    while pending:
        done = set(
            Submission.objects.filter(pk__in=pending, status__in=list(Submission.FINAL_STATUSES)).values_list(
                "pk", flat=True
            )
        )
        pending -= done
        if pending and time.monotonic() > deadline:
            raise RuntimeError(f"{len(pending)} submissions not graded after {timeout}s")
        if pending:
            time.sleep(0.005)


def _latencies_ms(ids: list[int]) -> list[float]:
    from grading.models import Submission
    from tutor.audit.models import AuditEvent

    submitted = dict(Submission.objects.filter(pk__in=ids).values_list("pk", "submitted_at"))
    graded = {
        int(e.target_id): e.created_at
        for e in AuditEvent.objects.filter(
            event_type="submission.graded", target_type="grading.submission", target_id__in=[str(i) for i in ids]
        )
    }
    if len(graded) != len(ids):
        raise RuntimeError(f"only {len(graded)} of {len(ids)} submissions reached `graded`")
    return [(graded[pk] - submitted[pk]).total_seconds() * 1000 for pk in ids]


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


def child_main() -> int:
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)

    from django.contrib.auth import get_user_model

    from grading.services import submission_create
    from tutor.classroom.models import Assignment, Course, Enrollment, Problem

    teacher = get_user_model().objects.create_user("bench-teacher")
    student = get_user_model().objects.create_user("bench-student")
    course = Course.objects.create(name="Bench", created_by=teacher)
    Enrollment.objects.create(course=course, user=student, role=Enrollment.Role.STUDENT)
    assignment = Assignment.objects.create(
        course=course, title="Bench", verifier_backend="fake", max_attempts=min(30_000, 3 * N + 10)
    )
    problem = Problem.objects.create(
        assignment=assignment, position=1, statement="Solve $3x + 5 = 20$.", reference_answer="5", points=3
    )
    text = "3x + 5 = 20\n3x = 15\nx = 5 WRONG\nx = 5"

    workdir = Path(os.environ["TUTOR_VAR_DIR"])
    worker = _start_worker(workdir)
    try:
        # Warm-up: the first task imports the backend and opens connections.
        warm = [submission_create(student=student, problem=problem, text=text).pk for _ in range(5)]
        _wait_graded(warm, timeout=120)

        sequential: list[int] = []
        for _ in range(N):
            pk = submission_create(student=student, problem=problem, text=text).pk
            _wait_graded([pk], timeout=60)
            sequential.append(pk)
        latencies = _latencies_ms(sequential)

        started = time.perf_counter()
        burst = [submission_create(student=student, problem=problem, text=text).pk for _ in range(N)]
        submit_seconds = time.perf_counter() - started
        _wait_graded(burst, timeout=300)
        from grading.models import Submission
        from tutor.audit.models import AuditEvent

        first = Submission.objects.filter(pk__in=burst).order_by("submitted_at").first()
        last = (
            AuditEvent.objects.filter(event_type="submission.graded", target_id__in=[str(i) for i in burst])
            .order_by("-created_at")
            .first()
        )
        assert first is not None
        assert last is not None
        burst_seconds = (last.created_at - first.submitted_at).total_seconds()
        burst_latencies = _latencies_ms(burst)
    finally:
        os.killpg(worker.pid, 15)
        worker.wait(timeout=30)
        import redis

        client = redis.Redis.from_url(os.environ["REDIS_URL"])
        leftovers = list(client.scan_iter(f"{os.environ['CELERY_REDIS_KEY_PREFIX']}*"))
        if leftovers:
            client.delete(*leftovers)
    figures: dict[str, Any] = {
        "submissions": N,
        "worker_concurrency": CONCURRENCY,
        "latency_p50_ms": statistics.median(latencies),
        "latency_p95_ms": _percentile(latencies, 0.95),
        "latency_max_ms": max(latencies),
        "throughput_per_min": N / burst_seconds * 60,
        "burst_seconds": burst_seconds,
        "burst_submit_seconds": submit_seconds,
        "burst_latency_p95_ms": _percentile(burst_latencies, 0.95),
    }
    print(json.dumps(figures))
    return 0


if __name__ == "__main__":
    if "--child" in sys.argv:
        sys.exit(child_main())
    print(json.dumps(run(), indent=2))
