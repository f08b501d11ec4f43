"""`evaluate_verifier` reads the deployment's VERIFIER_* settings, against a real OpenAI-compatible server on loopback.

Each command runs in a fresh process whose environment holds only PATH and VERIFIER_* variables, the way an
operator runs `make evaluate BACKEND=openai` next to a deployment.
"""

from __future__ import annotations

import io
import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from .openai_server import LoopbackServer, vllm_like, write_tokenizer

REPO = Path(__file__).resolve().parents[2]
# The verifier flags step 2 with P(yes) = 0.1, so a confident first error at index 1.
ERROR_AT_2 = (
    "\nStep 1: We read the problem. The step is \\boxed{correct}\n"
    "Step 2: This does not follow. The step is \\boxed{incorrect}\n"
)
# Prose the symbolic checker cannot judge: only an LLM stage can locate the error.
RECORDS = [
    {"id": "prose-1", "problem": "Why is the sky blue?", "steps": ["We read the problem.", "It is green."], "label": 1},
    {"id": "prose-2", "problem": "Why is grass green?", "steps": ["We read the problem.", "It is red."], "label": 1},
]
MANAGE = (sys.executable, "manage.py", "evaluate_verifier")
PLAIN = (sys.executable, "-m", "verifier_worker.evaluation")


@pytest.fixture
def server() -> Iterator[LoopbackServer]:
    running = LoopbackServer(vllm_like([ERROR_AT_2], p_yes=0.1, model="verifier"))
    yield running
    running.close()


@pytest.fixture
def dataset(tmp_path: Path) -> Path:
    path = tmp_path / "tiny.json"
    path.write_text(json.dumps(RECORDS))
    return path


def deployment_env(server: LoopbackServer, tmp_path: Path, **more: str) -> dict[str, str]:
    return {
        "PATH": "/usr/bin:/bin",
        "VERIFIER_BASE_URL": server.url,
        "VERIFIER_MODEL": "verifier",
        "VERIFIER_TOKENIZER_PATH": str(write_tokenizer(tmp_path)),
        **more,
    }


def run(command: tuple[str, ...], dataset: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*command, "--dataset", str(dataset), "--json", *args],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )


def report_of(done: subprocess.CompletedProcess[str]) -> dict[str, Any]:
    assert done.returncode == 0, done.stderr[-3000:]
    report: dict[str, Any] = json.loads(done.stdout)
    return report


@pytest.mark.parametrize("command", [MANAGE, PLAIN], ids=["manage.py", "python -m"])
def test_openai_is_evaluated_with_only_the_verifier_environment_variables(command, server, dataset, tmp_path):
    # Given a deployment configured only through VERIFIER_* variables
    env = deployment_env(server, tmp_path)
    # When the openai backend is evaluated without any --backend-options, in a worker process
    report = report_of(run(command, dataset, env, "--backend", "openai", "--workers", "1"))
    # Then the served model judged every record, with the settings' model and server
    assert report["errors"] == 0
    assert report["records"] == 2
    assert report["acc_erroneous"] == 100.0
    assert report["confident_flags"] == 2
    assert report["options"]["base_url"] == server.url
    assert report["options"]["model"] == "verifier"
    assert "api_key" not in report["options"]
    generations = [body for path, body in server.requests if body["max_tokens"] != 1]
    assert len(generations) == 2
    assert all(path == "/v1/completions" for path, _ in server.requests)
    assert all(body["model"] == "verifier" for body in generations)


def test_cascade_uses_the_llm_stage_named_in_the_settings(server, dataset, tmp_path):
    env = deployment_env(server, tmp_path, VERIFIER_CASCADE_LLM="openai")
    report = report_of(run(MANAGE, dataset, env, "--backend", "cascade", "--workers", "0"))
    # the LLM stage located the errors the symbolic checker cannot see in prose
    assert report["acc_erroneous"] == 100.0
    assert report["options"]["llm_backend"] == "openai"
    assert server.requests


def test_cascade_without_an_llm_stage_is_refused_instead_of_measuring_the_symbolic_checker(server, dataset, tmp_path):
    done = run(PLAIN, dataset, deployment_env(server, tmp_path), "--backend", "cascade", "--workers", "0")
    assert done.returncode == 2
    assert done.stdout == ""
    assert "VERIFIER_CASCADE_LLM" in done.stderr
    assert "symbolic checker alone" in done.stderr
    assert not server.requests


def test_backend_options_override_the_settings_key_by_key(server, dataset, tmp_path):
    env = deployment_env(server, tmp_path, VERIFIER_MODEL="not-served")
    overrides = json.dumps({"model": "verifier"})
    report = report_of(
        run(PLAIN, dataset, env, "--backend", "openai", "--workers", "0", "--backend-options", overrides)
    )
    assert report["errors"] == 0
    assert report["options"]["model"] == "verifier"
    assert report["options"]["base_url"] == server.url  # still from the environment


def test_openai_without_a_server_is_refused_with_the_variable_to_set(dataset):
    done = run(PLAIN, dataset, {"PATH": "/usr/bin:/bin"}, "--backend", "openai", "--workers", "0")
    assert done.returncode == 2
    assert "VERIFIER_BASE_URL" in done.stderr


def test_the_evaluation_keeps_client_retries_where_grading_does_not(settings, dataset):
    # Given a server that always answers 503, and the client retry setting of the deployment
    failing = LoopbackServer(lambda path, body: (503, {"error": "overloaded"}))
    try:
        settings.VERIFIER_EVALUATION_OPTIONS = {
            **settings.VERIFIER_EVALUATION_OPTIONS,
            "base_url": failing.url,
            "model": "verifier",
            "format": "critic",
            "max_retries": 1,
        }
        out = io.StringIO()
        # When one record is evaluated in this process
        call_command(
            "evaluate_verifier", dataset=str(dataset), backend="openai", json=True, workers=0, limit=1, stdout=out
        )
    finally:
        failing.close()
    # Then the client tried twice (one retry) and the record counts as an error
    report = json.loads(out.getvalue())
    assert report["errors"] == 1
    assert len(failing.requests) == 2
    assert settings.VERIFIER_OPTIONS["max_retries"] == 0  # what the grading worker uses


def test_a_records_file_gets_one_row_per_record(settings, dataset, tmp_path):
    path = tmp_path / "rows.jsonl"
    out = io.StringIO()
    call_command("evaluate_verifier", dataset=str(dataset), backend="fake", workers=0, records=str(path), stdout=out)
    rows = [json.loads(line) for line in path.read_text().splitlines()]
    assert [row["id"] for row in rows] == ["prose-1", "prose-2"]
    assert rows[0].keys() >= {"id", "label", "prediction", "confidence", "category", "status", "correct"}
    assert str(path) in out.getvalue()
    with pytest.raises(CommandError, match="does not exist"):
        call_command("evaluate_verifier", dataset=str(dataset), backend="fake", records=str(tmp_path / "no" / "x"))
