"""Re-send grading that no worker is doing, within seconds. Run every few seconds (`manage.py grading_sweep
--every 5`, or Celery beat); safe to run at any time and from several places, since each re-send is claimed with
a compare-and-set on the row, and grading is idempotent per grading version.

The rules, each a filter on the submission's own fields (grading.models.Submission):

- `never_enqueued`: queued, and never handed to the broker (it was down at submit time, or the web process died
  between commit and send), for longer than GRADING_ENQUEUE_GRACE_SECONDS: sent now.
- `not_picked_up`: queued, handed to the broker once, and still not claimed after GRADING_REQUEUE_AFTER_SECONDS
  (the message was prefetched by a worker that was killed, or the queue was lost): sent once more. A long but
  healthy queue costs at most one duplicate per submission, which the claim turns into a no-op.
- `lease_expired`: claimed by a worker that stopped renewing its lease (it died): the lease is handed to a new
  task, which is sent. The next re-send can only come after that lease expires in turn.
- `no_progress`: the old safety net, for anything else in a non-final state with no change for `older_than`
  seconds (GRADING_STUCK_AFTER_SECONDS by default) and no live lease.

A worker killed while grading is thus re-sent within GRADING_LEASE_SECONDS plus one sweep period (about 25 s by
default), and a submission lost before its claim within GRADING_REQUEUE_AFTER_SECONDS plus one period (about 50 s).
"""

from __future__ import annotations

import uuid
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from tutor.audit.events import AuditEventType
from tutor.audit.services import record

from ..models import Submission
from .state import Status
from .submitting import grading_enqueue

CLAIMED = (Status.SEGMENTING, Status.VERIFYING)
NOT_FINAL = (Status.QUEUED, *CLAIMED)


def _rules(older_than_seconds: int) -> dict[str, Q]:
    now = timezone.now()
    grace = timedelta(seconds=settings.GRADING_ENQUEUE_GRACE_SECONDS)
    requeue = timedelta(seconds=settings.GRADING_REQUEUE_AFTER_SECONDS)
    no_live_lease = Q(lease_expires_at__isnull=True) | Q(lease_expires_at__lte=now)
    return {
        "never_enqueued": Q(status=Status.QUEUED, enqueued_at__isnull=True, status_changed_at__lte=now - grace),
        "not_picked_up": Q(status=Status.QUEUED, enqueue_count=1, enqueued_at__lte=now - requeue),
        "lease_expired": Q(status__in=CLAIMED, lease_expires_at__lte=now),
        "no_progress": Q(status__in=NOT_FINAL, status_changed_at__lte=now - timedelta(seconds=older_than_seconds))
        & no_live_lease,
    }


def grading_sweep(*, older_than_seconds: int | None = None) -> list[int]:
    """Re-send what no worker is grading (the rules above). Returns the ids that were handed to the broker."""
    seconds = settings.GRADING_STUCK_AFTER_SECONDS if older_than_seconds is None else older_than_seconds
    found: dict[int, tuple[str, tuple[int, str, str, int, int]]] = {}
    for rule, condition in _rules(seconds).items():
        rows = Submission.objects.filter(condition).values_list(
            "pk", "grading_version", "backend", "status", "enqueue_count", "problem__assignment__course_id"
        )
        for pk, version, backend, status, count, course_id in rows:
            found.setdefault(pk, (rule, (version, backend, status, count, course_id)))
    swept: list[int] = []
    for pk, (rule, (version, backend, status, count, course_id)) in sorted(found.items()):
        task_id = uuid.uuid4().hex
        if not _claim_resend(pk, version, status, count, task_id, rule, course_id):
            continue  # it moved on meanwhile, or another sweep took it
        if grading_enqueue(submission_id=pk, grading_version=version, backend=backend, task_id=task_id, note=False):
            swept.append(pk)
        elif status == Status.QUEUED:
            # The broker is down: leave it to the next sweep, which sees it as never handed over.
            Submission.objects.filter(pk=pk, grading_version=version, status=status).update(
                enqueued_at=None, enqueue_count=F("enqueue_count") - 1
            )
    return swept


@transaction.atomic
def _claim_resend(pk: int, version: int, status: str, count: int, task_id: str, rule: str, course_id: int) -> bool:
    """Compare-and-set: only one sweep re-sends a given submission, and the next re-send waits for its rule again."""
    now = timezone.now()
    current = Submission.objects.filter(pk=pk, grading_version=version, status=status)
    if status == Status.QUEUED:
        touched = current.filter(enqueue_count=count).update(
            enqueued_at=now, enqueue_count=F("enqueue_count") + 1, status_changed_at=now
        )
    else:
        # The new task owns the lease, with time to be picked up from the queue before it expires.
        lease = settings.GRADING_LEASE_SECONDS + settings.GRADING_REQUEUE_AFTER_SECONDS
        touched = current.filter(Q(lease_expires_at__isnull=True) | Q(lease_expires_at__lte=now)).update(
            lease_owner=task_id, lease_expires_at=now + timedelta(seconds=lease), status_changed_at=now
        )
    if touched:
        record(
            event_type=AuditEventType.SUBMISSION_SWEPT,
            target=Submission(pk=pk),
            course_id=course_id,
            details={"status": status, "grading_version": version, "rule": rule, "task_id": task_id},
        )
    return bool(touched)
