"""Small includes for other apps' templates: the Write mode on the problem page, the ink next to a submission."""

from __future__ import annotations

from typing import Any

from django import template

from grading.feedback import Feedback
from grading.models import Submission

from .. import selectors

register = template.Library()


@register.inclusion_tag("handwriting/_write_mode.html", takes_context=True)
def handwriting_write_mode(context: template.Context) -> dict[str, Any]:
    problem = context["problem"]
    decision = context.get("decision")
    return {
        "problem": problem,
        "enabled": selectors.recognition_enabled(),
        # The problem page's own answer to "may this student submit now" (grading.policy), not a second rule.
        "can_submit": bool(context.get("may_submit")),
        "attempt_number": getattr(decision, "next_attempt", None),
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
