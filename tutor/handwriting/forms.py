"""Parsing the handwritten submit: the confirmed lines arrive as one JSON field, bounded before it is read."""

from __future__ import annotations

import json

from django.conf import settings

from .services import ConfirmedLine, HandwritingError

MAX_LINES_BYTES = 256 * 1024


def parse_confirmed_lines(raw: str) -> list[ConfirmedLine]:
    """`[{"text": "2x = 6", "recognition": 12}, {"text": "x = 3", "recognition": null}, ...]`"""
    if len(raw) > MAX_LINES_BYTES:
        raise HandwritingError("The solution is too large to submit.", "too_large")
    try:
        data = json.loads(raw or "[]")
    except (ValueError, RecursionError) as exc:
        raise HandwritingError("The confirmed lines could not be read; reload the page.", "malformed") from exc
    if not isinstance(data, list):
        raise HandwritingError("The confirmed lines could not be read; reload the page.", "malformed")
    if len(data) > settings.HANDWRITING_MAX_LINES:
        raise HandwritingError(
            f"A handwritten solution has at most {settings.HANDWRITING_MAX_LINES} lines; this one has {len(data)}.",
            "long",
        )
    lines = []
    for number, item in enumerate(data, start=1):
        if not isinstance(item, dict) or not isinstance(item.get("text"), str):
            raise HandwritingError(f"Line {number} could not be read; reload the page.", "malformed")
        recognition = item.get("recognition")
        if recognition is not None and (isinstance(recognition, bool) or not isinstance(recognition, int)):
            raise HandwritingError(f"Line {number} could not be read; reload the page.", "malformed")
        lines.append(ConfirmedLine(text=item["text"], recognition_id=recognition))
    return lines
