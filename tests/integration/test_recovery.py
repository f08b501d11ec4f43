"""A worker SIGKILLed mid-grading, with Redis's redelivery far away (visibility timeout one hour): the lease the
worker stopped renewing expires and the sweep re-sends the work within a minute, graded exactly once."""

from __future__ import annotations

import time

import pytest

from grading import services
from grading.models import Submission, VerificationRun
from tests.factories import EnrollmentFactory, ProblemFactory, UserFactory
from tests.integration.harness import wait_for
from tutor.audit.models import AuditEvent
from tutor.classroom.models import Enrollment

pytestmark = pytest.mark.integration

# Redis would hand the unacked task back only after an hour: whatever recovers it here is the lease and the sweep.
NO_REDELIVERY = {"CELERY_VISIBILITY_TIMEOUT": "3600", "GRADING_LEASE_SECONDS": "20"}


def test_a_killed_worker_is_recovered_within_a_minute_by_its_lease_and_the_sweep(transactional_db, celery_workers):
    # Given a worker grading a slow solution, renewing its lease
    problem = ProblemFactory(assignment__verifier_backend="fake")
    student = UserFactory(username="lin")
    EnrollmentFactory(course=problem.assignment.course, user=student, role=Enrollment.Role.STUDENT)
    first = celery_workers("w1", slow_seconds=60, env={**NO_REDELIVERY, "GRADING_HEARTBEAT_SECONDS": "1"})
    submission = services.submission_create(student=student, problem=problem, text="3x = 15 SLOW\nx = 5")
    wait_for(lambda: Submission.objects.get(pk=submission.pk).status == "verifying", timeout=30, what="verification")
    leased_until = Submission.objects.get(pk=submission.pk).lease_expires_at
    wait_for(
        lambda: Submission.objects.get(pk=submission.pk).lease_expires_at > leased_until,
        timeout=15,
        what="the worker's heartbeat to renew the lease",
    )
    # When it is SIGKILLed and another worker is up, with the sweep running every second
    first.kill()
    killed_at = time.monotonic()
    celery_workers("w2", slow_seconds=0.1, env=NO_REDELIVERY)

    def graded() -> bool:
        services.grading_sweep()
        return Submission.objects.get(pk=submission.pk).status == "graded"

    wait_for(graded, timeout=60, interval=1, what="the sweep to recover the killed worker's submission")
    recovered_in = time.monotonic() - killed_at
    # Then it was graded within a minute of the kill, exactly once, after one re-send for the expired lease
    assert recovered_in < 60
    target = {"target_type": "grading.submission", "target_id": str(submission.pk)}
    assert AuditEvent.objects.filter(event_type="submission.graded", **target).count() == 1
    assert VerificationRun.objects.filter(submission_id=submission.pk).count() == 1
    swept = AuditEvent.objects.filter(event_type="submission.swept", **target)
    assert [event.details["rule"] for event in swept] == ["lease_expired"]
    print(f"recovered {recovered_in:.1f}s after the kill")
