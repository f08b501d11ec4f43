"""Submitting, the state machine, grading idempotency, retries and the sweep, against the fake backend."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from grading import services
from grading.models import Step, Submission, VerificationRun
from grading.services import IllegalTransition, SubmissionError
from grading.tasks import grade_submission_task
from tests.factories import SubmissionFactory, UserFactory
from tutor.audit.models import AuditEvent

from .conftest import statuses

Status = Submission.Status


def submit(classroom, text="3x = 15\nx = 5", capture=None):
    return services.submission_create(student=classroom.student, problem=classroom.problem, text=text)


# --- submission_create ---------------------------------------------------------------------------------------


def test_submit_saves_queued_row_with_backend_and_audit_then_grades_after_commit(
    classroom, django_capture_on_commit_callbacks
):
    # Given an enrolled student and an open assignment graded by the fake backend
    # When the student submits (the on-commit enqueue is captured, not yet run)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        submission = submit(classroom)
    # Then the row is saved as queued, attempt 1, with the assignment's backend and an audit event
    submission.refresh_from_db()
    assert submission.status == Status.QUEUED
    assert submission.attempt_number == 1
    assert submission.backend == "fake"
    assert AuditEvent.objects.filter(event_type="submission.created", target_id=str(submission.pk)).exists()
    assert len(callbacks) == 1
    # When the transaction's callbacks run (tasks are eager in tests)
    callbacks[0]()
    # Then the submission is graded with full points
    submission.refresh_from_db()
    assert submission.status == Status.GRADED
    assert submission.score == Decimal("2.00")


def test_unenrolled_user_and_teacher_cannot_submit(classroom):
    with pytest.raises(SubmissionError, match="not enrolled"):
        services.submission_create(student=UserFactory(), problem=classroom.problem, text="x = 5")
    with pytest.raises(SubmissionError, match="not enrolled"):
        services.submission_create(student=classroom.teacher, problem=classroom.problem, text="x = 5")
    assert Submission.objects.count() == 0


def test_assignment_not_open_yet_is_refused(classroom):
    assignment = classroom.problem.assignment
    assignment.opens_at = timezone.now() + timedelta(days=1)
    assignment.save()
    with pytest.raises(SubmissionError, match="opens on"):
        submit(classroom)


def test_late_work_is_refused_when_the_policy_says_so(classroom):
    assignment = classroom.problem.assignment
    assignment.due_at = timezone.now() - timedelta(hours=1)
    assignment.late_policy = "refuse"
    assignment.save()
    with pytest.raises(SubmissionError, match="due date has passed"):
        submit(classroom)


def test_late_work_with_penalty_is_flagged_and_the_score_reduced(classroom, django_capture_on_commit_callbacks):
    # Given a past due date with a 25% penalty
    assignment = classroom.problem.assignment
    assignment.due_at = timezone.now() - timedelta(hours=1)
    assignment.late_policy = "penalty"
    assignment.late_penalty_percent = 25
    assignment.save()
    # When a fully correct solution is submitted and graded
    with django_capture_on_commit_callbacks(execute=True):
        submission = submit(classroom)
    submission.refresh_from_db()
    # Then it is late and gets 75% of the 2 points
    assert submission.is_late
    assert submission.score == Decimal("1.50")


def test_attempts_are_numbered_and_capped(classroom):
    assignment = classroom.problem.assignment
    assignment.max_attempts = 2
    assignment.save()
    first = submit(classroom)
    second = submit(classroom)
    assert (first.attempt_number, second.attempt_number) == (1, 2)
    with pytest.raises(SubmissionError, match="all 2 attempts"):
        submit(classroom)


def test_empty_and_too_long_solutions_are_refused(classroom, settings):
    settings.SOLUTION_MAX_CHARS = 50
    with pytest.raises(SubmissionError, match="empty"):
        submit(classroom, text="   \n  ")
    with pytest.raises(SubmissionError, match="limit is 50"):
        submit(classroom, text="x" * 51)
    assert Submission.objects.count() == 0


# --- the state machine --------------------------------------------------------------------------------------


def test_legal_transition_records_from_to_and_reason(classroom):
    submission = SubmissionFactory(problem=classroom.problem, student=classroom.student)
    services.submission_transition(submission=submission, to=Status.SEGMENTING, reason="go")
    event = AuditEvent.objects.get(event_type="submission.segmenting")
    assert event.details["from"] == "queued"
    assert event.details["to"] == "segmenting"
    assert event.details["reason"] == "go"
    submission.refresh_from_db()
    assert submission.status_reason == "go"


@pytest.mark.parametrize(
    ("start", "to"),
    [
        (Status.QUEUED, Status.GRADED),
        (Status.QUEUED, Status.VERIFYING),
        (Status.SEGMENTING, Status.GRADED),
        (Status.GRADED, Status.VERIFYING),
        (Status.FAILED, Status.GRADED),
        (Status.NEEDS_REVIEW, Status.FAILED),
    ],
)
def test_illegal_transitions_are_refused_and_leave_no_trace(classroom, start, to):
    submission = SubmissionFactory(problem=classroom.problem, student=classroom.student, status=start)
    with pytest.raises(IllegalTransition):
        services.submission_transition(submission=submission, to=to, reason="nope")
    submission.refresh_from_db()
    assert submission.status == start
    assert not AuditEvent.objects.exists()


# --- grading ------------------------------------------------------------------------------------------------


def test_grading_walks_the_state_machine_and_stores_everything(classroom):
    submission = SubmissionFactory(
        problem=classroom.problem, student=classroom.student, text="3x = 15\nx = 6 WRONG\nx = 6", backend="fake"
    )
    services.submission_grade(submission_id=submission.pk, grading_version=1)
    submission.refresh_from_db()
    assert statuses(submission) == [
        ("queued", "segmenting"),
        ("segmenting", "verifying"),
        ("verifying", "graded"),
    ]
    assert submission.first_error_index == 1
    assert submission.final_answer_verdict == "incorrect"
    assert submission.confidence == pytest.approx(0.95)
    # The default rule (grading.scoring): the work before the first error earns half the 2 points, measured on
    # the reference solution ("3x = 15", "x = 5"): one of its two results is reached; the answer earns nothing.
    assert submission.score == Decimal("0.50")
    assert submission.auto_score == Decimal("0.50")
    verdicts = list(submission.steps.values_list("index", "verdict", "checker"))
    assert verdicts == [(0, "correct", "fake"), (1, "incorrect", "fake"), (2, "correct", "fake")]
    run = VerificationRun.objects.get(submission=submission)
    assert (run.backend, run.model_id, run.prompt_version, run.error) == ("fake", "fake", "fake-v1", "")
    assert run.finished_at is not None
    assert run.latency_ms is not None
    assert run.parameters["budget"] == {"parallel": 1, "rounds": 1}


def test_running_the_same_task_twice_grades_once(classroom):
    submission = SubmissionFactory(
        problem=classroom.problem, student=classroom.student, text="a\nb WRONG", backend="fake"
    )
    grade_submission_task.apply(args=[submission.pk, 1])
    grade_submission_task.apply(args=[submission.pk, 1])
    assert Step.objects.filter(submission=submission).count() == 2
    assert VerificationRun.objects.filter(submission=submission).count() == 1
    assert AuditEvent.objects.filter(event_type="submission.graded", target_id=str(submission.pk)).count() == 1


def test_a_redelivered_task_after_a_crash_mid_verification_grades_once(classroom):
    # Given a worker died while verifying: the row is at `verifying` with its steps saved
    submission = SubmissionFactory(problem=classroom.problem, student=classroom.student, text="a\nb", backend="fake")
    claim = services.submission_claim(submission.pk, 1)
    assert claim is not None
    submission.refresh_from_db()
    assert submission.status == Status.VERIFYING
    # When the broker redelivers the task
    grade_submission_task.apply(args=[submission.pk, 1])
    # Then it ends graded with one set of steps and one grade
    submission.refresh_from_db()
    assert submission.status == Status.GRADED
    assert submission.steps.count() == 2
    assert AuditEvent.objects.filter(event_type="submission.graded", target_id=str(submission.pk)).count() == 1


def test_a_stale_version_does_nothing(classroom):
    submission = SubmissionFactory(
        problem=classroom.problem, student=classroom.student, backend="fake", grading_version=2
    )
    assert services.submission_grade(submission_id=submission.pk, grading_version=1) is None
    submission.refresh_from_db()
    assert submission.status == Status.QUEUED
    assert not submission.steps.exists()
    assert not AuditEvent.objects.exists()


def test_a_missing_submission_is_a_no_op(db):
    assert services.submission_grade(submission_id=987654, grading_version=1) is None


def test_retry_exhaustion_ends_in_needs_review_with_the_reason(classroom):
    # Given a verifier that is always unavailable
    submission = SubmissionFactory(
        problem=classroom.problem, student=classroom.student, text="x RAISE_UNAVAILABLE", backend="fake"
    )
    # When the task runs with all its retries (eagerly, backoff skipped)
    grade_submission_task.apply(args=[submission.pk, 1])
    # Then it is not stuck at verifying: a teacher sees why it needs review
    submission.refresh_from_db()
    assert submission.status == Status.NEEDS_REVIEW
    assert "unavailable after 6 attempts" in submission.status_reason
    assert submission.retries == 5
    runs = VerificationRun.objects.filter(submission=submission)
    assert runs.count() == 6
    assert all("unavailable" in run.error.lower() for run in runs)


def test_misconfigured_verifier_fails_at_once_with_a_clear_message(classroom):
    submission = SubmissionFactory(
        problem=classroom.problem, student=classroom.student, text="x RAISE_MISCONFIGURED", backend="fake"
    )
    grade_submission_task.apply(args=[submission.pk, 1])
    submission.refresh_from_db()
    assert submission.status == Status.FAILED
    assert "misconfigured" in submission.status_reason
    assert submission.retries == 0
    assert VerificationRun.objects.filter(submission=submission).count() == 1


def test_unknown_backend_is_a_misconfiguration(classroom):
    submission = SubmissionFactory(problem=classroom.problem, student=classroom.student, backend="no-such")
    grade_submission_task.apply(args=[submission.pk, 1])
    submission.refresh_from_db()
    assert submission.status == Status.FAILED
    assert "Unknown verifier backend" in submission.status_reason


def test_low_confidence_goes_to_review(classroom):
    assignment = classroom.problem.assignment
    assignment.review_threshold = 0.8
    assignment.save()
    submission = SubmissionFactory(
        problem=classroom.problem, student=classroom.student, text="a\nb UNSURE", backend="fake"
    )
    services.submission_grade(submission_id=submission.pk, grading_version=1)
    submission.refresh_from_db()
    assert submission.status == Status.NEEDS_REVIEW
    assert "below the review threshold" in submission.status_reason
    assert submission.score is not None


@pytest.mark.parametrize(
    ("steps", "first_error", "late", "expected"),
    [
        (4, None, False, "2.00"),
        (4, 0, False, "0.00"),
        (4, 2, False, "1.00"),
        (4, 2, True, "0.90"),
        (0, None, False, "0.00"),
    ],
)
def test_score_is_share_before_first_error_times_points_less_late_penalty(steps, first_error, late, expected):
    score = services.compute_score(
        points=Decimal(2), steps=steps, first_error_index=first_error, late_penalty_percent=10, is_late=late
    )
    assert score == Decimal(expected)


# --- sweep --------------------------------------------------------------------------------------------------


def test_sweep_reenqueues_stuck_submissions_and_leaves_recent_ones(classroom):
    old = SubmissionFactory(problem=classroom.problem, student=classroom.student, backend="fake", attempt_number=1)
    recent = SubmissionFactory(problem=classroom.problem, student=classroom.student, backend="fake", attempt_number=2)
    Submission.objects.filter(pk=old.pk).update(status_changed_at=timezone.now() - timedelta(hours=1))
    swept = services.grading_sweep(older_than_seconds=600)
    assert swept == [old.pk]
    old.refresh_from_db()
    recent.refresh_from_db()
    assert old.status == Status.GRADED  # tasks are eager in unit tests
    assert recent.status == Status.QUEUED


def test_sweep_is_safe_to_run_again(classroom):
    submission = SubmissionFactory(problem=classroom.problem, student=classroom.student, backend="fake")
    Submission.objects.filter(pk=submission.pk).update(status_changed_at=timezone.now() - timedelta(hours=1))
    services.grading_sweep(older_than_seconds=0)
    services.grading_sweep(older_than_seconds=0)
    assert AuditEvent.objects.filter(event_type="submission.graded").count() == 1
    assert Step.objects.filter(submission=submission).count() == 2


# --- teacher actions ----------------------------------------------------------------------------------------


def graded(classroom, text="a\nb WRONG\nc"):
    submission = SubmissionFactory(problem=classroom.problem, student=classroom.student, text=text, backend="fake")
    services.submission_grade(submission_id=submission.pk, grading_version=1)
    submission.refresh_from_db()
    return submission


def test_teacher_step_override_moves_first_error_and_score_with_audit(classroom):
    # Given a solution the checker flags at step 2, with its final answer marked incorrect
    submission = graded(classroom, text="3x = 15\nx = 5 WRONG\nx = 5")
    step = submission.steps.get(index=1)
    override = services.step_override(step=step, actor=classroom.teacher, verdict="correct", reason="It is fine")
    submission.refresh_from_db()
    # Then the first error moves and the work earns its full share, but a final answer still marked incorrect
    # keeps the score below full marks (it used to jump to 2.00)
    assert submission.first_error_index is None
    assert submission.score == Decimal("1.00")
    assert submission.final_answer_verdict == "incorrect"
    assert (override.old_verdict, override.new_verdict, override.old_score) == ("incorrect", "correct", Decimal("0.50"))
    event = AuditEvent.objects.get(event_type="override.step")
    assert event.details["reason"] == "It is fine"
    assert event.actor == classroom.teacher


def test_students_cannot_override(classroom):
    submission = graded(classroom)
    with pytest.raises(services.GradingPermissionError):
        services.score_override(submission=submission, actor=classroom.student, score=Decimal(2), reason="mine")


def test_score_override_needs_a_reason_and_a_valid_score(classroom):
    submission = graded(classroom)
    with pytest.raises(SubmissionError, match="reason"):
        services.score_override(submission=submission, actor=classroom.teacher, score=Decimal(1), reason=" ")
    with pytest.raises(SubmissionError, match="between 0 and"):
        services.score_override(submission=submission, actor=classroom.teacher, score=Decimal(3), reason="x")
    services.score_override(submission=submission, actor=classroom.teacher, score=Decimal("1.5"), reason="partial")
    submission.refresh_from_db()
    assert submission.score == Decimal("1.50")


def test_regrade_bumps_the_version_and_grades_again(classroom, django_capture_on_commit_callbacks):
    submission = graded(classroom)
    with django_capture_on_commit_callbacks(execute=True):
        services.submission_regrade(submission=submission, actor=classroom.teacher)
    submission.refresh_from_db()
    assert submission.grading_version == 2
    assert submission.status == Status.GRADED
    assert submission.steps.count() == 3
    assert VerificationRun.objects.filter(submission=submission, grading_version=2).count() == 1
    # and the old version's task is now stale
    assert services.submission_grade(submission_id=submission.pk, grading_version=1) is None


def test_review_accept_resolves_needs_review(classroom):
    classroom.problem.assignment.review_threshold = 0.8
    classroom.problem.assignment.save()
    submission = graded(classroom, text="a\nb UNSURE")
    assert submission.status == Status.NEEDS_REVIEW
    services.review_accept(submission=submission, actor=classroom.teacher)
    submission.refresh_from_db()
    assert submission.status == Status.GRADED


def test_grading_sweep_command_reenqueues_and_reports(classroom):
    from io import StringIO

    from django.core.management import call_command

    submission = SubmissionFactory(problem=classroom.problem, student=classroom.student, backend="fake")
    Submission.objects.filter(pk=submission.pk).update(status_changed_at=timezone.now() - timedelta(hours=2))
    out = StringIO()
    call_command("grading_sweep", stdout=out)
    assert f"Re-enqueued 1 submission(s): [{submission.pk}]" in out.getvalue()
    submission.refresh_from_db()
    assert submission.status == Status.GRADED


def test_beat_schedule_runs_the_sweep_on_the_cpu_queue():
    from tutor.celery import app

    entry = app.conf.beat_schedule["grading-sweep"]
    assert entry["task"] == "grading.sweep"
    assert entry["options"]["queue"] == "cpu"
    assert "grading.sweep" in app.tasks


def test_beat_sweeps_every_few_seconds_and_drops_a_sweep_that_waited_too_long():
    from tutor.celery import app

    entry = app.conf.beat_schedule["grading-sweep"]
    assert entry["schedule"] <= 10  # was 60: recovery took minutes
    assert entry["options"]["expires"] <= entry["schedule"]


def test_gpu_and_cpu_queues_have_their_own_routing_keys():
    from tutor.celery import app

    queues = app.amqp.queues
    assert (queues["gpu"].exchange.name, queues["gpu"].routing_key) == ("gpu", "gpu")
    assert (queues["cpu"].exchange.name, queues["cpu"].routing_key) == ("cpu", "cpu")
    route = app.amqp.router.route({"queue": "gpu"}, "grading.grade_submission")
    assert route["queue"].routing_key == "gpu"


def test_grading_task_declares_bounded_retries_with_backoff_and_time_limits():
    from verifier_worker.types import VerifierUnavailable

    task = grade_submission_task
    assert task.autoretry_for == (VerifierUnavailable,)
    assert task.max_retries == 5
    assert task.retry_backoff
    assert task.retry_jitter
    assert task.soft_time_limit
    assert task.time_limit
    assert task.time_limit > task.soft_time_limit
    assert task.acks_late
