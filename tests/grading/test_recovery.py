"""Recovery in seconds: a claimed submission is leased to its task and the worker renews the lease while it
grades; the sweep re-sends what was never handed to the broker, what a worker took and lost, and what a dead
worker held, each once per rule, and grading stays idempotent per grading version."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from grading import services
from grading.models import Submission
from grading.services import pipeline, sweep
from tests.factories import SubmissionFactory
from tutor.audit.models import AuditEvent

Status = Submission.Status


def fresh(classroom, text: str = "3x = 15\nx = 5", **fields) -> Submission:
    attempt = Submission.objects.filter(problem=classroom.problem).count() + 1
    submission = SubmissionFactory(
        problem=classroom.problem, student=classroom.student, backend="fake", text=text, attempt_number=attempt
    )
    if fields:
        Submission.objects.filter(pk=submission.pk).update(**fields)
        submission.refresh_from_db()
    return submission


def ago(seconds: float):
    return timezone.now() - timedelta(seconds=seconds)


@pytest.fixture
def sends(monkeypatch):
    """What the sweep hands to the broker, without running it."""
    sent: list[tuple[int, str | None]] = []

    def fake_enqueue(*, submission_id, grading_version, backend, task_id=None, note=True):
        sent.append((submission_id, task_id))
        return True

    monkeypatch.setattr(sweep, "grading_enqueue", fake_enqueue)
    return sent


# --- the lease ------------------------------------------------------------------------------------------------


def test_a_claim_leases_the_submission_to_its_task(classroom, settings):
    settings.GRADING_LEASE_SECONDS = 20
    submission = fresh(classroom)
    claim = services.submission_claim(submission.pk, 1, "task-a")
    submission.refresh_from_db()
    assert claim is not None
    assert claim.lease_owner == "task-a"
    assert submission.status == Status.VERIFYING
    assert submission.lease_owner == "task-a"
    assert timedelta(seconds=15) < submission.lease_expires_at - timezone.now() <= timedelta(seconds=20)


def test_a_duplicate_task_does_not_take_a_submission_another_task_holds(classroom):
    # Given a submission a worker is grading under a live lease
    submission = fresh(classroom)
    assert services.submission_claim(submission.pk, 1, "task-a") is not None
    events = AuditEvent.objects.count()
    # When a duplicate message (another task id) arrives / Then it does nothing at all
    assert services.submission_claim(submission.pk, 1, "task-b") is None
    submission.refresh_from_db()
    assert (submission.status, submission.lease_owner) == (Status.VERIFYING, "task-a")
    assert AuditEvent.objects.count() == events
    # But the same task redelivered (its worker's process died) restarts it, and so does anyone once it expired
    assert services.submission_claim(submission.pk, 1, "task-a") is not None
    Submission.objects.filter(pk=submission.pk).update(lease_expires_at=ago(1))
    assert services.submission_claim(submission.pk, 1, "task-b") is not None
    submission.refresh_from_db()
    assert submission.lease_owner == "task-b"


def test_the_lease_is_renewed_by_its_owner_only_and_released_when_graded(classroom):
    submission = fresh(classroom)
    services.submission_claim(submission.pk, 1, "task-a")
    Submission.objects.filter(pk=submission.pk).update(lease_expires_at=ago(-1))
    assert not pipeline.lease_renew(submission_id=submission.pk, grading_version=1, owner="task-b")
    assert pipeline.lease_renew(submission_id=submission.pk, grading_version=1, owner="task-a")
    submission.refresh_from_db()
    assert submission.lease_expires_at > timezone.now() + timedelta(seconds=5)
    # When it is graded, the lease is gone
    Submission.objects.filter(pk=submission.pk).update(status=Status.QUEUED)
    services.submission_grade(submission_id=submission.pk, grading_version=1, lease_owner="task-a")
    submission.refresh_from_db()
    assert submission.status == Status.GRADED
    assert (submission.lease_owner, submission.lease_expires_at) == ("", None)
    assert not pipeline.lease_renew(submission_id=submission.pk, grading_version=1, owner="task-a")


@pytest.mark.django_db(transaction=True)
def test_the_worker_renews_its_lease_while_a_slow_verification_runs(classroom, settings, monkeypatch):
    # Given a verification that takes longer than several heartbeats
    settings.GRADING_HEARTBEAT_SECONDS = 0.05
    settings.VERIFIER_OPTIONS = {**settings.VERIFIER_OPTIONS, "slow_seconds": 0.6}
    renewals: list[bool] = []
    real = pipeline.lease_renew
    monkeypatch.setattr(pipeline, "lease_renew", lambda **kw: renewals.append(real(**kw)) or renewals[-1])
    submission = fresh(classroom, text="3x = 15 SLOW\nx = 5")
    # When it is graded
    services.submission_grade(submission_id=submission.pk, grading_version=1, lease_owner="task-a")
    # Then the lease was renewed from the heartbeat thread while it ran, and the grade was stored once
    assert renewals.count(True) >= 3
    submission.refresh_from_db()
    assert submission.status == Status.GRADED
    assert AuditEvent.objects.filter(event_type="submission.graded", target_id=str(submission.pk)).count() == 1


def test_a_transient_error_keeps_the_lease_through_the_retry_backoff(classroom, settings):
    settings.GRADING_RETRY_LEASE_SECONDS = 150
    submission = fresh(classroom, text="x = 5 RAISE_UNAVAILABLE")
    from verifier_worker.types import VerifierUnavailable

    with pytest.raises(VerifierUnavailable):
        services.submission_grade(submission_id=submission.pk, grading_version=1, final_attempt=False, lease_owner="t")
    submission.refresh_from_db()
    assert submission.lease_owner == "t"
    assert submission.lease_expires_at > timezone.now() + timedelta(seconds=120)


# --- the sweep ------------------------------------------------------------------------------------------------


def test_the_sweep_resends_an_expired_lease_once_to_a_new_task(classroom, sends):
    # Given a submission whose worker died mid-grading (its lease expired a moment ago)
    submission = fresh(classroom)
    services.submission_claim(submission.pk, 1, "dead-task")
    Submission.objects.filter(pk=submission.pk).update(lease_expires_at=ago(1))
    # When the sweep runs twice in a row
    assert services.grading_sweep() == [submission.pk]
    assert services.grading_sweep() == []
    # Then one new task was sent, and it owns the lease now (the dead task's redelivery would not take it)
    [(sent_id, task_id)] = sends
    submission.refresh_from_db()
    assert sent_id == submission.pk
    assert submission.lease_owner == task_id
    assert services.submission_claim(submission.pk, 1, "dead-task") is None
    assert services.submission_claim(submission.pk, 1, task_id) is not None
    swept = AuditEvent.objects.get(event_type="submission.swept", target_id=str(submission.pk))
    assert swept.details["rule"] == "lease_expired"


def test_the_sweep_leaves_a_live_lease_alone(classroom, sends):
    submission = fresh(classroom)
    services.submission_claim(submission.pk, 1, "busy-task")
    Submission.objects.filter(pk=submission.pk).update(status_changed_at=ago(3600))
    assert services.grading_sweep() == []
    assert sends == []


def test_a_submission_saved_while_the_broker_was_down_is_resent_within_seconds(classroom, settings, sends):
    settings.GRADING_ENQUEUE_GRACE_SECONDS = 5
    waiting = fresh(classroom, status_changed_at=ago(6))  # never handed to the broker
    just_saved = fresh(classroom, status_changed_at=ago(1))  # its on-commit send may still be under way
    handed_over = fresh(classroom, status_changed_at=ago(6), enqueued_at=ago(6), enqueue_count=1)
    assert services.grading_sweep() == [waiting.pk]
    assert [pk for pk, _ in sends] == [waiting.pk]
    waiting.refresh_from_db()
    assert waiting.enqueue_count == 1
    assert {just_saved.pk, handed_over.pk}.isdisjoint(pk for pk, _ in sends)


def test_a_submission_handed_over_but_never_picked_up_is_resent_once(classroom, settings, sends):
    # Given a queued submission whose message was lost with a killed worker's prefetch
    settings.GRADING_REQUEUE_AFTER_SECONDS = 45
    lost = fresh(classroom, status_changed_at=ago(50), enqueued_at=ago(50), enqueue_count=1)
    recent = fresh(classroom, status_changed_at=ago(10), enqueued_at=ago(10), enqueue_count=1)
    # When the sweep runs, and again long after
    assert services.grading_sweep() == [lost.pk]
    Submission.objects.filter(pk=lost.pk).update(enqueued_at=ago(100))
    assert services.grading_sweep() == []
    # Then it was re-sent exactly once (a long, healthy queue costs one duplicate, no more)
    assert [pk for pk, _ in sends] == [lost.pk]
    assert recent.pk not in [pk for pk, _ in sends]


def test_when_the_broker_is_still_down_the_next_sweep_tries_again(classroom, settings, monkeypatch):
    settings.GRADING_ENQUEUE_GRACE_SECONDS = 5
    monkeypatch.setattr(sweep, "grading_enqueue", lambda **kw: False)
    submission = fresh(classroom, status_changed_at=ago(6))
    assert services.grading_sweep() == []
    submission.refresh_from_db()
    assert (submission.enqueued_at, submission.enqueue_count) == (None, 0)


def test_submitting_records_the_hand_over_to_the_broker(classroom, monkeypatch, django_capture_on_commit_callbacks):
    from grading import tasks

    monkeypatch.setattr(tasks.grade_submission_task, "apply_async", lambda *a, **kw: None)
    with django_capture_on_commit_callbacks(execute=True):
        submission = services.submission_create(student=classroom.student, problem=classroom.problem, text="x = 5")
    submission.refresh_from_db()
    assert submission.status == Status.QUEUED
    assert submission.enqueue_count == 1
    assert submission.enqueued_at is not None


def test_a_regrade_starts_a_new_queued_period_with_nothing_handed_over(classroom, monkeypatch):
    from grading import tasks

    submission = fresh(classroom)
    services.submission_grade(submission_id=submission.pk, grading_version=1)
    monkeypatch.setattr(tasks.grade_submission_task, "apply_async", lambda *a, **kw: None)
    services.submission_regrade(submission=submission, actor=classroom.teacher, reason="check")
    submission.refresh_from_db()
    assert submission.status == Status.QUEUED
    assert (submission.enqueued_at, submission.enqueue_count, submission.lease_owner) == (None, 0, "")


def test_a_stored_solution_past_the_step_cap_is_graded_in_part_and_sent_to_review(classroom):
    # Given a row saved before the submit service refused solutions past the step cap
    submission = fresh(classroom, text="\n".join(f"{i} + 1 = {i + 1}" for i in range(70)))
    # When it is graded (a regrade, say) / Then a teacher reviews it, told why
    services.submission_grade(submission_id=submission.pk, grading_version=1)
    submission.refresh_from_db()
    assert submission.status == Status.NEEDS_REVIEW
    assert "only the first 60 were checked" in submission.status_reason
