"""What the hint panel shows: the hints so far (with, for teachers, the level asked for, the level shown and what
the no-leak filter refused), and whether the viewer may ask for the next one. Only reads."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from tutor.classroom import access
from tutor.classroom.access import AnyUser
from tutor.classroom.models import Problem

from ..models import Hint, Submission
from .policy import hint_decision


def hint_panel(*, problem: Problem, submission: Submission | None, viewer: AnyUser) -> dict[str, Any]:
    viewer_access = access.course_access(viewer, problem.assignment.course_id)
    staff = viewer_access.sees_staff_pages
    if submission is not None:
        owner = submission.student_id == viewer.pk
        hints = list(submission.hints.order_by("created_at", "id"))
        hint_url = reverse("submission_hint", args=[submission.pk])
        panel_url = reverse("submission_hints", args=[submission.pk])
    else:
        owner = viewer_access.is_student
        hints = list(
            Hint.objects.filter(problem=problem, student_id=viewer.pk, submission=None).order_by("created_at", "id")
        )
        hint_url = reverse("problem_hint", args=[problem.pk])
        panel_url = reverse("problem_hints", args=[problem.pk])
    decision = (
        hint_decision(problem=problem, student_id=int(viewer.pk), submission=submission)
        if owner and viewer.pk is not None
        else None
    )
    pending = [h for h in hints if h.status == Hint.Status.PENDING]
    patience = getattr(settings, "HINT_PATIENCE_SECONDS", 20)
    # Nothing to show: no hints yet and none to ask for (a right attempt, hints off, still grading).
    quiet = ("nothing_to_hint", "not_graded", "never", "not_yet")
    show = bool(hints) or (decision is not None and decision.code not in quiet)
    return {
        "show": show,
        "problem": problem,
        "submission": submission,
        "hints": hints,
        "decision": decision,
        "owner": owner,
        "viewer_is_staff": staff,
        "hint_url": hint_url,
        "panel_url": panel_url,
        "pending": bool(pending),
        "slow": any((timezone.now() - h.created_at).total_seconds() > patience for h in pending),
        "newest_id": hints[-1].pk if hints else None,
    }
