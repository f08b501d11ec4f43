"""One layer owns retries: a verifier server that keeps failing sees at most MAX_GRADING_ATTEMPTS requests for one
submission's whole grading (the task retries; the HTTP client makes one attempt per request inside a task)."""

from __future__ import annotations

import pytest

from grading import services
from grading.models import Submission, VerificationRun
from grading.retry_policy import MAX_GRADING_ATTEMPTS
from grading.tasks import grade_submission_task
from tests.verifier.openai_server import LoopbackServer
from verifier_worker import registry


@pytest.fixture
def failing_server():
    server = LoopbackServer(lambda path, body: (503, {"error": {"message": "the engine is overloaded"}}))
    yield server
    server.close()


def test_a_failing_server_sees_one_request_per_task_attempt_for_a_whole_grading(
    classroom, settings, failing_server, django_capture_on_commit_callbacks
):
    # Given an assignment graded by the openai backend, on a server that answers 503 to everything, with the
    # deployment's own grading options (the critic format needs no chat template)
    settings.VERIFIER_OPTIONS = {
        **settings.VERIFIER_OPTIONS,
        "base_url": failing_server.url,
        "model": "verifier",
        "format": "critic",
    }
    registry.clear_cache()
    classroom.problem.assignment.verifier_backend = "openai"
    classroom.problem.assignment.save()
    # When a student submits and the task runs with all its retries (eagerly, backoff skipped)
    with django_capture_on_commit_callbacks(execute=True):
        submission = services.submission_create(
            student=classroom.student, problem=classroom.problem, text="First we think.\nThen we are done."
        )
    # Then the server saw exactly one request per task attempt, and a teacher sees why it needs review
    assert len(failing_server.requests) == MAX_GRADING_ATTEMPTS == grade_submission_task.max_retries + 1
    submission.refresh_from_db()
    assert submission.status == Submission.Status.NEEDS_REVIEW
    assert f"unavailable after {MAX_GRADING_ATTEMPTS} attempts" in submission.status_reason
    assert VerificationRun.objects.filter(submission=submission).count() == MAX_GRADING_ATTEMPTS
