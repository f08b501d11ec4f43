"""`make run` (scripts/run.sh) with DATABASE_URL set serves with gunicorn, not Django's development server."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from pathlib import Path

import httpx
import pytest
from django.db import connection

from tests.integration.harness import worker_database_url

ROOT = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.integration


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_make_run_with_a_database_url_serves_with_gunicorn(transactional_db, tmp_path):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (DATABASE_URL)")
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k not in {"REDIS_URL", "DJANGO_ALLOW_ASYNC_UNSAFE"}}
    env.update(DATABASE_URL=worker_database_url(), PORT=str(port), TUTOR_VAR_DIR=str(tmp_path), WEB_WORKERS="1",
               DJANGO_SETTINGS_MODULE="tutor.settings.base")  # fmt: skip
    log = (tmp_path / "run.log").open("wb")
    process = subprocess.Popen(["bash", "scripts/run.sh"], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
                               start_new_session=True)  # fmt: skip
    try:
        deadline = time.monotonic() + 120
        response = None
        while time.monotonic() < deadline and process.poll() is None:
            try:
                response = httpx.get(f"http://127.0.0.1:{port}/login/", timeout=2)
                break
            except httpx.TransportError:
                time.sleep(0.5)
        output = (tmp_path / "run.log").read_text(errors="replace")
        assert response is not None, output[-3000:]
        assert response.status_code == 200
        assert "Serving with gunicorn" in output
        assert "Booting worker" in output  # gunicorn's own line
        assert "Starting development server" not in output
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
