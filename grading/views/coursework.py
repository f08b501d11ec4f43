"""Running a term: per-student exceptions, regrade requests (students ask, teachers answer), bulk regrades with
their progress, the class gradebook, and the CSV exports. Who may do what is the access module's rule, asked
through the selectors (404) and the services (their error, shown as a message)."""

from __future__ import annotations

from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods, require_POST, require_safe
from django_htmx.http import HttpResponseStopPolling

from tutor.classroom import selectors as classroom
from tutor.classroom import timezones
from tutor.classroom.access import Capability
from tutor.classroom.models import Assignment

from .. import exports, selectors, services
from ..forms import BulkRegradeForm, RegradeAnswerForm, RegradeRequestForm, StudentExceptionForm
from ..models import RegradeRequest, RegradeRun, StudentException, Submission


class AuthedRequest(HttpRequest):
    user: User


def _back(request: HttpRequest, default: str) -> HttpResponse:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return redirect(target)
    return redirect(default)


# --- Exceptions ---------------------------------------------------------------------------------------------


@login_required
@require_POST
def exception_save(request: AuthedRequest, pk: int) -> HttpResponse:
    assignment, _ = classroom.assignment_get(user=request.user, assignment_id=pk, capability=Capability.ACCOMMODATE)
    back = reverse("assignment_detail", args=[pk]) + "#exceptions"
    with timezone.override(timezones.zone_of(assignment.course)):
        form = StudentExceptionForm(request.POST, students=selectors.student_choices(course_id=assignment.course_id))
        if not form.is_valid():
            errors = "; ".join(
                f"{form.fields[name].label if name in form.fields else 'Exception'}: {' '.join(map(str, e))}"
                for name, e in form.errors.items()
            )
            messages.error(request, f"Check the exception: {errors}")
            return redirect(back)
        student = get_object_or_404(User, pk=form.cleaned_data["student"])
        try:
            services.student_exception_set(
                actor=request.user,
                assignment=assignment,
                student=student,
                due_at=form.cleaned_data["due_at"],
                extra_attempts=form.cleaned_data["extra_attempts"],
                extra_time_percent=form.cleaned_data["extra_time_percent"],
                reason=form.cleaned_data["reason"],
            )
        except services.GradingError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, f"Saved the exception for {student.get_full_name() or student.username}.")
    return redirect(back)


@login_required
@require_POST
def exception_clear(request: AuthedRequest, pk: int) -> HttpResponse:
    exception = get_object_or_404(StudentException.objects.select_related("student"), pk=pk)
    classroom.assignment_get(
        user=request.user, assignment_id=exception.assignment_id, capability=Capability.ACCOMMODATE
    )
    try:
        services.student_exception_clear(actor=request.user, exception=exception)
    except services.GradingError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request, f"Removed the exception for {exception.student.get_full_name() or exception.student.username}."
        )
    return redirect(reverse("assignment_detail", args=[exception.assignment_id]) + "#exceptions")


# --- Regrade requests -------------------------------------------------------------------------------------------


@login_required
@require_POST
def regrade_request_create(request: AuthedRequest, pk: int) -> HttpResponse:
    submission = selectors.submission_for_user(user=request.user, pk=pk)
    if submission.student_id != request.user.pk:
        raise Http404("No such submission.")
    steps = list(submission.steps.order_by("index").values_list("index", "text"))
    form = RegradeRequestForm(request.POST, steps=steps)
    back = reverse("submission_detail", args=[pk]) + "#regrade"
    if not form.is_valid():
        messages.error(request, "Choose what to look at again and say why (at most 1,000 characters).")
        return redirect(back)
    try:
        services.regrade_request_create(
            student=request.user,
            submission=submission,
            message=form.cleaned_data["message"],
            step_index=form.step_index,
        )
    except services.GradingError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "Your regrade request is sent. Your teacher's answer will appear here.")
    return redirect(back)


@login_required
@require_POST
def regrade_request_answer(request: AuthedRequest, pk: int) -> HttpResponse:
    regrade = get_object_or_404(RegradeRequest, pk=pk)
    submission = selectors.submission_for_grader(user=request.user, pk=regrade.submission_id)
    form = RegradeAnswerForm(
        request.POST, request_id=regrade.pk, points=submission.problem.points, has_step=regrade.step_index is not None
    )
    default = reverse("submission_detail", args=[submission.pk]) + "#regrade"
    if not form.is_valid():
        errors = "; ".join(" ".join(map(str, e)) for e in form.errors.values())
        messages.error(request, f"Check your answer: {errors}")
        return _back(request, default)
    try:
        services.regrade_request_answer(
            regrade_request=regrade,
            actor=request.user,
            accept=form.accepted,
            reply=form.cleaned_data["reply"],
            verdict=form.cleaned_data.get("verdict", "") or "",
            score=form.cleaned_data.get("score"),
        )
    except services.GradingError as exc:
        messages.error(request, exc.message)
    else:
        name = submission.student.get_full_name() or submission.student.username
        messages.success(request, f"Answered {name}'s regrade request ({'accepted' if form.accepted else 'declined'}).")
    return _back(request, default)


def regrade_context(request: HttpRequest, submission: Submission, *, viewer_can_grade: bool) -> dict[str, object]:
    """What the submission page needs for regrade requests: the requests, the student's form (when they may ask
    now) or why not, and the answer forms for a grader."""
    if not submission.is_final:
        return {}
    requests = selectors.regrade_requests(submission=submission)
    context: dict[str, object] = {"regrade_requests": requests}
    if submission.student_id == request.user.pk:
        refusal = services.may_request_regrade(submission)
        if refusal:
            # An open request already says it is waiting; other refusals (the limit, a pending grade) are news.
            if not any(r.is_open for r in requests):
                context["regrade_refusal"] = refusal
        else:
            steps = list(submission.steps.order_by("index").values_list("index", "text"))
            # Most requests are about the step marked wrong: start there.
            first = submission.first_error_index
            initial = {"step": str(first)} if first is not None else {}
            context["regrade_form"] = RegradeRequestForm(steps=steps, initial=initial)
    if viewer_can_grade:
        context["answer_forms"] = answer_forms([r for r in requests if r.is_open])
    return context


