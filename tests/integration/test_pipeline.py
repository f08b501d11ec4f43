"""The grading pipeline end to end: HTTP submit → Redis → a real `celery worker` process → the feedback page."""

from __future__ import annotations

import re

import httpx
import pytest

from grading import services
from grading.models import Step, Submission, VerificationRun
from tests.factories import EnrollmentFactory, ProblemFactory, UserFactory
from tests.integration.harness import TEST_REDIS_URL, closed_port, point_app_at, wait_for
from tutor.audit.models import AuditEvent
from tutor.classroom.models import Enrollment

pytestmark = pytest.mark.integration

WRONG_SOLUTION = "3x + 5 = 20\n3x = 25 WRONG\nx = 25/3"


@pytest.fixture
def problem(transactional_db):
    problem = ProblemFactory(points=3, assignment__verifier_backend="fake")
    student = UserFactory(username="ada")
    EnrollmentFactory(course=problem.assignment.course, user=student, role=Enrollment.Role.STUDENT)
    return problem


def logged_in(base_url: str, username: str) -> httpx.Client:
    client = httpx.Client(base_url=base_url, follow_redirects=True, timeout=10)
    client.get("/login/")
    response = client.post(
        "/login/",
        data={"username": username, "password": "pass12345", "csrfmiddlewaretoken": client.cookies["csrftoken"]},
    )
    assert response.url.path != "/login/", "login failed"
    return client


def submit(client: httpx.Client, problem, text: str) -> int:
    response = client.post(
        f"/problems/{problem.pk}/submit/", data={"text": text, "csrfmiddlewaretoken": client.cookies["csrftoken"]}
    )
    match = re.fullmatch(r"/submissions/(\d+)/", response.url.path)
    assert match, f"submit did not land on the feedback page: {response.url} {response.status_code}"
    return int(match.group(1))


def status_of(submission_id: int) -> str:
    return Submission.objects.get(pk=submission_id).status


def test_submit_over_http_is_graded_by_a_real_worker(live_server, problem, celery_workers):
    # Given a running worker on the real Redis
    celery_workers("w1", slow_seconds=0)
    client = logged_in(live_server.url, "ada")
    # When the student submits a solution whose second step is wrong
    submission_id = submit(client, problem, WRONG_SOLUTION)
    # Then the worker grades it, and the feedback page shows the first error
    wait_for(lambda: status_of(submission_id) == "graded", timeout=30, what="the worker to grade it")
    html = client.get(f"/submissions/{submission_id}/").text
    assert 'data-status="graded"' in html
    first = re.search(r"<li[^>]*data-first-error[^>]*>", html)
    assert first
    assert 'data-step-index="1"' in first.group(0)
    assert "First error" in html
    # and the polled fragment says "stop polling"
    assert client.get(f"/submissions/{submission_id}/", headers={"HX-Request": "true"}).status_code == 286


def test_worker_killed_mid_task_is_redelivered_and_graded_exactly_once(live_server, problem, celery_workers):
    # Given a worker busy on a slow verification
    first = celery_workers("w1", slow_seconds=30)
    client = logged_in(live_server.url, "ada")
    submission_id = submit(client, problem, "3x + 5 = 20 SLOW\n3x = 25 WRONG\nx = 25/3")
    wait_for(lambda: status_of(submission_id) == "verifying", timeout=30, what="the worker to start verifying")
    # When the worker is SIGKILLed mid-task and a new one starts
    first.kill()
    assert status_of(submission_id) == "verifying"
    second = celery_workers("w2", slow_seconds=0.2)
    # Then the unacked task is redelivered, and the submission is graded exactly once
    wait_for(
        lambda: status_of(submission_id) == "graded",
        timeout=60,
        what=f"the redelivered task to finish; worker log:\n{second.log}",
    )
    target = {"target_type": "grading.submission", "target_id": str(submission_id)}
    assert Step.objects.filter(submission_id=submission_id).count() == 3
    assert AuditEvent.objects.filter(event_type="submission.graded", **target).count() == 1
    assert VerificationRun.objects.filter(submission_id=submission_id).count() == 1
    restarted = AuditEvent.objects.filter(event_type="submission.segmenting", **target).count()
    assert restarted == 2  # once on the first delivery, once when the redelivered task restarted it
    assert Submission.objects.get(pk=submission_id).first_error_index == 1


def test_broker_down_at_submit_then_the_sweep_gets_it_graded(problem, celery_workers):
    # Given the broker is unreachable when the student submits
    point_app_at(f"redis://127.0.0.1:{closed_port()}/0")
    student = problem.assignment.course.enrollments.get(role="student").user
    submission = services.submission_create(student=student, problem=problem, text=WRONG_SOLUTION)
    assert status_of(submission.pk) == "queued"
    # When Redis is back and the sweep runs, with a worker up
    point_app_at(TEST_REDIS_URL)
    celery_workers("w1", slow_seconds=0)
    assert services.grading_sweep(older_than_seconds=0) == [submission.pk]
    # Then the submission is graded
    wait_for(lambda: status_of(submission.pk) == "graded", timeout=30, what="the swept submission to be graded")
