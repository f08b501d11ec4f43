from __future__ import annotations

from datetime import timedelta

from django import template
from django.utils.safestring import SafeString, mark_safe

from .. import backends
from ..models import Problem
from ..rendering import render_markdown_cached, render_text_with_math

register = template.Library()


@register.filter(name="markdown")
def markdown_filter(text: str) -> SafeString:
    # render_markdown sanitizes with nh3, so the result is safe to mark. Rendered once per distinct text.
    return mark_safe(render_markdown_cached(text or ""))  # noqa: S308


@register.filter
def step_text(text: str) -> SafeString:
    """A step as the student typed it: escaped, line breaks kept, math for KaTeX, prices left as prices."""
    return mark_safe(render_text_with_math(text or "").replace("\n", "<br>"))  # noqa: S308 - escaped


@register.filter
def problem_label(problem: Problem) -> str:
    """'2. Sale price', or 'Problem 2' when the problem has no title."""
    return f"{problem.position}. {problem.title}" if problem.title else f"Problem {problem.position}"


@register.filter
def backend_label(name: str) -> str:
    return backends.label(name)


@register.filter
def in_minutes(duration: timedelta) -> str:
    """'15 minutes' (rounded up; '1 minute')."""
    minutes = max(1, -(-int(duration.total_seconds()) // 60))
    return f"{minutes} minute{'s' if minutes != 1 else ''}"
