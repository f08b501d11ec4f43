"""Reads for the Write mode and for the handwriting shown next to a submission's steps."""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.http import Http404
from django.utils import timezone

from grading.feedback import Feedback, StepView
from grading.models import Step, Submission
from verifier_worker.handwriting.strokes import DEFAULT_LIMITS, StrokeLine, svg_paths, validate_line

from .models import HandwrittenLine, LineRecognition


@lru_cache(maxsize=1)
def _mathnote_installed() -> bool:
    # find_spec locates the package without importing it (nor torch).
    return importlib.util.find_spec("mathnote_ocr") is not None


def recognition_enabled() -> bool:
    mode = str(settings.HANDWRITING_RECOGNITION).strip().lower()
    if mode in {"on", "1", "true", "yes"}:
        return True
    if mode in {"off", "0", "false", "no"}:
        return False
    return _mathnote_installed()


def write_mode_settings() -> dict[str, Any]:
    """The bounds the page enforces as the student writes (the server enforces them again)."""
    return {
        "max_strokes": DEFAULT_LIMITS.max_strokes,
        "max_points_per_stroke": DEFAULT_LIMITS.max_points_per_stroke,
        "max_points": DEFAULT_LIMITS.max_points,
        "max_lines": settings.HANDWRITING_MAX_LINES,
        "deadline_ms": int(settings.HANDWRITING_DEADLINE_SECONDS * 1000),
        "confirm_below": settings.HANDWRITING_CONFIRM_BELOW,
    }


def recognition_for_student(*, user: AbstractBaseUser, recognition_id: int) -> LineRecognition:
    row = LineRecognition.objects.filter(pk=recognition_id, student_id=user.pk).first()
    if row is None:
        raise Http404("No such line.")
    return row


def recognition_state(row: LineRecognition) -> dict[str, Any]:
    """What the page needs to know about a reading: `pending`, `done` (with readings) or `failed` (type it).

    A row still waiting at its deadline reads as failed: the answer to the student is bounded in time even if no
    worker ever takes the line.
    """
    from .services import COULD_NOT_READ

    state: dict[str, Any] = {"id": row.pk, "status": row.status}
    if row.status == LineRecognition.Status.DONE:
        state.update(
            latex=row.latex,
            text=row.text,
            confidence=row.confidence,
            alternatives=[{"text": a.get("text", ""), "confidence": a.get("confidence")} for a in row.alternatives],
            sure=(row.confidence or 0) >= settings.HANDWRITING_CONFIRM_BELOW,
        )
    elif (
        row.status in (LineRecognition.Status.FAILED, LineRecognition.Status.EXPIRED) or timezone.now() >= row.deadline
    ):
        state.update(status="failed", message=COULD_NOT_READ)
    else:
        state["status"] = "pending"
        state["retry_ms"] = max(0, int((row.deadline - timezone.now()).total_seconds() * 1000))
    return state


# --- Next to a submission ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class InkLine:
    number: int
    text: str
    choice: str
    choice_label: str
    alternative_index: int | None
    width: float
    height: float
    paths: tuple[str, ...]
    recognition: LineRecognition | None
    step: StepView | None

    @property
    def has_ink(self) -> bool:
        return bool(self.paths)

    @property
    def confidence_percent(self) -> int | None:
        if self.recognition is None or self.recognition.confidence is None:
            return None
        return round(self.recognition.confidence * 100)


def _ink(row: LineRecognition | None) -> StrokeLine | None:
    if row is None:
        return None
    try:
        return validate_line(row.strokes)
    except ValueError:  # stored ink was validated on the way in; never fail a page over it
        return None


def submission_ink(*, submission: Submission, feedback: Feedback | None = None) -> list[InkLine]:
    """The submission's handwritten lines, each with its ink and the step it became (by character offsets)."""
    lines = list(HandwrittenLine.objects.filter(submission=submission).select_related("recognition"))
    if not lines:
        return []
    views = {step.index: step for step in (feedback.steps if feedback is not None else ())}
    spans = list(Step.objects.filter(submission=submission).values_list("index", "char_start", "char_end"))
    result = []
    for line in lines:
        step_index = next((i for i, start, end in spans if start <= line.char_end and line.char_start < end), None)
        ink = _ink(line.recognition)
        result.append(
            InkLine(
                number=line.index + 1,
                text=line.text,
                choice=line.choice,
                choice_label=line.get_choice_display(),
                alternative_index=line.alternative_index,
                width=ink.width if ink else 0,
                height=ink.height if ink else 0,
                paths=tuple(svg_paths(ink)) if ink else (),
                recognition=line.recognition,
                step=views.get(step_index) if step_index is not None else None,
            )
        )
    return result
