"""Writes for insight: replays (asked for, then run by a worker) and exports, each with its audit event in the
same transaction. Nothing here changes a grade, a step, a verification run or the audit log's past.

Replays run through Celery on the backend's own queue (`registry.queue_for`), like grading: the web process
never loads a model backend, and a GPU backend runs where its model is. A replay is a diagnostic: it is not
retried (the admin can ask again), and at most one per submission is in flight; one still waiting after
REPLAY_STALE_AFTER no longer blocks a new one (no worker took it).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser, User
from django.db import transaction
from django.utils import timezone

from grading.models import Submission
from grading.services.pipeline import run_fields, verification_request
from tutor.audit.events import AuditEventType
from tutor.audit.services import record
from tutor.classroom import access
from tutor.classroom.models import Course
from verifier_worker import registry
from verifier_worker.types import VerificationResult

from . import audit_log, selectors, training
from .errors import InsightError
from .models import ReplayRun
from .replay import request_from_json, request_to_json, result_verdicts

logger = logging.getLogger(__name__)

Actor = AbstractBaseUser | AnonymousUser
REPLAY_STALE_AFTER = timedelta(minutes=10)
# A training-data export reads at most this many reviewed grades; a larger one is refused (narrow it by class or
# date).
TRAINING_EXPORT_MAX = 50_000
IN_FLIGHT = (ReplayRun.Status.QUEUED, ReplayRun.Status.RUNNING)


def _require_site_staff(actor: Actor | None) -> User:
    if not access.is_site_staff(actor) or not isinstance(actor, User):
        raise InsightError("Only site staff can do this.", code="forbidden")
    return actor


def replay_backends(submission: Submission) -> list[tuple[str, str]]:
    """(name, label) of the backends a replay may use here: the assignment's current backend, the one that graded
    the submission, and every teacher-visible backend, where each is configured in this deployment."""
    options = settings.VERIFIER_OPTIONS
    names = [submission.problem.assignment.verifier_backend, submission.backend]
    names += [name for name, _ in registry.teacher_choices(options)]
    seen: list[tuple[str, str]] = []
    for name in names:
        if not name or any(name == known for known, _ in seen) or not registry.is_configured(name, options):
            continue
        seen.append((name, registry.spec(name).shown))
    return seen


@transaction.atomic
def replay_request(*, submission: Submission, actor: Actor, backend: str) -> ReplayRun:
    """Ask for a replay of the submission's graded input on `backend`. The grade is not touched."""
    _require_site_staff(actor)
    submission = Submission.objects.select_for_update().select_related("problem__assignment").get(pk=submission.pk)
    allowed = dict(replay_backends(submission))
    if backend not in allowed:
        reason = registry.not_configured_reason(backend, settings.VERIFIER_OPTIONS) or "it is not offered for replays"
        raise InsightError(f"The backend {backend!r} cannot run a replay here: {reason}.", code="bad_backend")
    if submission.status not in selectors.FINISHED:
        raise InsightError("This submission has no finished grade to replay yet.", code="not_graded")
    steps = list(submission.steps.order_by("index"))
    if not steps:
        raise InsightError("This submission has no steps to replay.", code="no_steps")
    busy = submission.replays.filter(status__in=IN_FLIGHT, created_at__gte=timezone.now() - REPLAY_STALE_AFTER)
    if busy.exists():
        raise InsightError("A replay of this submission is already running; wait for it to finish.", code="busy")
    replay = ReplayRun.objects.create(
        submission=submission,
        requested_by_id=actor.pk,
        backend=backend,
        grading_version=submission.grading_version,
        request=request_to_json(verification_request(submission, steps)),
        recorded={
            "steps": [
                {
                    "index": s.index,
                    "text": s.text,
                    "verdict": s.verdict,
                    "confidence": s.confidence,
                    "checker": s.checker,
                    "teacher_verdict": s.teacher_verdict,
                }
                for s in steps
            ],
            "first_error_index": submission.auto_first_error_index,
            "final_answer_verdict": submission.auto_final_answer_verdict,
            "backend": submission.backend,
            "score": None if submission.score is None else str(submission.score),
        },
    )
    record(
        event_type=AuditEventType.REPLAY_REQUESTED,
        target=submission,
        actor=actor,
        course_id=submission.problem.assignment.course_id,
        details={"replay_id": replay.pk, "backend": backend, "grading_version": submission.grading_version},
    )
    replay_id, queue = replay.pk, registry.queue_for(backend)
    transaction.on_commit(lambda: replay_enqueue(replay_id=replay_id, queue=queue))
    return replay


def replay_enqueue(*, replay_id: int, queue: str) -> bool:
    from .tasks import replay_task  # the Celery app loads only when something is enqueued

    try:
        replay_task.apply_async(args=(replay_id,), queue=queue, retry=False)
    except Exception:
        logger.exception("Could not enqueue replay %s", replay_id)
        ReplayRun.objects.filter(pk=replay_id, status=ReplayRun.Status.QUEUED).update(
            status=ReplayRun.Status.FAILED,
            error="The task queue could not be reached; nothing ran. Try again when the workers are up.",
            finished_at=timezone.now(),
        )
        return False
    return True


def _claim(replay_id: int) -> ReplayRun | None:
    with transaction.atomic():
        replay = ReplayRun.objects.select_for_update().filter(pk=replay_id).first()
        if replay is None or replay.status != ReplayRun.Status.QUEUED:
            return None  # gone, or another worker has it (a redelivery)
        replay.status = ReplayRun.Status.RUNNING
        replay.save(update_fields=["status"])
        return replay


def _finish(replay: ReplayRun, *, result: VerificationResult | None, error: str) -> ReplayRun:
    with transaction.atomic():
        replay = ReplayRun.objects.select_for_update().get(pk=replay.pk)
        replay.finished_at = timezone.now()
        if result is None:
            replay.status, replay.error = ReplayRun.Status.FAILED, error
        else:
            replay.status = ReplayRun.Status.DONE
            replay.verdicts = result_verdicts(result)
            replay.first_error_index = result.first_error_index
            replay.final_answer_verdict = result.final_answer_verdict
            replay.undecided_reason = result.undecided_reason
            for name, value in run_fields(result.run).items():  # recorded as the grading's own run is
                setattr(replay, name, value)
        replay.save()
        return replay


def replay_run(*, replay_id: int) -> ReplayRun | None:
    """What the replay task runs: claim, verify with no lock held, store. A second delivery does nothing."""
    replay = _claim(replay_id)
    if replay is None:
        return None
    try:
        verifier = registry.get_verifier(replay.backend, settings.VERIFIER_OPTIONS, settings.VERIFIER_EXTRA_BACKENDS)
        result = verifier.verify_batch([request_from_json(replay.request)])[0]
    except Exception as exc:
        # Misconfigured, unavailable, or a crash: a replay reports it and stops (no retries, the grade is safe).
        logger.warning("Replay %s on %s failed: %s", replay.pk, replay.backend, exc)
        return _finish(replay, result=None, error=f"{type(exc).__name__}: {exc}")
    return _finish(replay, result=result, error="")


# --- exports ------------------------------------------------------------------------------------------------------


@transaction.atomic
def audit_log_export(*, actor: Actor, audit_filter: audit_log.AuditFilter, fmt: str) -> Iterator[str]:
    """The filtered audit log as CSV or JSON Lines (lines to stream). The export is itself recorded."""
    user = _require_site_staff(actor)
    if fmt not in ("csv", "jsonl"):
        raise InsightError(f"Unknown export format {fmt!r}; use csv or jsonl.", code="bad_format")
    found = audit_log.events(audit_filter)
    count = found.count()
    if count > audit_log.EXPORT_MAX_ROWS:
        raise InsightError(
            f"That selects {count:,} events; an export holds at most {audit_log.EXPORT_MAX_ROWS:,}. "
            "Narrow it by class, user, event type or dates.",
            code="too_many",
        )
    event = record(
        event_type=AuditEventType.AUDIT_LOG_EXPORTED,
        target=user,
        actor=user,
        details={"format": fmt, "rows": count, "filters": audit_filter.as_details()},
    )
    # The export holds what the filters selected when it was asked for; its own event is in the next one.
    rows = found.exclude(pk=event.pk).iterator(chunk_size=2000)
    return audit_log.csv_lines(rows) if fmt == "csv" else audit_log.jsonl_lines(rows)


def start_of_day(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min), timezone.get_current_timezone())


@transaction.atomic
def training_data_export(
    *, actor: Actor | None, course: Course | None, since: date | None, fmt: training.Format, source: str
) -> tuple[list[str], training.ExportSummary]:
    """Reviewed grades as step-label JSON lines. `actor` is None for the management command (run by whoever has
    the server's shell); a web request must come from site staff. Each class whose work is in the export gets
    an audit event, so its log shows the export."""
    user = _require_site_staff(actor) if actor is not None else None
    if fmt not in training.FORMATS:
        raise InsightError(f"Unknown format {fmt!r}; use {' or '.join(training.FORMATS)}.", code="bad_format")
    found = selectors.reviewed_grades(
        course=course, since=start_of_day(since) if since else None, limit=TRAINING_EXPORT_MAX
    )
    if found.truncated:
        raise InsightError(
            f"More than {TRAINING_EXPORT_MAX:,} reviewed grades match; export one class or a shorter period.",
            code="too_many",
        )
    lines, summary = training.export_lines(found.solutions, fmt)
    details = {
        "format": fmt,
        "source": source,
        "since": since.isoformat() if since else "",
        "class": course.pk if course else None,
        **summary.as_details(),
    }
    course_ids: Sequence[int] = sorted({s.course_id for s in found.solutions})
    for course_row in Course.objects.filter(pk__in=course_ids):
        record(
            event_type=AuditEventType.TRAINING_DATA_EXPORTED,
            target=course_row,
            actor=user,
            course_id=course_row.pk,
            details=details,
        )
    if not course_ids and user is not None:
        record(event_type=AuditEventType.TRAINING_DATA_EXPORTED, target=user, actor=user, details=details)
    return lines, summary
