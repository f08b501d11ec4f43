"""Insight pages. Site-wide pages (audit log, agreement, training data, a grade's story, run detail, replays) are
for site staff (`access.site_staff_or_404`); the analytics pages are for a class's staff (Capability.VIEW_STAFF,
which includes site staff). Views parse input, call a selector or a service, and render. All pages only read,
except asking for a replay and the exports, which record who did it."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any, cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseBase, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST, require_safe
from django_htmx.http import HttpResponseStopPolling

from grading.models import Submission
from tutor.classroom import access
from tutor.classroom import selectors as classroom
from tutor.classroom.access import Capability
from tutor.classroom.models import Course

from . import agreement as agreement_figures
from . import analytics, audit_log, selectors, services, training
from .charts import bar_chart
from .errors import InsightError
from .forms import AgreementScopeForm, AuditFilterForm, ReplayForm, TrainingExportForm
from .models import ReplayRun
from .replay import replay_diff
from .runlog import chain_parts


def _staff(request: HttpRequest) -> None:
    access.site_staff_or_404(request.user)


@login_required
@require_safe
def index(request: HttpRequest) -> HttpResponse:
    _staff(request)
    courses = Course.objects.prefetch_related("assignments").order_by("name", "id")
    return render(request, "insight/index.html", {"courses": courses})


# --- audit log ----------------------------------------------------------------------------------------------------


@login_required
@require_safe
def audit_log_page(request: HttpRequest) -> HttpResponseBase:
    """The audit log, filtered and paginated; `?export=csv|jsonl` downloads what the filters select."""
    _staff(request)
    form = AuditFilterForm(request.GET or None)
    if request.GET and not form.is_valid():
        return render(request, "insight/audit_log.html", {"form": form, "page": None}, status=400)
    audit_filter = form.audit_filter() if form.is_bound else audit_log.AuditFilter()
    export = request.GET.get("export", "")
    if export:
        try:
            lines = services.audit_log_export(actor=request.user, audit_filter=audit_filter, fmt=export)
        except InsightError as exc:
            messages.error(request, exc.message)
            return render(request, "insight/audit_log.html", {"form": form, "page": None}, status=400)
        stamp = timezone.now().strftime("%Y%m%d-%H%M%S")
        response = StreamingHttpResponse(
            lines, content_type="text/csv; charset=utf-8" if export == "csv" else "application/x-ndjson"
        )
        response["Content-Disposition"] = f'attachment; filename="audit-log-{stamp}.{export}"'
        return response
    paginator = Paginator(audit_log.events(audit_filter), audit_log.PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    query.pop("export", None)
    return render(
        request,
        "insight/audit_log.html",
        {"form": form, "page": page, "query": query.urlencode(), "total": paginator.count},
    )


# --- agreement ------------------------------------------------------------------------------------------------


@login_required
@require_safe
def agreement_page(request: HttpRequest) -> HttpResponse:
    _staff(request)
    form = AgreementScopeForm(request.GET or None)
    course = form.cleaned_data.get("course") if form.is_valid() else None
    found = selectors.reviewed_grades(course=course)
    solutions = found.solutions
    overall = agreement_figures.agreement(solutions)
    problems = {p.pk: p for p in _problems({s.problem_id for s in solutions})}
    by_verifier = agreement_figures.agreement_by(
        solutions, agreement_figures.verifier_key, agreement_figures.verifier_label
    )
    by_problem = [
        (problems.get(row.key[0]), row)
        for row in agreement_figures.agreement_by(
            solutions, lambda s: s.problem_id, lambda s: _problem_label(problems.get(s.problem_id))
        )
    ]
    band_chart = bar_chart(
        id="bands",
        title="Flags on the teacher's first error, by the verifier's confidence",
        counts=[
            analytics.Count(
                label=f"confidence {band.key}"
                + (f" (mean {band.mean_confidence:.2f})" if band.mean_confidence is not None else ""),
                count=band.right,
                total=band.flags,
            )
            for band in overall.bands
        ],
        unit="reviewed flags",
        column="Confidence band",
        by_share=True,
    )
    return render(
        request,
        "insight/agreement.html",
        {
            "form": form,
            "course": course,
            "overall": overall,
            "by_verifier": by_verifier,
            "by_problem": by_problem,
            "truncated": found.truncated,
            "limit": selectors.AGREEMENT_MAX_SUBMISSIONS,
            "band_chart": band_chart,
            "problems": problems,
        },
    )


def _problems(ids: set[int]) -> list[Any]:
    from tutor.classroom.models import Problem

    return list(Problem.objects.filter(pk__in=ids).select_related("assignment__course"))


def _problem_label(problem: Any) -> str:
    if problem is None:
        return "(deleted problem)"
    return _short_problem(problem)


# --- analytics (teachers) -------------------------------------------------------------------------------------


def _problem_charts(key: str, figures: analytics.ProblemAnalytics) -> dict[str, Any]:
    return {
        "positions": bar_chart(
            id=f"{key}-positions",
            title="Where the first error was",
            counts=figures.positions,
            unit="graded attempts",
            column="First error",
            not_highlighted=(analytics.NO_ERROR,),
        ),
        "categories": bar_chart(
            id=f"{key}-categories",
            title="What kind of error it was",
            counts=figures.categories,
            unit="first errors",
            column="Checker category",
        ),
        "scores": bar_chart(
            id=f"{key}-scores",
            title="Scores that count",
            counts=figures.scores,
            unit="students",
            column="Score",
            highlight=False,
        ),
    }


@login_required
@require_safe
def problem_analytics_page(request: HttpRequest, pk: int) -> HttpResponse:
    problem, _ = classroom.problem_get(user=request.user, problem_id=pk, capability=Capability.VIEW_STAFF)
    assignment = problem.assignment
    solutions = selectors.problem_solutions(problem=problem)
    counted = selectors.counted_scores(assignment=assignment).get(problem.pk, {})
    figures = analytics.problem_analytics(solutions, counted=counted, points=Decimal(problem.points))
    return render(
        request,
        "insight/problem_analytics.html",
        {
            "problem": problem,
            "assignment": assignment,
            "course": assignment.course,
            "figures": figures,
            "charts": _problem_charts("problem", figures),
        },
    )


@login_required
@require_safe
def assignment_analytics_page(request: HttpRequest, pk: int) -> HttpResponse:
    assignment, _ = classroom.assignment_get(user=request.user, assignment_id=pk, capability=Capability.VIEW_STAFF)
    problems = list(assignment.problems.order_by("position"))
    solutions = selectors.assignment_solutions(assignment=assignment)
    counted = selectors.counted_scores(assignment=assignment)
    rows = []
    for problem in problems:
        own = [s for s in solutions if s.problem_id == problem.pk]
        rows.append(
            (
                problem,
                analytics.problem_analytics(own, counted=counted.get(problem.pk, {}), points=Decimal(problem.points)),
            )
        )
    everything = analytics.problem_analytics(
        solutions, counted={}, points=sum((Decimal(p.points) for p in problems), Decimal(0))
    )
    totals: dict[int, Decimal] = {}
    for per_student in counted.values():
        for student_id, score in per_student.items():
            totals[student_id] = totals.get(student_id, Decimal(0)) + (score or Decimal(0))
    points = sum((Decimal(p.points) for p in problems), Decimal(0))
    charts = {
        "categories": bar_chart(
            id="assignment-categories",
            title="What kind of error came first, over every problem",
            counts=everything.categories,
            unit="first errors",
            column="Checker category",
        ),
        "problems": bar_chart(
            id="assignment-problems",
            title="Graded attempts with an error, per problem",
            counts=[
                analytics.Count(label=_short_problem(problem), count=figures.errors, total=figures.attempts)
                for problem, figures in rows
            ],
            unit="graded attempts",
            column="Problem",
        ),
        "totals": bar_chart(
            id="assignment-totals",
            title="Assignment totals that count",
            counts=analytics.score_bands(totals.values(), points),
            unit="students",
            column="Total score",
            highlight=False,
        ),
    }
    return render(
        request,
        "insight/assignment_analytics.html",
        {
            "assignment": assignment,
            "course": assignment.course,
            "rows": rows,
            "everything": everything,
            "charts": charts,
            "points": points,
        },
    )


def _short_problem(problem: Any) -> str:
    return f"Problem {problem.position}" + (f": {problem.title}" if problem.title else "")


# --- a grade's story, runs and replays (site staff) --------------------------------------------------------------


@login_required
@require_safe
def submission_story(request: HttpRequest, pk: int) -> HttpResponse:
    """Why this student got this grade: the score and its parts, every step's verdicts (the verifier's and the
    teacher's), the runs, every override and who made it, the events, regrade requests and replays."""
    _staff(request)
    submission = selectors.submission_for_staff(pk=pk)
    return render(request, "insight/submission_story.html", _story_context(submission))


