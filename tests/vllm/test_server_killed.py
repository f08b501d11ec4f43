"""The vLLM server killed in the middle of a verification: VerifierUnavailable after bounded retries, no grade,
and the same verification retried once the server is back gives a real result.

Runs last in scripts/test_vllm.sh: it kills the shared server and starts it again.
"""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import threading
import time
from pathlib import Path

import httpx
import pytest

from verifier_worker.backends.openai import OpenAIVerifier
from verifier_worker.types import Budget, Problem, StepInput, VerificationRequest, VerifierUnavailable

REQUEST = VerificationRequest(
    problem=Problem(statement="Compute 3 * (4 + 5)."),
    steps=(StepInput(0, "4 + 5 = 9"), StepInput(1, "3 * 9 = 27")),
    budget=Budget(parallel=8),
)


def restart(pid_file: Path) -> None:
    command = os.environ["VLLM_TEST_SERVER_CMD"]
    with open(os.environ["VLLM_TEST_LOG"], "ab") as log:
        process = subprocess.Popen(
            ["bash", "-c", f"exec {command}"], stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
    pid_file.write_text(str(process.pid))  # the script's cleanup stops whatever this file names


def wait_healthy(url: str, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    health = url.removesuffix("/v1") + "/health"
    while time.monotonic() < deadline:
        try:
            if httpx.get(health, timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(1)
    pytest.fail(f"the vLLM server did not come back within {timeout}s")


class Watched(OpenAIVerifier):
    """Says when the generation request (not a one-token score request) has gone to the server."""

    generating = threading.Event()

    def post(self, path, payload):  # type: ignore[no-untyped-def]
        if int(payload.get("max_tokens") or 0) > 1:
            self.generating.set()
        return super().post(path, payload)


@pytest.mark.timeout(900)
def test_server_killed_mid_run_raises_unavailable_and_a_retry_grades(vllm_server, caplog):
    pid_file = Path(os.environ["VLLM_TEST_PID_FILE"])
    # given a long verification in flight: 8 chains that must run to the token cap
    slow = Watched(
        base_url=vllm_server.url,
        model=vllm_server.model,
        tokenizer_path=str(vllm_server.model_dir),
        max_tokens=1400,  # with the ~550-token prompt and the score question, within the server's 2048
        timeout=30,
        max_retries=2,
        extra_body={"ignore_eos": True},
    )
    outcome: dict[str, object] = {}

    def run() -> None:
        try:
            outcome["result"] = slow.verify_batch([REQUEST])
        except Exception as exc:
            outcome["error"] = exc

    caplog.set_level(logging.WARNING, logger="verifier_worker.backends.openai")
    worker = threading.Thread(target=run)
    worker.start()
    # the kill lands while the 8 chains are being written, however fast this machine writes them
    assert Watched.generating.wait(timeout=60), "the generation request was never sent"
    assert worker.is_alive(), "the verification finished before the server could be killed"
    # when the server (API process and engine) is killed
    os.killpg(int(pid_file.read_text()), signal.SIGKILL)
    worker.join(timeout=60)
    # then the backend retried, gave up, and raised VerifierUnavailable: no result, so no wrong grade
    assert not worker.is_alive()
    assert "result" not in outcome
    assert isinstance(outcome.get("error"), VerifierUnavailable), outcome
    # (the one generation request, tried 3 times: max_retries=2)
    attempts = [r.getMessage() for r in caplog.records if "attempt" in r.getMessage()]
    assert len(attempts) == 3
    assert "attempt 3/3 failed" in attempts[-1]
    # and once the server is back, the same verification succeeds (what the Celery retry does)
    restart(pid_file)
    wait_healthy(vllm_server.url, timeout=600)  # 40-75 s on an idle machine
    quick = OpenAIVerifier(
        base_url=vllm_server.url,
        model=vllm_server.model,
        tokenizer_path=str(vllm_server.model_dir),
        structured_outputs=True,
        max_tokens=300,
    )
    result = quick.verify_batch([REQUEST])[0]
    assert not result.undecided_reason
    assert len(result.run.chains) == 8
