"""A student hands in an attempt: checked against the submission policy, saved, then queued after commit."""

from __future__ import annotations

import logging

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import F, Max
from django.utils import timezone

from tutor.audit.events import AuditEventType
from tutor.classroom.models import Enrollment, Problem
from verifier_worker import registry, segmentation

from .. import policy
from ..errors import SubmissionError
from ..models import Submission
from .state import Status, record_event

logger = logging.getLogger(__name__)


def too_many_steps_message() -> str:
    limit = segmentation.MAX_STEPS
    return (
        f"Your solution has more than {limit} steps, and at most {limit} can be checked. Put short calculations "
        "together on one line or leave out what is not needed, then submit."
    )


def check_solution_text(text: str) -> str:
    """The solution text's own limits (characters, NUL, steps); the message says what to change.

    A solution past the step cap is refused rather than graded in part: grading only its first steps would judge
    a correct long solution by a step that is not its last.
    """
    if not text.strip():
        raise SubmissionError("Your solution is empty. Write your steps, one per line.", code="empty")
    if "\x00" in text:
        # PostgreSQL cannot store it, and it is never part of a solution someone typed.
        raise SubmissionError("Your solution contains a NUL character (\\u0000); remove it and resubmit.", "nul")
    limit = settings.SOLUTION_MAX_CHARS
    if len(text) > limit:
        raise SubmissionError(
            f"Your solution is {len(text):,} characters long; the limit is {limit:,}. Shorten it and resubmit.",
            code="too_long",
        )
    if segmentation.split(text).truncated:
        raise SubmissionError(too_many_steps_message(), code="too_many_steps")
    return text


@transaction.atomic
def submission_create(
    *,
    student: AbstractBaseUser,
    problem: Problem,
    text: str,
    fixed_from: Submission | None = None,
    locked_steps: int = 0,
) -> Submission:
    """Save a student's attempt as `queued` and enqueue its grading once the transaction commits.

    Saving never depends on the broker: if enqueueing fails the row stays `queued` and the sweep picks it up.
    `fixed_from` / `locked_steps`: a "fix from here" attempt (grading.services.fixing) and how many steps of the
    earlier attempt it kept.
    """
    assignment = problem.assignment
    # Locking the enrollment serializes one student's concurrent submits, so attempt numbers never collide.
    enrollment = (
        Enrollment.objects.select_for_update()
        .filter(course_id=assignment.course_id, user_id=student.pk, role=Enrollment.Role.STUDENT)
        .first()
    )
    if enrollment is None:
        raise SubmissionError("You are not enrolled as a student in this class.", code="not_enrolled")
    text = check_solution_text(text)
    decision = policy.submit_decision(problem=problem, student_id=int(student.pk))
    if not decision.allowed:
        raise SubmissionError(decision.message, code=decision.code)
    last = Submission.objects.filter(problem=problem, student_id=student.pk).aggregate(last=Max("attempt_number"))
    submission = Submission.objects.create(
        problem=problem,
        student_id=student.pk,
        attempt_number=(last["last"] or 0) + 1,
        text=text,
        is_late=decision.is_late,
        status=Status.QUEUED,
        status_reason="Waiting for a worker",
        backend=assignment.verifier_backend,
        fixed_from=fixed_from,
        locked_steps=locked_steps,
    )
    record_event(
        submission=submission,
        event_type=AuditEventType.SUBMISSION_CREATED,
        actor=student,
        details={
            "problem_id": problem.pk,
            "attempt_number": submission.attempt_number,
            "is_late": decision.is_late,
            "backend": submission.backend,
            "chars": len(text),
            **({"fixed_from": fixed_from.pk, "locked_steps": locked_steps} if fixed_from is not None else {}),
        },
    )
    enqueue_after_commit(submission)
    return submission


def enqueue_after_commit(submission: Submission) -> None:
    submission_id, version, backend = submission.pk, submission.grading_version, submission.backend
    transaction.on_commit(
        lambda: grading_enqueue(submission_id=submission_id, grading_version=version, backend=backend)
    )


def grading_enqueue(
    *, submission_id: int, grading_version: int, backend: str, task_id: str | None = None, note: bool = True
) -> bool:
    """Send the grading task to the backend's queue. Returns False (and logs) when the broker is unreachable.

    With `note`, a queued submission records that it was handed to the broker (`enqueued_at`, `enqueue_count`):
    the sweep re-sends one that never was, and one that was but is not picked up in time, once. (The sweep notes
    its own re-sends before sending.)
    """
    from ..tasks import grade_submission_task  # the Celery app loads only when something is enqueued

    try:
        grade_submission_task.apply_async(
            args=(submission_id, grading_version),
            queue=registry.queue_for(backend),
            task_id=task_id,
            retry=True,
            retry_policy={"max_retries": 2, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.5},
        )
    except Exception:
        # The row is saved as `queued`; the sweep re-enqueues it when the broker is back.
        logger.exception("Could not enqueue grading of submission %s (version %s)", submission_id, grading_version)
        return False
    if not note:
        return True
    Submission.objects.filter(pk=submission_id, grading_version=grading_version, status=Status.QUEUED).update(
        enqueued_at=timezone.now(), enqueue_count=F("enqueue_count") + 1
    )
    return True
