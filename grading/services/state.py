"""The submission state machine: the one function every state change goes through, and the row lock.

Final states go back to `queued` only through a regrade; `needs_review` is resolved by a teacher to `graded`. A
worker that restarts a half-done grading (after a crash or a transient error) moves `verifying` back to
`segmenting`.
"""

from __future__ import annotations

import logging
from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db import transaction
from django.utils import timezone

from tutor.audit.events import AuditEventType
from tutor.audit.services import record

from .. import notifying, progress
from ..errors import IllegalTransition
from ..models import Submission

logger = logging.getLogger(__name__)

Status = Submission.Status
Actor = AbstractBaseUser | AnonymousUser

LEASE_FIELDS = ("lease_owner", "lease_expires_at")

ALLOWED_TRANSITIONS: dict[str, frozenset[str]] = {
    Status.QUEUED: frozenset({Status.SEGMENTING, Status.FAILED}),
    Status.SEGMENTING: frozenset({Status.VERIFYING, Status.NEEDS_REVIEW, Status.FAILED}),
    Status.VERIFYING: frozenset({Status.SEGMENTING, Status.GRADED, Status.NEEDS_REVIEW, Status.FAILED}),
    Status.GRADED: frozenset({Status.QUEUED}),
    Status.NEEDS_REVIEW: frozenset({Status.QUEUED, Status.GRADED}),
    Status.FAILED: frozenset({Status.QUEUED}),
}


def course_id_of(submission: Submission) -> int:
    """The class a submission belongs to, for its audit events."""
    return int(submission.problem.assignment.course_id)


def record_event(
    *,
    submission: Submission,
    event_type: AuditEventType,
    actor: Actor | None = None,
    details: dict[str, Any] | None = None,
) -> None:
    record(event_type=event_type, target=submission, actor=actor, course_id=course_id_of(submission), details=details)
    # In the same transaction: whoever should hear about this change does (grading.notifying).
    notifying.after_event(submission=submission, event_type=event_type)


def submission_transition(
    *,
    submission: Submission,
    to: str,
    reason: str,
    actor: Actor | None = None,
    details: dict[str, Any] | None = None,
    also_save: tuple[str, ...] = (),
) -> Submission:
    """Move a submission to `to`, checking the state machine, and record the change in the same transaction.

    The caller holds the row (select_for_update) when concurrency matters. `also_save` names other fields the
    caller changed, saved in the same UPDATE.
    """
    source = submission.status
    if to not in ALLOWED_TRANSITIONS.get(source, frozenset()):
        raise IllegalTransition(f"Submission {submission.pk}: {source} → {to} is not allowed.")
    with transaction.atomic(savepoint=False):
        submission.status = to
        submission.status_reason = reason[:500]
        submission.status_changed_at = timezone.now()
        handover: tuple[str, ...] = ()
        if to == Status.QUEUED:
            # A new queued period: nothing handed to the broker for it yet, and no worker holds it.
            submission.enqueued_at, submission.enqueue_count = None, 0
            handover = ("enqueued_at", "enqueue_count", *LEASE_FIELDS)
        if to == Status.QUEUED or to in Submission.FINAL_STATUSES:
            submission.lease_owner, submission.lease_expires_at = "", None
            handover = handover or LEASE_FIELDS
        fields = dict.fromkeys(["status", "status_reason", "status_changed_at", *handover, *also_save])
        submission.save(update_fields=list(fields))
        progress.remember(submission)
        record_event(
            submission=submission,
            event_type=AuditEventType.entering(to),
            actor=actor,
            details={
                "from": source,
                "to": to,
                "reason": reason,
                "grading_version": submission.grading_version,
                **(details or {}),
            },
        )
    return submission


def locked_for_grading(submission_id: int, grading_version: int) -> Submission | None:
    """The row, locked, if this grading version is current and not finished; else None (a no-op)."""
    submission = (
        Submission.objects.select_for_update(of=("self",))
        .select_related("problem__assignment")
        .filter(pk=submission_id)
        .first()
    )
    if submission is None:
        logger.info("Submission %s no longer exists; nothing to grade", submission_id)
        return None
    if submission.grading_version != grading_version:
        logger.info(
            "Stale task for submission %s (version %s != %s)",
            submission_id,
            grading_version,
            submission.grading_version,
        )
        return None
    if submission.is_final:
        return None
    return submission
