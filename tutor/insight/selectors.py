"""Reads for the insight pages. Only reads; who may see what is the access module's rule.

`graded_solutions` turns finished submissions into `reviews.GradedSolution` values in a fixed number of queries
(per chunk of ids), so the pure modules (`agreement`, `analytics`, `training`) never touch the database.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any, TypeVar

from django.db.models import BigIntegerField, Count, Prefetch, Q, QuerySet
from django.db.models.functions import Cast
from django.http import Http404

from grading import selectors as grading
from grading.models import Override, RegradeRequest, Step, Submission, VerificationRun
from tutor.audit.events import AuditEventType
from tutor.audit.models import AuditEvent
from tutor.classroom.models import Assignment, Course, Problem

from .models import ReplayRun
from .reviews import GradedSolution, StepFacts

FINISHED = (Submission.Status.GRADED, Submission.Status.NEEDS_REVIEW)
SUBMISSION_TARGET = Submission._meta.label_lower
# The agreement dashboard reads at most this many reviewed grades (the most recently graded); the page says so
# when there are more.
AGREEMENT_MAX_SUBMISSIONS = 20_000
# Analytics and exports read ids in chunks, so `IN (...)` lists stay well under SQLite's variable limit.
CHUNK = 500

T = TypeVar("T")


def _chunks(items: Sequence[T], size: int = CHUNK) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _confirmations(ids: Sequence[int]) -> dict[int, datetime]:
    """The latest time a person confirmed each grade as a whole: "Confirm this grade", or a resolved regrade
    request."""
    latest: dict[int, datetime] = {}

    def keep(submission_id: int, when: datetime | None) -> None:
        if when is not None and (submission_id not in latest or when > latest[submission_id]):
            latest[submission_id] = when

    accepted = AuditEvent.objects.filter(
        event_type=AuditEventType.REVIEW_ACCEPTED.value,
        target_type=SUBMISSION_TARGET,
        target_id__in=[str(i) for i in ids],
    ).values_list("target_id", "created_at")
    for target_id, created_at in accepted:
        keep(int(target_id), created_at)
    resolved = RegradeRequest.objects.filter(submission_id__in=ids, status__in=RegradeRequest.ANSWERED).values_list(
        "submission_id", "resolved_at"
    )
    for submission_id, resolved_at in resolved:
        keep(submission_id, resolved_at)
    return latest


def _producing_runs(submissions: Sequence[Submission]) -> dict[int, tuple[str, str, str]]:
    """(backend, model, prompt version) of the run that produced each submission's current verdicts: the latest
    run without an error for its current grading version. Submissions with none are absent."""
    versions = {s.pk: s.grading_version for s in submissions}
    found: dict[int, tuple[str, str, str]] = {}
    runs = (
        VerificationRun.objects.filter(submission_id__in=list(versions), error="")
        .order_by("submission_id", "-started_at", "-id")
        .values_list("submission_id", "grading_version", "backend", "model_id", "prompt_version")
    )
    for submission_id, version, backend, model, prompt_version in runs:
        if submission_id not in found and version == versions[submission_id]:
            found[submission_id] = (backend, model, prompt_version)
    return found


def _reference(problem: Problem) -> tuple[str, ...]:
    raw = problem.reference_solution if isinstance(problem.reference_solution, list) else []
    return tuple(str(step) for step in raw)


def graded_solutions(submissions: QuerySet[Submission]) -> list[GradedSolution]:
    """Every finished submission (graded, or waiting for review) among `submissions` that has a verifier result
    for its current grading, as plain values, in the queryset's order. Failed gradings, gradings in progress and
    grades the verifier never produced (a teacher graded it after an outage) are left out: there is nothing of
    the verifier's to compare."""
    rows = list(
        submissions.filter(status__in=FINISHED)
        .select_related("problem__assignment")
        .prefetch_related(Prefetch("steps", queryset=Step.objects.order_by("index")))
    )
    solutions: list[GradedSolution] = []
    for chunk in _chunks(rows):
        ids = [s.pk for s in chunk]
        runs = _producing_runs(chunk)
        confirmed_at = _confirmations(ids)
        actions = dict(
            Override.objects.filter(submission_id__in=ids, action=Override.Action.SET)
            .values("submission_id")
            .annotate(n=Count("id"))
            .values_list("submission_id", "n")
        )
        for submission in chunk:
            if submission.pk not in runs:
                continue
            backend, model, prompt_version = runs[submission.pk]
            steps = tuple(
                StepFacts(
                    index=step.index,
                    text=step.text,
                    verdict=step.verdict,
                    confidence=step.confidence,
                    checker=step.checker,
                    explanation=step.explanation,
                    teacher_verdict=step.teacher_verdict,
                    teacher_reason=step.teacher_reason,
                )
                for step in submission.steps.all()
            )
            when = confirmed_at.get(submission.pk)
            problem = submission.problem
            solutions.append(
                GradedSolution(
                    submission_id=submission.pk,
                    student_id=submission.student_id,
                    course_id=problem.assignment.course_id,
                    assignment_id=problem.assignment_id,
                    problem_id=problem.pk,
                    attempt_number=submission.attempt_number,
                    status=submission.status,
                    steps=steps,
                    auto_first_error=submission.auto_first_error_index,
                    first_error=submission.first_error_index,
                    auto_final_answer=submission.auto_final_answer_verdict,
                    final_answer=submission.final_answer_verdict,
                    points=Decimal(problem.points),
                    auto_score=submission.auto_score,
                    score=submission.score,
                    teacher_score=submission.teacher_score,
                    teacher_final_answer=submission.teacher_final_answer,
                    backend=backend,
                    model=model,
                    prompt_version=prompt_version,
                    decisions=submission.has_teacher_decisions or any(s.teacher_verdict for s in steps),
                    confirmed=when is not None and submission.graded_at is not None and when >= submission.graded_at,
                    override_actions=actions.get(submission.pk, 0),
                    problem=problem.statement,
                    reference_answer=problem.reference_answer,
                    reference_steps=_reference(problem),
                    submitted_at=submission.submitted_at,
                )
            )
    return solutions


