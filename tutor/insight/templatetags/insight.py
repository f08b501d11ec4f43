"""Small display helpers for the insight templates."""

from __future__ import annotations

from django import template
from django.urls import NoReverseMatch, reverse

from tutor.audit.models import AuditEvent

register = template.Library()

# Where an audit event's target has a page: target_type -> URL name taking the target's id.
TARGET_PAGES = {
    "grading.submission": "insight:submission",
    "classroom.course": "course_detail",
    "classroom.assignment": "assignment_detail",
    "classroom.problem": "problem_detail",
}


@register.filter
def pct(value: float | None) -> str:
    """12.5 -> "12.5%"; None (nothing to divide by) -> "—"."""
    return "—" if value is None else f"{value:g}%"


@register.filter
def conf(value: float | None) -> str:
    return "—" if value is None else f"{value:.2f}"


@register.filter
def step_number(index: int | None) -> str:
    """0-based step index -> "step 1"; None -> "no error"."""
    return "no error" if index is None else f"step {index + 1}"


@register.filter
def target_url(event: AuditEvent) -> str:
    name = TARGET_PAGES.get(event.target_type)
    if name is None or not event.target_id.isdigit():
        return ""
    try:
        return reverse(name, args=[int(event.target_id)])
    except NoReverseMatch:
        return ""
