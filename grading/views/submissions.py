"""Grading pages: the feedback page (student and teacher), teachers' actions, the review queue, the gradebook and
the audit page. Who may see and change what is the access module's rule, asked through the selectors."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotModified
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST, require_safe
from django_htmx.http import HttpResponseStopPolling

from tutor.classroom import access
from tutor.classroom import selectors as classroom
from tutor.classroom.access import Capability
from tutor.classroom.timezones import use_class_time_zone

from .. import feedback as feedback_views
from .. import policy, progress, scoring, selectors, services
from ..forms import (
    FinalAnswerOverrideForm,
    RegradeForm,
    RubricTickForm,
    ScoreOverrideForm,
    StepChoiceForm,
    StepOverrideForm,
)
from ..models import Step, Submission
from ..progress import poll_delay_ms, poll_etag
from ..services import grades
from ..tutoring import history as tutoring_history
from ..tutoring import panels
from . import coursework

TEMPLATE = "grading/submission_detail.html"


def _feedback_context(request: HttpRequest, submission: Submission, **extra: Any) -> dict[str, Any]:
    feedback = feedback_views.submission_feedback(submission=submission, viewer=request.user)
    problem = submission.problem
    use_class_time_zone(problem.assignment.course)
    context: dict[str, Any] = {
        "submission": submission,
        "feedback": feedback,
        "problem": problem,
        "assignment": problem.assignment,
        "course": problem.assignment.course,
        "poll_url": request.path,
        "poll_delay_ms": poll_delay_ms(
            selectors.PollState(
                submission.status, submission.grading_version, submission.retries, submission.status_changed_at, 0
            )
        ),
    }
    if feedback.viewer_can_grade:
        context.setdefault("score_form", ScoreOverrideForm(points=problem.points, initial={"score": submission.score}))
        context.setdefault("regrade_form", RegradeForm())
        context["final_answer_form"] = FinalAnswerOverrideForm(initial={"verdict": submission.final_answer_verdict})
        context["step_forms"] = {
            step.index: StepOverrideForm(step=step.index, initial={"step_index": step.index, "verdict": step.verdict})
            for step in feedback.steps
        }
        context["rubric"] = (
            scoring.rubric_states(grades.score_input(submission, list(submission.steps.order_by("index"))))
            if problem.scoring == "rubric"
            else ()
        )
    if submission.student_id == request.user.pk:
        context["decision"] = policy.submit_decision(problem=problem, student_id=submission.student_id)
    path = tutoring_history.attempt_history(student_id=submission.student_id, problem=problem)
    context["path"], context["history"], context["counted"] = path, path.rows, path.counted
    if feedback.is_final and (submission.student_id == request.user.pk or feedback.viewer_is_staff):
        context["panel"] = panels.hint_panel(problem=problem, submission=submission, viewer=request.user)
    context.update(coursework.regrade_context(request, submission, viewer_can_grade=feedback.viewer_can_grade))
    context.update(extra)
    return context


@require_safe
def submission_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One URL for the full page and the polled fragment; polling stops (HTTP 286) once grading is final.

    While grading runs, the fragment carries an ETag made of the submission's progress: the browser revalidates
    each poll (Cache-Control: no-cache) and, when nothing changed, gets a 304 with no page render. For the
    submission's own student that 304 is decided from the session and the progress cache alone (grading.progress),
    without a database query; a 304 tells nothing the ETag the browser sent did not already say. Anyone else, a
    cache miss, and every answer with content go through the full login and access checks.
    """
    if request.htmx:  # type: ignore[attr-defined]
        etag = progress.not_modified_etag(
            submission_id=pk,
            session_key=request.COOKIES.get(settings.SESSION_COOKIE_NAME, ""),
            if_none_match=request.headers.get("If-None-Match", ""),
        )
        if etag is not None:
            return _poll_headers(HttpResponseNotModified(), etag)
    return _submission_detail(request, pk)


