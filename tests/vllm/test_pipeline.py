"""The whole pipeline on the real vLLM server: an assignment with the `openai` backend, graded by a gpu-queue worker.

submission_create → Redis → `celery -A tutor worker -Q gpu` (a subprocess consuming only the gpu
queue) → the openai backend → the tiny model on vLLM → verdicts, a VerificationRun with tokens, a final state.
"""

from __future__ import annotations

import os
import subprocess
import time

import pytest

from grading import services
from grading.models import Submission, VerificationRun
from tests.factories import EnrollmentFactory, ProblemFactory, UserFactory
from tests.integration.harness import CELERY, REPO, WORKER_ENV, redis_broker, wait_for, worker_database_url  # noqa: F401
from tutor.classroom.models import Enrollment

pytestmark = pytest.mark.integration


@pytest.fixture
def gpu_worker(vllm_server, redis_broker, transactional_db, tmp_path):  # noqa: F811
    env = {
        **os.environ,
        **WORKER_ENV,
        "GRADING_SOFT_TIME_LIMIT": "60",
        "CELERY_VISIBILITY_TIMEOUT": "300",
        "REDIS_URL": redis_broker,
        "DATABASE_URL": worker_database_url(),
        "VERIFIER_BASE_URL": vllm_server.url,
        "VERIFIER_MODEL": vllm_server.model,
        "VERIFIER_TOKENIZER_PATH": str(vllm_server.model_dir),
        "VERIFIER_FORMAT": "thinkprm",
        "VERIFIER_STRUCTURED_OUTPUTS": "true",
        "VERIFIER_MAX_TOKENS": "400",
        "VERIFIER_TIMEOUT": "60",
    }
    log = tmp_path / "gpu-worker.log"
    command = [
        str(CELERY),
        "-A",
        "tutor",
        "worker",
        "-Q",
        "gpu",
        "-P",
        "solo",
        "--without-gossip",
        "--without-mingle",
        "--without-heartbeat",
        "-l",
        "INFO",
        "-n",
        "gpu@%h",
    ]
    with log.open("wb") as out:
        process = subprocess.Popen(
            command, cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    deadline = time.monotonic() + 60
    while " ready." not in log.read_text(errors="replace"):
        if process.poll() is not None or time.monotonic() > deadline:
            pytest.fail(f"gpu worker did not start:\n{log.read_text(errors='replace')[-3000:]}")
        time.sleep(0.2)
    yield log
    os.killpg(process.pid, 15)
    process.wait(timeout=20)


def test_openai_assignment_is_graded_end_to_end_by_the_gpu_worker(gpu_worker):
    # given an assignment whose verifier is the openai backend, pointed at the test vLLM server
    problem = ProblemFactory(
        assignment__verifier_backend="openai", statement="Solve $3x + 5 = 20$.", reference_answer="5"
    )
    student = UserFactory(username="grace")
    EnrollmentFactory(course=problem.assignment.course, user=student, role=Enrollment.Role.STUDENT)
    # when the student submits
    submission = services.submission_create(student=student, problem=problem, text="3x + 5 = 20\n3x = 15\nx = 5")
    # then the gpu worker grades it through the model
    final = {"graded", "needs_review", "failed"}
    wait_for(
        lambda: Submission.objects.get(pk=submission.pk).status in final,
        timeout=120,
        what=f"the gpu worker to grade it; worker log:\n{gpu_worker.read_text(errors='replace')[-3000:]}",
    )
    submission.refresh_from_db()
    assert submission.status in {"graded", "needs_review"}, gpu_worker.read_text(errors="replace")[-3000:]
    run = VerificationRun.objects.filter(submission=submission).exclude(backend="").latest("started_at")
    assert run.backend == "openai"
    assert run.model_id == "tiny-thinkprm"
    assert run.prompt_version == "thinkprm-v1"
    assert run.prompt.endswith("Let's verify step by step:")
    assert "Step 3: x = 5" in run.prompt
    assert run.completion_tokens > 0
    assert run.prompt_tokens > 0
    assert run.chains
    assert not run.error
    assert "\\boxed{" in run.raw_output
    steps = list(submission.steps.order_by("index"))
    assert len(steps) == 3
    assert all(step.verdict in {"correct", "incorrect", "unverified"} for step in steps)
    assert any(step.verdict != "unverified" for step in steps)
