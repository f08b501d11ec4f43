"""Small includes for other apps' templates: the Write mode on the problem page, the ink next to a submission."""

from __future__ import annotations

from typing import Any

from django import template

from grading.models import Submission
from grading.selectors import Feedback

from .. import selectors

register = template.Library()


@register.inclusion_tag("handwriting/_write_mode.html", takes_context=True)
def handwriting_write_mode(context: template.Context) -> dict[str, Any]:
    problem = context["problem"]
    attempts = list(context.get("attempts") or ())
    can_submit = not context.get("is_staff") and not context.get("closed") and (context.get("attempts_left") or 0) > 0
    return {
        "problem": problem,
        "enabled": selectors.recognition_enabled(),
        "can_submit": can_submit,
        "attempt_number": len(attempts) + 1,
        "max_attempts": problem.assignment.max_attempts,
        "limits": selectors.write_mode_settings(),
        "csrf_token": context.get("csrf_token"),
    }


@register.inclusion_tag("handwriting/_submission_ink.html")
def handwriting_ink(submission: Submission, feedback: Feedback | None = None) -> dict[str, Any]:
    return {
        "lines": selectors.submission_ink(submission=submission, feedback=feedback),
        "staff": bool(feedback and feedback.viewer_is_staff),
        "final": bool(feedback and feedback.is_final),
    }


@register.inclusion_tag("handwriting/_audit_ink.html")
def handwriting_audit(submission: Submission) -> dict[str, Any]:
    return {"lines": selectors.submission_ink(submission=submission)}