@login_required
def _submission_detail(request: HttpRequest, pk: int) -> HttpResponse:
    etag = ""
    if request.htmx:  # type: ignore[attr-defined]
        state = selectors.submission_poll_state(user=request.user, pk=pk)
        if state is None:
            raise Http404("No such submission.")
        if not state.is_final:
            etag = poll_etag(state, request.user.pk)
            if etag in request.headers.get("If-None-Match", ""):
                return _poll_headers(HttpResponseNotModified(), etag)
    submission = selectors.submission_for_user(user=request.user, pk=pk)
    context = _feedback_context(request, submission)
    if request.htmx:  # type: ignore[attr-defined]
        context["just_finished"] = submission.is_final
        response = render(request, f"{TEMPLATE}#feedback", context)
        if submission.is_final:
            stop = HttpResponseStopPolling(response.content)
            stop["Content-Type"] = response["Content-Type"]
            return stop
        return _poll_headers(response, etag) if etag else response
    return render(request, TEMPLATE, context)


def _poll_headers(response: HttpResponse, etag: str) -> HttpResponse:
    response["ETag"] = etag
    # Revalidate on every poll; the fragment and the full page share the URL, so they are cached apart.
    response["Cache-Control"] = "private, no-cache"
    response["Vary"] = "HX-Request, Cookie"
    return response


def _teacher_action(
    request: HttpRequest,
    pk: int,
    act: Callable[[Submission, dict[str, Any]], str],
    *,
    form: Callable[[Submission], forms.Form] | None = None,
    invalid: str = "",
) -> HttpResponse:
    """The shape of every teacher action on a submission: 404 unless the user may grade it, validate the form,
    run the service, say what happened (or why not), back to the submission page. `act` returns the message."""
    submission = selectors.submission_for_grader(user=request.user, pk=pk)
    data: dict[str, Any] = {}
    if form is not None:
        bound = form(submission)
        if not bound.is_valid():
            errors = " ".join(str(e) for e in bound.non_field_errors())
            messages.error(request, errors or invalid)
            return redirect("submission_detail", pk=pk)
        data = bound.cleaned_data
    try:
        done = act(submission, data)
    except services.GradingError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, done)
    return redirect("submission_detail", pk=pk)


def _step(submission: Submission, index: int) -> Step:
    step = submission.steps.filter(index=index).first()
    if step is None:
        raise Http404("No such step.")
    return step


@login_required
@require_POST
def step_override(request: HttpRequest, pk: int) -> HttpResponse:
    def act(submission: Submission, data: dict[str, Any]) -> str:
        step = _step(submission, data["step_index"])
        services.step_override(step=step, actor=request.user, verdict=data["verdict"], reason=data["reason"])
        return f"Step {step.index + 1} is now marked {data['verdict']}."

    return _teacher_action(
        request, pk, act, form=lambda s: StepOverrideForm(request.POST), invalid="Choose a verdict and give a reason."
    )


@login_required
@require_POST
def step_override_clear(request: HttpRequest, pk: int) -> HttpResponse:
    def act(submission: Submission, data: dict[str, Any]) -> str:
        step = _step(submission, data["step_index"])
        services.step_override_clear(step=step, actor=request.user)
        return f"Step {step.index + 1} is back to the checker's verdict."

    return _teacher_action(request, pk, act, form=lambda s: StepChoiceForm(request.POST), invalid="Choose a step.")


@login_required
@require_POST
def final_answer_override(request: HttpRequest, pk: int) -> HttpResponse:
    def act(submission: Submission, data: dict[str, Any]) -> str:
        services.final_answer_override(
            submission=submission, actor=request.user, verdict=data["verdict"], reason=data["reason"]
        )
        return "Final-answer verdict changed."

    return _teacher_action(
        request,
        pk,
        act,
        form=lambda s: FinalAnswerOverrideForm(request.POST),
        invalid="Choose a verdict for the final answer and give a reason.",
    )