def _story_context(submission: Submission, **extra: Any) -> dict[str, Any]:
    problem = submission.problem
    context: dict[str, Any] = {
        "submission": submission,
        "problem": problem,
        "assignment": problem.assignment,
        "course": problem.assignment.course,
        "replay_form": ReplayForm(backends=services.replay_backends(submission)),
        **selectors.grade_story(submission=submission),
    }
    context.update(extra)
    return context


@login_required
@require_safe
def run_detail(request: HttpRequest, pk: int) -> HttpResponse:
    _staff(request)
    run = selectors.run_for_staff(pk=pk)
    chains = [
        {"index": i, "meta": chain, "parts": chain_parts(str(chain.get("text", "")))}
        for i, chain in enumerate(run.chains or [])
        if isinstance(chain, dict)
    ]
    return render(
        request,
        "insight/run_detail.html",
        {
            "run": run,
            "submission": run.submission,
            "attempt": selectors.run_attempt(run=run),
            "raw_parts": chain_parts(run.raw_output) if run.raw_output else [],
            "chains": chains,
            "current": run.grading_version == run.submission.grading_version,
        },
    )


@login_required
@require_POST
def replay_create(request: HttpRequest, pk: int) -> HttpResponse:
    _staff(request)
    submission = selectors.submission_for_staff(pk=pk)
    form = ReplayForm(request.POST, backends=services.replay_backends(submission))
    if not form.is_valid():
        messages.error(request, "Choose a backend that is configured here.")
        return redirect("insight:submission", pk=pk)
    try:
        replay = services.replay_request(
            submission=submission, actor=request.user, backend=form.cleaned_data["backend"]
        )
    except InsightError as exc:
        messages.error(request, exc.message)
        return redirect("insight:submission", pk=pk)
    return redirect("insight:replay", pk=replay.pk)