def possibly_reviewed() -> Q:
    """A superset of the reviewed grades, in SQL: something a person did is on record. `GradedSolution.reviewed`
    then decides exactly (a confirmation counts only if it came after the latest grading)."""
    accepted = (
        AuditEvent.objects.filter(event_type=AuditEventType.REVIEW_ACCEPTED.value, target_type=SUBMISSION_TARGET)
        .annotate(submission_id=Cast("target_id", BigIntegerField()))
        .values("submission_id")
    )
    return (
        Q(teacher_score__isnull=False)
        | ~Q(teacher_final_answer="")
        | ~Q(rubric_ticks={})
        | Q(pk__in=Step.objects.exclude(teacher_verdict="").values("submission_id"))
        | Q(pk__in=accepted)
        | Q(pk__in=RegradeRequest.objects.filter(status__in=RegradeRequest.ANSWERED).values("submission_id"))
    )


@dataclass(frozen=True)
class ReviewedGrades:
    solutions: list[GradedSolution]
    # True when more reviewed grades exist than AGREEMENT_MAX_SUBMISSIONS (the oldest were left out).
    truncated: bool


def reviewed_grades(
    *, course: Course | None = None, since: datetime | None = None, limit: int = AGREEMENT_MAX_SUBMISSIONS
) -> ReviewedGrades:
    """The reviewed grades of one class (or every class), submitted at or after `since` when given, the most
    recently graded first, at most `limit`."""
    candidates = Submission.objects.filter(possibly_reviewed(), status__in=FINISHED)
    if course is not None:
        candidates = candidates.filter(problem__assignment__course=course)
    if since is not None:
        candidates = candidates.filter(submitted_at__gte=since)
    ids = list(candidates.order_by("-graded_at", "-id").values_list("pk", flat=True)[: limit + 1])
    truncated = len(ids) > limit
    ids = ids[:limit]
    solutions = graded_solutions(Submission.objects.filter(pk__in=ids).order_by("-graded_at", "-id"))
    return ReviewedGrades(solutions=[s for s in solutions if s.reviewed], truncated=truncated)