@login_required
@require_POST
def score_override(request: HttpRequest, pk: int) -> HttpResponse:
    def act(submission: Submission, data: dict[str, Any]) -> str:
        services.score_override(submission=submission, actor=request.user, score=data["score"], reason=data["reason"])
        return "Score changed."

    return _teacher_action(
        request,
        pk,
        act,
        form=lambda s: ScoreOverrideForm(request.POST, points=s.problem.points),
        invalid="Enter a score and a reason.",
    )


@login_required
@require_POST
def score_override_clear(request: HttpRequest, pk: int) -> HttpResponse:
    def act(submission: Submission, data: dict[str, Any]) -> str:
        services.score_override_clear(submission=submission, actor=request.user)
        return "The score is computed from the verdicts again."

    return _teacher_action(request, pk, act)


@login_required
@require_POST
def rubric_tick(request: HttpRequest, pk: int) -> HttpResponse:
    def act(submission: Submission, data: dict[str, Any]) -> str:
        services.rubric_tick(submission=submission, actor=request.user, item=data["item"], ticked=data["ticked"])
        return "Rubric updated."

    return _teacher_action(
        request, pk, act, form=lambda s: RubricTickForm(request.POST), invalid="Choose a rubric item."
    )


@login_required
@require_POST
def regrade(request: HttpRequest, pk: int) -> HttpResponse:
    def act(submission: Submission, data: dict[str, Any]) -> str:
        keep = RegradeForm.keeps(data)
        services.submission_regrade(
            submission=submission, actor=request.user, reason=data["reason"], keep_overrides=keep
        )
        return f"Regrading started. {'Your decisions are kept.' if keep else 'Your decisions were dropped.'}"

    return _teacher_action(
        request, pk, act, form=lambda s: RegradeForm(request.POST), invalid="Check the regrade options."
    )


@login_required
@require_POST
def review_accept(request: HttpRequest, pk: int) -> HttpResponse:
    def act(submission: Submission, data: dict[str, Any]) -> str:
        services.review_accept(submission=submission, actor=request.user)
        return "Grade confirmed."

    return _teacher_action(request, pk, act)


@login_required
@require_safe
def review_queue(request: HttpRequest) -> HttpResponse:
    if not access.teaches_anywhere(request.user):
        raise Http404("No such page.")  # students have no review queue
    requests = list(selectors.open_regrade_requests(user=request.user))
    context = {
        "submissions": selectors.review_queue(user=request.user),
        "regrade_requests": requests,
        "answer_forms": coursework.answer_forms(requests),
    }
    return render(request, "grading/review_queue.html", context)


@login_required
@require_safe
def gradebook(request: HttpRequest, pk: int) -> HttpResponse:
    assignment, _ = classroom.assignment_get(user=request.user, assignment_id=pk, capability=Capability.VIEW_STAFF)
    use_class_time_zone(assignment.course)
    problems, rows = selectors.gradebook(assignment=assignment)
    return render(
        request,
        "grading/gradebook.html",
        {"assignment": assignment, "course": assignment.course, "problems": problems, "rows": rows},
    )


@login_required
@require_safe
def submission_audit(request: HttpRequest, pk: int) -> HttpResponse:
    """The full story of a grade: every run (model, prompt, raw output, tokens, latency) and every event."""
    submission = selectors.submission_for_user(user=request.user, pk=pk)
    access.access_or_404(request.user, submission.problem.assignment.course_id, Capability.VIEW_STAFF)
    return render(
        request,
        "grading/submission_audit.html",
        {
            "submission": submission,
            "runs": selectors.runs(submission=submission),
            "events": selectors.audit_events(submission=submission),
            "overrides": selectors.overrides(submission=submission),
            "steps": submission.steps.order_by("index"),
            # Hints asked for on this attempt, each with its language-model runs (recorded like verification runs).
            "hints": submission.hints.prefetch_related("runs").order_by("created_at", "id"),
        },
    )
