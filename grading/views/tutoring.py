"""Tutoring pages: asking for a hint (on a graded attempt, or on the problem page before the first attempt), the
hint panel polled while a language model writes one, and "fix from step k" (the editor with the verified steps
locked). Views parse input, call a service or selector, render; htmx gets the partials, everyone else a page."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from tutor.classroom import selectors as classroom
from tutor.classroom.models import Problem
from tutor.classroom.timezones import use_class_time_zone
from verifier_worker import segmentation

from .. import policy, selectors, services
from ..forms import SolutionForm
from ..models import Submission
from ..services.fixing import fix_start, locked_prefix
from ..tutoring import panels

HINTS_PARTIAL = "grading/_hints.html"


def _panel(request: HttpRequest, problem: Problem, submission: Submission | None, **extra: Any) -> HttpResponse:
    context = {"panel": panels.hint_panel(problem=problem, submission=submission, viewer=request.user), **extra}
    return render(request, HINTS_PARTIAL, context)


@login_required
@require_POST
def submission_hint(request: HttpRequest, pk: int) -> HttpResponse:
    submission = selectors.submission_for_user(user=request.user, pk=pk)
    error = ""
    try:
        services.hint_request(student=request.user, problem=submission.problem, submission=submission)  # type: ignore[arg-type]
    except services.HintError as exc:
        error = exc.message
    if getattr(request, "htmx", False):
        return _panel(request, submission.problem, submission, hint_error=error, new_hint=not error)
    if error:
        messages.error(request, error)
    return redirect(reverse("submission_detail", args=[submission.pk]) + "#hints")


@login_required
@require_safe
def submission_hints(request: HttpRequest, pk: int) -> HttpResponse:
    """The hint panel on its own: htmx polls it while a hint is being written."""
    submission = selectors.submission_for_user(user=request.user, pk=pk)
    return _panel(request, submission.problem, submission)


@login_required
@require_POST
def problem_hint(request: HttpRequest, pk: int) -> HttpResponse:
    problem, access = classroom.problem_get(user=request.user, problem_id=pk)
    if not access.is_student:
        raise Http404("No such page.")
    error = ""
    try:
        services.hint_request(student=request.user, problem=problem)  # type: ignore[arg-type]
    except services.HintError as exc:
        error = exc.message
    if getattr(request, "htmx", False):
        return _panel(request, problem, None, hint_error=error, new_hint=not error)
    if error:
        messages.error(request, error)
    return redirect(reverse("problem_detail", args=[problem.pk]) + "#hints")


@login_required
@require_safe
def problem_hints(request: HttpRequest, pk: int) -> HttpResponse:
    problem, _access = classroom.problem_get(user=request.user, problem_id=pk)
    return _panel(request, problem, None)


# --- Fix from step k -----------------------------------------------------------------------------------------


class NothingToFix(Exception):
    def __init__(self, submission: Submission) -> None:
        self.submission = submission


def _own_fixable(request: HttpRequest, pk: int) -> tuple[Submission, list[Any], int]:
    """The student's own attempt, its steps and where a fix starts; someone else's is a 404."""
    submission = selectors.submission_for_user(user=request.user, pk=pk)
    if submission.student_id != request.user.pk:
        raise Http404("No such page.")
    steps = list(submission.steps.order_by("index"))
    start = fix_start(submission, steps)
    if start is None:
        raise NothingToFix(submission)
    return submission, steps, start


def _nothing_to_fix(request: HttpRequest, submission: Submission) -> HttpResponse:
    messages.info(
        request, _("This attempt has nothing to fix: every step is checked and right, or it is not graded yet.")
    )
    return redirect("submission_detail", pk=submission.pk)


def _fix_context(
    request: HttpRequest, submission: Submission, steps: list[Any], start: int, form: SolutionForm, text: str
) -> dict[str, Any]:
    problem = submission.problem
    use_class_time_zone(problem.assignment.course)
    kept = locked_prefix(submission, steps, start)
    combined = kept + text.strip("\n")
    return {
        "submission": submission,
        "problem": problem,
        "assignment": problem.assignment,
        "course": problem.assignment.course,
        "start": start,
        "kept": steps[: start - 1],
        "form": form,
        "decision": policy.submit_decision(problem=problem, student_id=submission.student_id),
        "segmentation": segmentation.split(combined) if text.strip() else None,
        "locked": start - 1,
        "preview_error": "",
    }


def _fix_form(submission: Submission, data: Any = None, initial: str = "") -> SolutionForm:
    preview = reverse("submission_fix_preview", args=[submission.pk])
    if data is not None:
        form = SolutionForm(data, preview_url=preview)
    else:
        form = SolutionForm(initial={"text": initial}, preview_url=preview)
    form.fields["text"].label = _("Your steps from here on")
    return form


@login_required
@require_safe
def submission_fix(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        submission, steps, start = _own_fixable(request, pk)
    except NothingToFix as nothing:
        return _nothing_to_fix(request, nothing.submission)
    rest = submission.text[steps[start - 1].char_start :] if start <= len(steps) else ""
    form = _fix_form(submission, initial=rest)
    context = _fix_context(request, submission, steps, start, form, rest)
    return render(request, "grading/submission_fix.html", context)


@login_required
@require_POST
def submission_fix_preview(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        submission, steps, start = _own_fixable(request, pk)
    except NothingToFix as nothing:
        return _nothing_to_fix(request, nothing.submission)
    text = request.POST.get("text", "").replace("\r\n", "\n")
    context = _fix_context(request, submission, steps, start, _fix_form(submission, initial=text), text)
    if getattr(request, "htmx", False):
        return render(request, "grading/_fix_preview.html", context)
    return render(request, "grading/submission_fix.html", context)


@login_required
@require_POST
def submission_fix_submit(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        submission, steps, start = _own_fixable(request, pk)
    except NothingToFix as nothing:
        return _nothing_to_fix(request, nothing.submission)
    form = _fix_form(submission, request.POST)
    if form.is_valid():
        try:
            new = services.fix_submit(
                student=request.user,  # type: ignore[arg-type]
                submission=submission,
                start=start,
                text=form.cleaned_data["text"],
            )
        except services.GradingError as exc:
            form.add_error(None, exc.message)
        else:
            return redirect("submission_detail", pk=new.pk)
    text = request.POST.get("text", "").replace("\r\n", "\n")
    context = _fix_context(request, submission, steps, start, form, text)
    return render(request, "grading/submission_fix.html", context, status=400)