# --- analytics ------------------------------------------------------------------------------------------------


def problem_solutions(*, problem: Problem) -> list[GradedSolution]:
    return graded_solutions(Submission.objects.filter(problem=problem).order_by("student_id", "attempt_number"))


def assignment_solutions(*, assignment: Assignment) -> list[GradedSolution]:
    return graded_solutions(
        Submission.objects.filter(problem__assignment=assignment).order_by("student_id", "attempt_number")
    )


def counted_scores(*, assignment: Assignment) -> dict[int, dict[int, Decimal | None]]:
    """problem id -> student id -> the score that counts by the assignment's attempt rule (None: nothing counts
    yet). Only students with at least one attempt appear."""
    by_key: dict[tuple[int, int], list[Submission]] = {}
    for submission in Submission.objects.filter(problem__assignment=assignment).order_by("attempt_number"):
        by_key.setdefault((submission.problem_id, submission.student_id), []).append(submission)
    scores: dict[int, dict[int, Decimal | None]] = {}
    for (problem_id, student_id), tried in by_key.items():
        scores.setdefault(problem_id, {})[student_id] = grading.counted(tried, assignment.attempt_rule).score
    return scores


# --- one grade's story ----------------------------------------------------------------------------------------


def submission_for_staff(*, pk: int) -> Submission:
    """Any submission, for site staff (the caller checks the site-staff rule); 404 when there is none."""
    submission = Submission.objects.select_related("problem__assignment__course", "student").filter(pk=pk).first()
    if submission is None:
        raise Http404("No such submission.")
    return submission


def run_for_staff(*, pk: int) -> VerificationRun:
    run = VerificationRun.objects.select_related("submission__problem__assignment__course", "submission__student")
    found = run.filter(pk=pk).first()
    if found is None:
        raise Http404("No such verification run.")
    return found


def replay_for_staff(*, pk: int) -> ReplayRun:
    found = (
        ReplayRun.objects.select_related("submission__problem__assignment__course", "requested_by")
        .filter(pk=pk)
        .first()
    )
    if found is None:
        raise Http404("No such replay.")
    return found


def replays(*, submission: Submission) -> QuerySet[ReplayRun]:
    return submission.replays.select_related("requested_by").order_by("-created_at", "-id")


@dataclass(frozen=True)
class RunAttempt:
    """Where one run sits among the runs of its grading version: attempt n of m, and the errors before it."""

    number: int
    of: int
    errors_before: tuple[str, ...]


def run_attempt(*, run: VerificationRun) -> RunAttempt:
    same_version = list(
        VerificationRun.objects.filter(submission_id=run.submission_id, grading_version=run.grading_version)
        .order_by("started_at", "id")
        .values_list("pk", "error")
    )
    position = next((i for i, (pk, _) in enumerate(same_version) if pk == run.pk), 0)
    return RunAttempt(
        number=position + 1,
        of=len(same_version),
        errors_before=tuple(error for _, error in same_version[:position] if error),
    )


def grade_story(*, submission: Submission) -> dict[str, Any]:
    """Everything that explains a grade: steps, runs, overrides (who and why), events, regrade requests, replays."""
    return {
        "steps": list(submission.steps.select_related("teacher").order_by("index")),
        "runs": list(grading.runs(submission=submission)),
        "overrides": list(grading.overrides(submission=submission).order_by("created_at", "id")),
        "events": list(grading.audit_events(submission=submission).select_related("actor")),
        "regrade_requests": list(submission.regrade_requests.select_related("student").order_by("created_at")),
        "replays": list(replays(submission=submission)),
    }