def answer_forms(requests: list[RegradeRequest]) -> dict[int, RegradeAnswerForm]:
    return {
        r.pk: RegradeAnswerForm(
            request_id=r.pk,
            points=Decimal(r.submission.problem.points),
            has_step=r.step_index is not None,
        )
        for r in requests
    }


# --- Bulk regrades -------------------------------------------------------------------------------------------------


def _problem_choices(assignment: Assignment) -> list[tuple[int, str]]:
    return [
        (p.pk, f"Problem {p.position}{': ' + p.title if p.title else ''}")
        for p in assignment.problems.active().order_by("position")
    ]


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def regrade_run_new(request: AuthedRequest, pk: int) -> HttpResponse:
    assignment, access = classroom.assignment_get(user=request.user, assignment_id=pk, capability=Capability.GRADE)
    timezones.use_class_time_zone(assignment.course)
    choices = _problem_choices(assignment)
    problem_ids = {problem_id for problem_id, _ in choices}
    requested = request.GET.get("problem", "")
    initial_problem = int(requested) if requested.isdigit() and int(requested) in problem_ids else 0
    form = BulkRegradeForm(request.POST or None, problems=choices, initial={"problem": initial_problem})
    if request.method == "POST" and form.is_valid():
        chosen = form.cleaned_data["problem"]
        problem = assignment.problems.filter(pk=chosen).first() if chosen else None
        try:
            run = services.regrade_run_create(
                actor=request.user,
                assignment=assignment,
                problem=problem,
                reason=form.cleaned_data["reason"],
                keep_overrides=form.keep_overrides,
            )
        except services.GradingError as exc:
            form.add_error(None, exc.message)
        else:
            return redirect("regrade_run_detail", pk=run.pk)
    scopes = [("Every problem", services.regrade_scope(assignment=assignment))]
    labels = dict(choices)
    for problem in assignment.problems.active().order_by("position"):
        scopes.append((labels[problem.pk], services.regrade_scope(assignment=assignment, problem=problem)))
    context = {
        "assignment": assignment,
        "course": assignment.course,
        "access": access,
        "form": form,
        "scopes": scopes,
        "edited": bool(request.GET.get("edited") == "1" and initial_problem),
        "runs": selectors.regrade_runs(assignment=assignment),
    }
    return render(request, "grading/regrade_run_new.html", context, status=400 if form.errors else 200)


@login_required
@require_safe
def regrade_run_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    run = get_object_or_404(RegradeRun.objects.select_related("assignment__course", "problem", "requested_by"), pk=pk)
    classroom.assignment_get(user=request.user, assignment_id=run.assignment_id, capability=Capability.VIEW_STAFF)
    timezones.use_class_time_zone(run.assignment.course)
    progress = selectors.regrade_run_progress(run=run)
    context = {"run": run, "progress": progress, "assignment": run.assignment, "course": run.assignment.course}
    if request.htmx:  # type: ignore[attr-defined]
        response = render(request, "grading/regrade_run_detail.html#progress", context)
        if progress.finished:
            stop = HttpResponseStopPolling(response.content)
            stop["Content-Type"] = response["Content-Type"]
            return stop
        return response
    return render(request, "grading/regrade_run_detail.html", context)


# --- Gradebooks and exports -------------------------------------------------------------------------------------


@login_required
@require_safe
def class_gradebook(request: AuthedRequest, pk: int) -> HttpResponse:
    course, access = classroom.course_get(user=request.user, course_id=pk, capability=Capability.VIEW_STAFF)
    timezones.use_class_time_zone(course)
    assignments, rows = selectors.class_gradebook(course=course)
    context = {"course": course, "access": access, "assignments": assignments, "rows": rows}
    return render(request, "grading/class_gradebook.html", context)


def _csv(file: exports.CsvFile) -> HttpResponse:
    # A byte-order mark, so spreadsheet programs read the UTF-8 names right (the csv module skips it as utf-8-sig).
    response = HttpResponse("\ufeff" + file.text(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{file.filename}"'
    return response


@login_required
@require_safe
def class_gradebook_csv(request: AuthedRequest, pk: int) -> HttpResponse:
    course, _ = classroom.course_get(user=request.user, course_id=pk, capability=Capability.VIEW_STAFF)
    return _csv(exports.class_gradebook_csv(course=course))


@login_required
@require_safe
def class_submissions_csv(request: AuthedRequest, pk: int) -> HttpResponse:
    course, _ = classroom.course_get(user=request.user, course_id=pk, capability=Capability.VIEW_STAFF)
    return _csv(exports.submissions_csv(assignments=course.assignments.all(), course=course))


@login_required
@require_safe
def gradebook_csv(request: AuthedRequest, pk: int) -> HttpResponse:
    assignment, _ = classroom.assignment_get(user=request.user, assignment_id=pk, capability=Capability.VIEW_STAFF)
    return _csv(exports.assignment_gradebook_csv(assignment=assignment))


@login_required
@require_safe
def submissions_csv(request: AuthedRequest, pk: int) -> HttpResponse:
    assignment, _ = classroom.assignment_get(user=request.user, assignment_id=pk, capability=Capability.VIEW_STAFF)
    return _csv(exports.submissions_csv(assignments=[assignment], course=assignment.course))
