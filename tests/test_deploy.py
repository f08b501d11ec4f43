"""docker-compose.yml is parsed (there is no Docker engine here) and production settings are exercised for real."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
SERVICES = COMPOSE["services"]


def _env(service: dict) -> dict:
    return service.get("environment") or {}


def test_compose_has_the_expected_services_and_gpu_profile():
    # Given the compose file / Then the base stack and the gpu profile are present
    assert {"postgres", "redis", "web", "worker", "vllm", "worker-gpu"} <= set(SERVICES)
    assert SERVICES["vllm"]["profiles"] == ["gpu"]
    assert SERVICES["worker-gpu"]["profiles"] == ["gpu"]
    assert "profiles" not in SERVICES["web"]
    assert "profiles" not in SERVICES["worker"]


def test_every_dependency_and_host_reference_points_at_a_defined_service():
    for name, service in SERVICES.items():
        for dependency in service.get("depends_on", {}):
            assert dependency in SERVICES, f"{name} depends on undefined service {dependency}"
            # a service outside the gpu profile must not wait on one inside it
            if "gpu" in SERVICES[dependency].get("profiles", []):
                assert "gpu" in service.get("profiles", []), f"{name} waits on gpu-only {dependency}"
        for value in _env(service).values():
            for host in re.findall(r"://(?:[^@/]*@)?([a-z][a-z0-9-]*):\d+", str(value)):
                assert host in SERVICES, f"{name} points at host {host!r}, which is not a service"


def test_workers_consume_the_right_queues():
    assert "-Q cpu" in SERVICES["worker"]["command"]
    assert "-Q gpu" in SERVICES["worker-gpu"]["command"]
    assert str(_env(SERVICES["worker-gpu"])["CELERY_WORKER_PREFETCH_MULTIPLIER"]) == "1"


def test_vllm_serves_thinkprm_by_default_on_an_nvidia_gpu_with_a_model_cache():
    vllm = SERVICES["vllm"]
    assert "vllm serve ${VERIFIER_MODEL:-launch/ThinkPRM-1.5B}" in vllm["command"]
    devices = vllm["deploy"]["resources"]["reservations"]["devices"]
    assert devices[0]["driver"] == "nvidia"
    assert "gpu" in devices[0]["capabilities"]
    assert any(v.startswith("models:") for v in vllm["volumes"])
    assert "models" in COMPOSE["volumes"]
    # the gpu worker reaches the vllm service by its compose name
    assert "vllm:8000" in _env(SERVICES["worker-gpu"])["VERIFIER_BASE_URL"]


def _manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    # (the browser tests set DJANGO_ALLOW_ASYNC_UNSAFE in this process; a deployment never has it)
    unset = {"SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    clean = {k: v for k, v in os.environ.items() if k not in unset}
    clean.update(env, DJANGO_SETTINGS_MODULE="tutor.settings.production")
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=clean, capture_output=True, text=True, timeout=120
    )


def test_production_refuses_to_start_without_a_secret_key():
    result = _manage("check", env={"ALLOWED_HOSTS": "tutor.example.org"})
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_production_refuses_to_start_without_allowed_hosts():
    result = _manage("check", env={"SECRET_KEY": "x" * 20 + "-a-long-random-production-secret-value-0123456789"})
    assert result.returncode != 0
    assert "ALLOWED_HOSTS must list" in result.stderr


def test_production_check_deploy_is_clean():
    result = _manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        env={
            "SECRET_KEY": "k3v9-zq!7w2m#p8x@r4t6y1u5i0o3a9s8d7f6g5h4j3k2l1zxcvbnm",
            "ALLOWED_HOSTS": "tutor.example.org",
        },
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout
