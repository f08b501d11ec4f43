"""Writes for handwritten solutions: asking for a line to be read, reading it (in the ocr worker), and submitting.

A reading is asked for on every pause in writing. The request path is bounded: the ink is validated and stored,
the task is queued after commit with the row's deadline as its expiry, and the page polls the row. Whatever
happens in the worker, the student hears within HANDWRITING_DEADLINE_SECONDS either the reading or "type it".
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from grading.models import Submission
from grading.services import submission_create
from tutor.audit.events import AuditEventType
from tutor.audit.services import record
from tutor.classroom.models import Problem
from verifier_worker.handwriting.recognition import (
    RecogniserUnavailable,
    RecognitionFailed,
    get_recogniser,
)
from verifier_worker.handwriting.strokes import StrokePayloadError, parse_line, validate_line

from .models import HandwrittenLine, LineRecognition
from .selectors import recognition_enabled

logger = logging.getLogger(__name__)

Status = LineRecognition.Status
ACTIVE = (Status.PENDING, Status.RUNNING)
COULD_NOT_READ = "Couldn't recognise this line; type it in the box instead."


class HandwritingError(Exception):
    """A request was refused. `message` is shown to the student as is; `status` is the HTTP status to answer."""

    def __init__(self, message: str, code: str, status: int = 400) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.status = status


@dataclass(frozen=True)
class ConfirmedLine:
    """A line the student confirmed: the text to check and, when it was written, the reading it came from."""

    text: str
    recognition_id: int | None = None


# --- Reading a line --------------------------------------------------------------------------------------------


def _enqueue(recognition: LineRecognition) -> None:
    from .tasks import OCR_QUEUE, recognise_line_task

    try:
        # A task still queued at the deadline is dropped by the worker unread: the student has been told to type.
        recognise_line_task.apply_async(
            (recognition.pk,),
            queue=OCR_QUEUE,
            expires=recognition.deadline,
            # A broker that is down must not hold the student's request: a second of retries at most.
            retry=True,
            retry_policy={"max_retries": 2, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.5},
        )
    except Exception:  # the broker is down: the deadline passes and the page says to type the line
        logger.exception("Could not queue the reading of line recognition %s", recognition.pk)


def _trim_drafts(student: AbstractBaseUser) -> None:
    keep = settings.HANDWRITING_MAX_DRAFTS
    drafts = LineRecognition.objects.filter(student_id=student.pk, submission__isnull=True)
    stale = list(drafts.order_by("-created_at", "-id").values_list("pk", flat=True)[keep:])
    if stale:
        LineRecognition.objects.filter(pk__in=stale, lines__isnull=True).delete()


@transaction.atomic
def recognition_request(*, student: AbstractBaseUser, problem: Problem, payload: bytes | str) -> LineRecognition:
    """Store one line's ink and queue its reading. The same ink read before is answered from that reading."""
    if not recognition_enabled():
        raise HandwritingError(
            "Handwriting recognition is not installed on this server. Type your solution instead.", "disabled", 503
        )
    try:
        line = parse_line(payload)
    except StrokePayloadError as exc:
        raise HandwritingError(exc.message, exc.code) from exc
    digest = line.digest()
    recogniser = settings.HANDWRITING_RECOGNISER
    seen = (
        LineRecognition.objects.filter(
            student_id=student.pk, problem=problem, ink_sha256=digest, recogniser=recogniser, status=Status.DONE
        )
        .order_by("-created_at")
        .first()
    )
    if seen is not None:
        return seen
    now = timezone.now()
    waiting = LineRecognition.objects.filter(student_id=student.pk, status__in=ACTIVE, deadline__gt=now).count()
    if waiting >= settings.HANDWRITING_MAX_PENDING:
        raise HandwritingError(
            f"{waiting} of your lines are still being read; wait a moment and write on.", "busy", status=429
        )
    recognition = LineRecognition.objects.create(
        student_id=student.pk,
        problem=problem,
        strokes=line.to_json(),
        stroke_count=len(line.strokes),
        point_count=line.point_count,
        ink_sha256=digest,
        recogniser=recogniser,
        deadline=now + timedelta(seconds=settings.HANDWRITING_DEADLINE_SECONDS),
    )
    _trim_drafts(student)
    transaction.on_commit(lambda: _enqueue(recognition))
    return recognition


def _claim(recognition_id: int) -> LineRecognition | None:
    with transaction.atomic():
        row = LineRecognition.objects.select_for_update().filter(pk=recognition_id).first()
        if row is None or row.status != Status.PENDING:
            return None  # deleted, or already taken by another delivery: nothing to do
        if timezone.now() >= row.deadline:
            row.status = Status.EXPIRED
            row.error = "The deadline passed before a worker took the line."
            row.finished_at = timezone.now()
            row.save(update_fields=["status", "error", "finished_at"])
            return None
        row.status = Status.RUNNING
        row.save(update_fields=["status"])
        return row


def _finish(recognition_id: int, **fields: Any) -> LineRecognition | None:
    with transaction.atomic():
        row = LineRecognition.objects.select_for_update().filter(pk=recognition_id).first()
        if row is None or row.status != Status.RUNNING:
            return row
        for name, value in fields.items():
            setattr(row, name, value)
        row.finished_at = timezone.now()
        row.save()
        return row


def recognition_run(*, recognition_id: int) -> LineRecognition | None:
    """Read one line (the ocr worker calls this). Idempotent: only a pending row before its deadline is read.

    No transaction is held while the model runs; the row is claimed (`running`) first and finished after.
    """
    row = _claim(recognition_id)
    if row is None:
        return None
    try:
        recognition = get_recogniser(row.recogniser).recognise(validate_line(row.strokes))
    except RecognitionFailed as exc:
        return _finish(recognition_id, status=Status.FAILED, error=f"Nothing recognised: {exc}")
    except RecogniserUnavailable as exc:
        logger.error("The %s recogniser is unavailable: %s", row.recogniser, exc)
        return _finish(recognition_id, status=Status.FAILED, error=f"Recogniser unavailable: {exc}")
    except Exception as exc:  # a model error (or the soft time limit) must end as a failed row, not a stuck one
        logger.exception("Reading line recognition %s failed", recognition_id)
        return _finish(recognition_id, status=Status.FAILED, error=f"{type(exc).__name__}: {exc}"[:2000])
    best = recognition.best
    return _finish(
        recognition_id,
        status=Status.DONE,
        latex=best.latex,
        text=best.text,
        confidence=best.confidence,
        alternatives=[{"latex": r.latex, "text": r.text, "confidence": r.confidence} for r in recognition.alternatives],
        model_id=recognition.model,
        model_version=recognition.model_version,
        parameters=recognition.parameters,
        latency_ms=recognition.latency_ms,
    )


# --- Submitting ------------------------------------------------------------------------------------------------


def _choice(text: str, row: LineRecognition | None) -> tuple[str, int | None]:
    """Which reading the student kept, decided here from the text, not taken from the page."""
    if row is not None and row.status == Status.DONE:
        if text == row.text:
            return HandwrittenLine.Choice.RECOGNISED, None
        for index, alternative in enumerate(row.alternatives or []):
            if isinstance(alternative, dict) and text == alternative.get("text"):
                return HandwrittenLine.Choice.ALTERNATIVE, index
    return HandwrittenLine.Choice.TYPED, None


@transaction.atomic
def handwritten_submission_create(
    *, student: AbstractBaseUser, problem: Problem, lines: list[ConfirmedLine]
) -> Submission:
    """Submit confirmed lines as one step per line, through grading's own submission service, and keep the ink
    and the readings with the submission in the same transaction."""
    limit = settings.HANDWRITING_MAX_LINES
    if not lines:
        raise HandwritingError("There are no confirmed lines to submit.", "empty")
    if len(lines) > limit:
        raise HandwritingError(f"A handwritten solution has at most {limit} lines; this one has {len(lines)}.", "long")
    texts: list[str] = []
    for number, line in enumerate(lines, start=1):
        text = " ".join(line.text.split())
        if not text:
            raise HandwritingError(f"Line {number} is empty: write or type it, or remove it.", "empty_line")
        texts.append(text)
    ids = [line.recognition_id for line in lines if line.recognition_id is not None]
    if len(set(ids)) != len(ids):
        raise HandwritingError("Two lines share the same handwriting; write each line on its own.", "duplicate")
    rows = {
        row.pk: row
        for row in LineRecognition.objects.select_for_update().filter(
            pk__in=ids, student_id=student.pk, problem=problem, submission__isnull=True
        )
    }
    for number, line in enumerate(lines, start=1):
        if line.recognition_id is not None and line.recognition_id not in rows:
            raise HandwritingError(
                f"The handwriting of line {number} was not found (it may be from another attempt); write it again.",
                "unknown_ink",
            )
    submission = submission_create(student=student, problem=problem, text="\n".join(texts))
    offset = 0
    counts = {choice: 0 for choice in HandwrittenLine.Choice.values}
    for index, (line, text) in enumerate(zip(lines, texts, strict=True)):
        row = rows.get(line.recognition_id) if line.recognition_id is not None else None
        choice, alternative_index = _choice(text, row)
        counts[choice] += 1
        HandwrittenLine.objects.create(
            submission=submission,
            index=index,
            recognition=row,
            text=text,
            choice=choice,
            alternative_index=alternative_index,
            char_start=offset,
            char_end=offset + len(text),
        )
        offset += len(text) + 1
    LineRecognition.objects.filter(pk__in=list(rows)).update(submission=submission)
    record(
        event_type=AuditEventType.SUBMISSION_HANDWRITING_ATTACHED,
        target=submission,
        actor=student,
        course_id=problem.assignment.course_id,
        details={"lines": len(lines), "written": len(rows), **counts, "recognition_ids": sorted(rows)},
    )
    return submission


@transaction.atomic
def recognition_prune(*, older_than: timedelta = timedelta(days=1)) -> int:
    """Delete readings that never became part of a submission."""
    cutoff = timezone.now() - older_than
    deleted, _ = LineRecognition.objects.filter(
        submission__isnull=True, lines__isnull=True, created_at__lt=cutoff
    ).delete()
    return deleted
