"""Re-enqueue submissions stuck in a non-final state: saved while the broker was down, or lost with a worker."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from tutor.audit.events import AuditEventType
from tutor.audit.services import record

from ..models import Submission
from .state import Status
from .submitting import grading_enqueue


def grading_sweep(*, older_than_seconds: int | None = None) -> list[int]:
    """Re-enqueue submissions stuck in a non-final state. Safe at any time: grading is idempotent per version.

    Touches `status_changed_at` so the same submission is not re-sent on every sweep while it waits.
    """
    seconds = settings.GRADING_STUCK_AFTER_SECONDS if older_than_seconds is None else older_than_seconds
    cutoff = timezone.now() - timedelta(seconds=seconds)
    stuck = list(
        Submission.objects.filter(
            status__in=[Status.QUEUED, Status.SEGMENTING, Status.VERIFYING], status_changed_at__lte=cutoff
        ).values_list("pk", "grading_version", "backend", "status", "problem__assignment__course_id")
    )
    swept: list[int] = []
    for pk, version, backend, status, course_id in stuck:
        with transaction.atomic():
            touched = Submission.objects.filter(pk=pk, grading_version=version, status=status).update(
                status_changed_at=timezone.now()
            )
            if not touched:
                continue
            record(
                event_type=AuditEventType.SUBMISSION_SWEPT,
                target=Submission(pk=pk),
                course_id=course_id,
                details={"status": status, "grading_version": version},
            )
        if grading_enqueue(submission_id=pk, grading_version=version, backend=backend):
            swept.append(pk)
    return swept