@login_required
@require_safe
def replay_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One URL for the page and the polled fragment; polling stops (HTTP 286) once the replay is done."""
    _staff(request)
    replay = selectors.replay_for_staff(pk=pk)
    stale = not replay.is_final and replay.created_at < timezone.now() - services.REPLAY_STALE_AFTER
    context = {
        "replay": replay,
        "submission": replay.submission,
        "stale": stale,
        "diff": (
            replay_diff(
                recorded=replay.recorded,
                verdicts=list(replay.verdicts or []),
                first_error=replay.first_error_index,
                final_answer=replay.final_answer_verdict,
            )
            if replay.status == ReplayRun.Status.DONE
            else None
        ),
        "raw_parts": chain_parts(replay.raw_output) if replay.raw_output else [],
        "poll_url": request.path,
    }
    if getattr(request, "htmx", False):
        response = render(request, "insight/replay_detail.html#replay-result", context)
        if replay.is_final or stale:
            stop = HttpResponseStopPolling(response.content)
            stop["Content-Type"] = response["Content-Type"]
            return stop
        return response
    return render(request, "insight/replay_detail.html", context)


# --- training data -------------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def training_data(request: HttpRequest) -> HttpResponse:
    """The export page (GET) and its download button (POST)."""
    _staff(request)
    form = TrainingExportForm(request.POST or None)
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                lines, summary = services.training_data_export(
                    actor=request.user,
                    course=data.get("course"),
                    since=cast(date | None, data.get("since")),
                    fmt=cast(training.Format, data["format"]),
                    source="web",
                )
            except InsightError as exc:
                messages.error(request, exc.message)
            else:
                stamp = timezone.now().strftime("%Y%m%d-%H%M%S")
                response = HttpResponse("".join(lines), content_type="application/x-ndjson; charset=utf-8")
                response["Content-Disposition"] = f'attachment; filename="step-labels-{data["format"]}-{stamp}.jsonl"'
                response["X-Export-Summary"] = summary.describe()
                return response
        status = 400
    else:
        status = 200
    found = selectors.reviewed_grades(limit=services.TRAINING_EXPORT_MAX)
    _, steps = training.export_lines(found.solutions, "steps")
    _, processbench = training.export_lines(found.solutions, "processbench")
    return render(
        request,
        "insight/training_data.html",
        {"form": form, "steps": steps, "processbench": processbench, "truncated": found.truncated},
        status=status,
    )
