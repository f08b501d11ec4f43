"""Writes for grading: submissions, the status state machine, grading runs, overrides and regrades.

Every state change of a submission goes through `submission_transition`, which checks the transition and writes
the audit event in the same transaction. Side effects (queueing) run only after commit.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db import transaction
from django.db.models import Count, Max
from django.utils import timezone

from tutor.classroom.models import Assignment, Enrollment, Problem
from verifier_worker import registry, segmentation
from verifier_worker.types import (
    Budget,
    StepInput,
    VerificationRequest,
    VerificationResult,
    VerifierMisconfigured,
    VerifierUnavailable,
)
from verifier_worker.types import Problem as VerifierProblem

from . import events
from .models import AuditEvent, Override, Step, Submission, VerificationRun
from .retry_policy import MAX_GRADING_ATTEMPTS

logger = logging.getLogger(__name__)

Status = Submission.Status
User = AbstractBaseUser
Actor = AbstractBaseUser | AnonymousUser

# The state machine. Final states go back to `queued` only through a regrade; `needs_review` is resolved by a
# teacher to `graded`. A worker that restarts a half-done grading (after a crash or a transient error) moves
# `verifying` back to `segmenting`.
ALLOWED_TRANSITIONS: dict[str, frozenset[str]] = {
    Status.QUEUED: frozenset({Status.SEGMENTING, Status.FAILED}),
    Status.SEGMENTING: frozenset({Status.VERIFYING, Status.NEEDS_REVIEW, Status.FAILED}),
    Status.VERIFYING: frozenset({Status.SEGMENTING, Status.GRADED, Status.NEEDS_REVIEW, Status.FAILED}),
    Status.GRADED: frozenset({Status.QUEUED}),
    Status.NEEDS_REVIEW: frozenset({Status.QUEUED, Status.GRADED}),
    Status.FAILED: frozenset({Status.QUEUED}),
}


class SubmissionError(Exception):
    """A submission was refused. The message is shown to the student as is."""

    def __init__(self, message: str, code: str = "invalid") -> None:
        super().__init__(message)
        self.message = message
        self.code = code


class IllegalTransition(Exception):
    pass


class GradingPermissionError(Exception):
    """The acting user may not do this to this submission."""


# --- Submitting ---------------------------------------------------------------------------------------------


def _check_window(assignment: Assignment, now: datetime) -> bool:
    """Raise when the assignment does not accept work now; return whether the submission is late."""
    if assignment.opens_at is not None and now < assignment.opens_at:
        opens = timezone.localtime(assignment.opens_at).strftime("%Y-%m-%d %H:%M")
        raise SubmissionError(f"This assignment opens on {opens}; you cannot submit yet.", code="not_open")
    if assignment.due_at is None or now <= assignment.due_at:
        return False
    if assignment.late_policy == Assignment.LatePolicy.REFUSE:
        raise SubmissionError("The due date has passed and this assignment does not accept late work.", "closed")
    return True


def _check_text(text: str) -> str:
    if not text.strip():
        raise SubmissionError("Your solution is empty. Write your steps, one per line.", code="empty")
    if "\x00" in text:
        # PostgreSQL cannot store it, and it is never part of a solution someone typed.
        raise SubmissionError("Your solution contains a NUL character (\\u0000); remove it and resubmit.", "nul")
    limit = settings.SOLUTION_MAX_CHARS
    if len(text) > limit:
        raise SubmissionError(
            f"Your solution is {len(text):,} characters long; the limit is {limit:,}. Shorten it and resubmit.",
            code="too_long",
        )
    return text


@transaction.atomic
def submission_create(*, student: User, problem: Problem, text: str) -> Submission:
    """Save a student's attempt as `queued` and enqueue its grading once the transaction commits.

    Saving never depends on the broker: if enqueueing fails the row stays `queued` and the sweep picks it up.
    """
    assignment = problem.assignment
    # Locking the enrollment serializes one student's concurrent submits, so attempt numbers never collide.
    enrollment = (
        Enrollment.objects.select_for_update()
        .filter(course_id=assignment.course_id, user_id=student.pk, role=Enrollment.Role.STUDENT)
        .first()
    )
    if enrollment is None:
        raise SubmissionError("You are not enrolled as a student in this class.", code="not_enrolled")
    text = _check_text(text)
    is_late = _check_window(assignment, timezone.now())
    previous = Submission.objects.filter(problem=problem, student_id=student.pk).aggregate(
        used=Count("id"), last=Max("attempt_number")
    )
    if previous["used"] >= assignment.max_attempts:
        raise SubmissionError(
            f"You have used all {assignment.max_attempts} attempts for this problem.", code="no_attempts_left"
        )
    last = previous["last"] or 0
    submission = Submission.objects.create(
        problem=problem,
        student_id=student.pk,
        attempt_number=last + 1,
        text=text,
        is_late=is_late,
        status=Status.QUEUED,
        status_reason="Waiting for a worker",
        backend=assignment.verifier_backend,
    )
    events.record(
        event_type="submission.created",
        target=submission,
        actor=student,
        details={
            "problem_id": problem.pk,
            "attempt_number": submission.attempt_number,
            "is_late": is_late,
            "backend": submission.backend,
            "chars": len(text),
        },
    )
    _enqueue_after_commit(submission)
    return submission


def _enqueue_after_commit(submission: Submission) -> None:
    submission_id, version, backend = submission.pk, submission.grading_version, submission.backend
    transaction.on_commit(
        lambda: grading_enqueue(submission_id=submission_id, grading_version=version, backend=backend)
    )


def grading_enqueue(*, submission_id: int, grading_version: int, backend: str) -> bool:
    """Send the grading task to the backend's queue. Returns False (and logs) when the broker is unreachable."""
    from .tasks import grade_submission_task  # the Celery app loads only when something is enqueued

    try:
        grade_submission_task.apply_async(
            args=(submission_id, grading_version),
            queue=registry.queue_for(backend),
            retry=True,
            retry_policy={"max_retries": 2, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.5},
        )
    except Exception:
        # The row is saved as `queued`; the sweep re-enqueues it when the broker is back.
        logger.exception("Could not enqueue grading of submission %s (version %s)", submission_id, grading_version)
        return False
    return True


# --- The state machine --------------------------------------------------------------------------------------


def submission_transition(
    *,
    submission: Submission,
    to: str,
    reason: str,
    actor: User | AnonymousUser | None = None,
    details: dict[str, Any] | None = None,
    also_save: tuple[str, ...] = (),
) -> Submission:
    """Move a submission to `to`, checking the state machine, and record the change in the same transaction.

    The caller holds the row (select_for_update) when concurrency matters. `also_save` names other fields the
    caller changed, saved in the same UPDATE.
    """
    source = submission.status
    if to not in ALLOWED_TRANSITIONS.get(source, frozenset()):
        raise IllegalTransition(f"Submission {submission.pk}: {source} → {to} is not allowed.")
    with transaction.atomic(savepoint=False):
        submission.status = to
        submission.status_reason = reason[:500]
        submission.status_changed_at = timezone.now()
        submission.save(update_fields=["status", "status_reason", "status_changed_at", *also_save])
        events.record(
            event_type=f"submission.{to}",
            target=submission,
            actor=actor,
            details={
                "from": source,
                "to": to,
                "reason": reason,
                "grading_version": submission.grading_version,
                **(details or {}),
            },
        )
    return submission


# --- Grading ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Claim:
    submission_id: int
    request: VerificationRequest
    backend: str
    started_at: Any


def _locked(submission_id: int, grading_version: int) -> Submission | None:
    """The row, locked, if this grading version is current and not finished; else None (a no-op)."""
    submission = (
        Submission.objects.select_for_update(of=("self",))
        .select_related("problem__assignment")
        .filter(pk=submission_id)
        .first()
    )
    if submission is None:
        logger.info("Submission %s no longer exists; nothing to grade", submission_id)
        return None
    if submission.grading_version != grading_version:
        logger.info(
            "Stale task for submission %s (version %s != %s)",
            submission_id,
            grading_version,
            submission.grading_version,
        )
        return None
    if submission.is_final:
        return None
    return submission


STEP_FIELDS = ["text", "char_start", "char_end", "verdict", "confidence", "explanation", "hint", "checker"]


def _segment(submission: Submission) -> list[Step]:
    """Create or refresh the Step rows from the text. Idempotent: unique (submission, index), updated in place."""
    result = segmentation.split(submission.text)
    existing = {step.index: step for step in submission.steps.all()}
    fresh: list[Step] = []
    kept: list[Step] = []
    for segment in result.steps:
        step = existing.pop(segment.index, None)
        if step is None:
            step = Step(submission=submission, index=segment.index)
            fresh.append(step)
        else:
            kept.append(step)
        step.text, step.char_start, step.char_end = segment.text, segment.start, segment.end
        step.verdict, step.confidence = Step.Verdict.UNVERIFIED, None
        step.explanation = step.hint = step.checker = ""
    if existing:
        Step.objects.filter(pk__in=[step.pk for step in existing.values()]).delete()
    if kept:
        Step.objects.bulk_update(kept, STEP_FIELDS)
    Step.objects.bulk_create(fresh)
    if result.messages:
        events.record(
            event_type="submission.segmentation_notes",
            target=submission,
            details={"messages": list(result.messages)},
        )
    return sorted(kept + fresh, key=lambda step: step.index)


def _verification_request(submission: Submission, steps: list[Step]) -> VerificationRequest:
    problem = submission.problem
    assignment = problem.assignment
    reference = problem.reference_solution if isinstance(problem.reference_solution, list) else []
    return VerificationRequest(
        problem=VerifierProblem(
            statement=problem.statement,
            reference_answer=problem.reference_answer,
            reference_steps=tuple(str(step) for step in reference),
        ),
        steps=tuple(StepInput(index=step.index, text=step.text) for step in steps),
        budget=Budget(parallel=assignment.verification_parallel, rounds=assignment.verification_rounds),
        reveal_corrections=assignment.reveal_corrections,
    )


# Transient-error retries restart grading too (at most MAX_GRADING_ATTEMPTS - 1 times); beyond those, a few
# redeliveries after a crash are allowed before a teacher takes over.
MAX_GRADING_RESTARTS = MAX_GRADING_ATTEMPTS + 2


def _restarts(submission: Submission, grading_version: int) -> int:
    """How many times this grading version went back from `verifying` to `segmenting`."""
    return AuditEvent.objects.filter(
        event_type=f"submission.{Status.SEGMENTING}",
        target_type=submission._meta.label_lower,
        target_id=str(submission.pk),
        details__from=Status.VERIFYING,
        details__grading_version=grading_version,
    ).count()


def _claim(submission_id: int, grading_version: int) -> _Claim | None:
    """One short transaction that moves the row to `verifying` with its steps saved. No lock is held afterwards.

    Segmenting is fast and deterministic, so it shares the transaction; both transitions are still recorded.
    """
    with transaction.atomic():
        submission = _locked(submission_id, grading_version)
        if submission is None:
            return None
        if submission.status == Status.QUEUED:
            submission_transition(submission=submission, to=Status.SEGMENTING, reason="Splitting into steps")
        elif submission.status == Status.VERIFYING:
            # A redelivered task (worker crash) or a retry: redo the work from the start, idempotently. A text
            # that kills the worker every time (hard time limit, out of memory) would be redelivered forever.
            restarts = _restarts(submission, grading_version)
            if restarts >= MAX_GRADING_RESTARTS:
                submission_transition(
                    submission=submission,
                    to=Status.NEEDS_REVIEW,
                    reason=f"Grading was interrupted {restarts + 1} times (a worker crashed or ran out of time on "
                    "this solution); a teacher will grade it.",
                )
                return None
            submission_transition(
                submission=submission, to=Status.SEGMENTING, reason="Grading restarted after an interruption"
            )
        steps = _segment(submission)
        if not steps:
            submission_transition(
                submission=submission, to=Status.NEEDS_REVIEW, reason="No steps were found in the solution."
            )
            return None
        submission_transition(
            submission=submission,
            to=Status.VERIFYING,
            reason=f"Checking {len(steps)} step{'s' if len(steps) != 1 else ''}",
            details={"steps": len(steps), "backend": submission.backend},
        )
        return _Claim(
            submission_id=submission.pk,
            request=_verification_request(submission, steps),
            backend=submission.backend,
            started_at=timezone.now(),
        )


def submission_grade(*, submission_id: int, grading_version: int, final_attempt: bool = True) -> Submission | None:
    """Grade one submission. Safe to call any number of times for the same version: the result is stored once.

    `final_attempt` is False while the task still has retries left; a transient verifier error is then re-raised
    so the task retries, and on the final attempt the submission goes to `needs_review` instead.
    """
    claim = _claim(submission_id, grading_version)
    if claim is None:
        return None
    try:
        verifier = registry.get_verifier(claim.backend, settings.VERIFIER_OPTIONS, settings.VERIFIER_EXTRA_BACKENDS)
        result = verifier.verify_batch([claim.request])[0]
    except VerifierMisconfigured as exc:
        return _finish_with_error(
            claim,
            grading_version,
            exc,
            to=Status.FAILED,
            reason=f"The verifier is misconfigured: {exc}. Ask the teacher to check it.",
        )
    except VerifierUnavailable as exc:
        if not final_attempt:
            _record_transient_error(claim, grading_version, exc)
            raise
        return _finish_with_error(
            claim,
            grading_version,
            exc,
            to=Status.NEEDS_REVIEW,
            reason=f"The verifier was unavailable after {MAX_GRADING_ATTEMPTS} attempts: {exc}",
        )
    except Exception as exc:
        # A bug, a resource limit or the task's soft time limit inside a backend: retrying the same text would
        # fail the same way, so a teacher grades it. The submission never stays at `verifying`.
        logger.exception("Verifier %s crashed on submission %s", claim.backend, claim.submission_id)
        return _finish_with_error(
            claim,
            grading_version,
            exc,
            to=Status.NEEDS_REVIEW,
            reason=f"The verifier could not check this solution ({type(exc).__name__}); a teacher will grade it.",
        )
    return _store_result(claim, grading_version, result)


def _run_row(claim: _Claim, grading_version: int, *, result: VerificationResult | None, error: str) -> VerificationRun:
    run = result.run if result is not None else None
    return VerificationRun.objects.create(
        submission_id=claim.submission_id,
        grading_version=grading_version,
        backend=run.backend if run else claim.backend,
        model_id=run.model if run else "",
        prompt_version=run.prompt_version if run else "",
        parameters={
            **(run.parameters if run else {}),
            "budget": {"parallel": claim.request.budget.parallel, "rounds": claim.request.budget.rounds},
            **({"notes": list(run.notes)} if run and run.notes else {}),
        },
        prompt=run.prompt if run else "",
        raw_output=run.raw_output if run else "",
        chains=[
            {
                "text": c.text,
                "tokens": c.tokens,
                "first_error_index": c.first_error_index,
                "score": c.score,
                "finish_reason": c.finish_reason,
            }
            for c in (run.chains if run else ())
        ],
        prompt_tokens=run.prompt_tokens if run else 0,
        completion_tokens=run.completion_tokens if run else 0,
        latency_ms=run.latency_ms if run else None,
        started_at=claim.started_at,
        finished_at=timezone.now(),
        error=error,
    )


def _record_transient_error(claim: _Claim, grading_version: int, exc: Exception) -> None:
    with transaction.atomic():
        submission = _locked(claim.submission_id, grading_version)
        if submission is None:
            return
        submission.retries += 1
        submission.status_reason = f"The verifier is busy; retrying (attempt {submission.retries + 1})"
        submission.save(update_fields=["retries", "status_reason"])
        _run_row(claim, grading_version, result=None, error=f"unavailable: {exc}")
        events.record(
            event_type="submission.retry",
            target=submission,
            details={"error": str(exc), "retries": submission.retries, "grading_version": grading_version},
        )


def _finish_with_error(
    claim: _Claim, grading_version: int, exc: Exception, *, to: str, reason: str
) -> Submission | None:
    with transaction.atomic():
        submission = _locked(claim.submission_id, grading_version)
        if submission is None or submission.status != Status.VERIFYING:
            return None
        run = _run_row(claim, grading_version, result=None, error=f"{type(exc).__name__}: {exc}")
        return submission_transition(submission=submission, to=to, reason=reason, details={"run_id": run.pk})


def compute_score(
    *, points: Decimal, steps: int, first_error_index: int | None, late_penalty_percent: int, is_late: bool
) -> Decimal:
    """The default rule: the share of steps before the first error, times the points; less the late penalty."""
    if steps <= 0:
        share = Decimal(0)
    elif first_error_index is None:
        share = Decimal(1)
    else:
        share = Decimal(max(0, min(first_error_index, steps))) / Decimal(steps)
    score = Decimal(points) * share
    if is_late:
        score = score * (Decimal(100) - Decimal(late_penalty_percent)) / Decimal(100)
    return score.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def _review_reason(result: VerificationResult, threshold: float) -> str:
    if result.undecided_reason:
        return f"The verifier could not decide: {result.undecided_reason}"
    if result.confidence < threshold:
        return f"Verifier confidence {result.confidence:.2f} is below the review threshold {threshold:.2f}."
    if result.first_error_index is None and result.final_answer_verdict == "incorrect":
        return "No step was flagged, but the final answer was marked incorrect."
    return ""


def _store_result(claim: _Claim, grading_version: int, result: VerificationResult) -> Submission | None:
    with transaction.atomic():
        submission = _locked(claim.submission_id, grading_version)
        if submission is None or submission.status != Status.VERIFYING:
            return None  # another worker stored this version already, or it was regraded meanwhile
        steps = dict(submission.steps.values_list("index", "pk"))
        for verdict in result.steps:
            if verdict.index not in steps:
                continue
            # One small UPDATE per step: bulk_update's CASE expressions cost more CPU than the round trips.
            Step.objects.filter(pk=steps[verdict.index]).update(
                verdict=verdict.verdict,
                confidence=max(0.0, min(1.0, float(verdict.confidence))),
                explanation=verdict.explanation,
                hint=verdict.hint,
                checker=verdict.checker,
            )
        run = _run_row(claim, grading_version, result=result, error="")
        assignment = submission.problem.assignment
        submission.first_error_index = result.first_error_index
        submission.final_answer_verdict = result.final_answer_verdict
        submission.confidence = result.confidence
        submission.score = compute_score(
            points=submission.problem.points,
            steps=len(steps),
            first_error_index=result.first_error_index,
            late_penalty_percent=assignment.late_penalty_percent,
            is_late=submission.is_late,
        )
        submission.graded_at = timezone.now()
        graded_fields = ("first_error_index", "final_answer_verdict", "confidence", "score", "graded_at")
        review = _review_reason(result, assignment.review_threshold)
        details = {
            "run_id": run.pk,
            "score": str(submission.score),
            "first_error_index": result.first_error_index,
            "confidence": round(result.confidence, 4),
        }
        return submission_transition(
            submission=submission,
            to=Status.NEEDS_REVIEW if review else Status.GRADED,
            reason=review or "Graded",
            details=details,
            also_save=graded_fields,
        )


# --- Sweep --------------------------------------------------------------------------------------------------


def grading_sweep(*, older_than_seconds: int | None = None) -> list[int]:
    """Re-enqueue submissions stuck in a non-final state. Safe at any time: grading is idempotent per version.

    Touches `status_changed_at` so the same submission is not re-sent on every sweep while it waits.
    """
    seconds = settings.GRADING_STUCK_AFTER_SECONDS if older_than_seconds is None else older_than_seconds
    cutoff = timezone.now() - timedelta(seconds=seconds)
    stuck = list(
        Submission.objects.filter(
            status__in=[Status.QUEUED, Status.SEGMENTING, Status.VERIFYING], status_changed_at__lte=cutoff
        ).values_list("pk", "grading_version", "backend", "status")
    )
    swept: list[int] = []
    for pk, version, backend, status in stuck:
        with transaction.atomic():
            touched = Submission.objects.filter(pk=pk, grading_version=version, status=status).update(
                status_changed_at=timezone.now()
            )
            if not touched:
                continue
            submission = Submission(pk=pk)
            events.record(
                event_type="submission.swept", target=submission, details={"status": status, "grading_version": version}
            )
        if grading_enqueue(submission_id=pk, grading_version=version, backend=backend):
            swept.append(pk)
    return swept


# --- Teacher actions ----------------------------------------------------------------------------------------


def _require_staff(user: Actor, submission: Submission) -> int:
    """The acting teacher's user id, or GradingPermissionError."""
    from .selectors import user_can_manage

    if not user_can_manage(user, submission) or user.pk is None:
        raise GradingPermissionError("Only the class's teachers and TAs can change grades.")
    return int(user.pk)


@transaction.atomic
def submission_regrade(*, submission: Submission, actor: Actor, reason: str = "") -> Submission:
    """Start grading again from scratch: bump the version so in-flight tasks become stale, then enqueue."""
    _require_staff(actor, submission)
    submission = Submission.objects.select_for_update().get(pk=submission.pk)
    if not submission.is_final:
        raise IllegalTransition("This submission is still being graded; wait for it to finish before regrading.")
    submission.grading_version += 1
    submission.retries = 0
    submission.backend = submission.problem.assignment.verifier_backend
    submission.save(update_fields=["grading_version", "retries", "backend"])
    submission_transition(
        submission=submission,
        to=Status.QUEUED,
        actor=actor,
        reason=reason or "Regrade requested by a teacher",
        details={"backend": submission.backend},
    )
    _enqueue_after_commit(submission)
    return submission


@transaction.atomic
def step_override(*, step: Step, actor: Actor, verdict: str, reason: str) -> Override:
    """A teacher changes one step's verdict. The first error and the score follow from the new verdicts."""
    submission = Submission.objects.select_for_update().get(pk=step.submission_id)
    teacher_id = _require_staff(actor, submission)
    if not reason.strip():
        raise SubmissionError("Give a reason for the change.", code="reason_required")
    if verdict not in Step.Verdict.values:
        raise SubmissionError(f"Unknown verdict {verdict!r}.", code="bad_verdict")
    step = Step.objects.select_for_update().get(pk=step.pk)
    old_score = submission.score
    override = Override.objects.create(
        submission=submission,
        step=step,
        teacher_id=teacher_id,
        old_verdict=step.verdict,
        new_verdict=verdict,
        old_score=old_score,
        reason=reason.strip(),
    )
    step.verdict = verdict
    step.checker = "teacher"
    step.confidence = 1.0
    step.save(update_fields=["verdict", "checker", "confidence"])
    steps = list(submission.steps.order_by("index"))
    first = next((s.index for s in steps if s.verdict == Step.Verdict.INCORRECT), None)
    assignment = submission.problem.assignment
    submission.first_error_index = first
    submission.score = compute_score(
        points=submission.problem.points,
        steps=len(steps),
        first_error_index=first,
        late_penalty_percent=assignment.late_penalty_percent,
        is_late=submission.is_late,
    )
    submission.save(update_fields=["first_error_index", "score"])
    override.new_score = submission.score
    override.save(update_fields=["new_score"])
    events.record(
        event_type="override.step",
        target=submission,
        actor=actor,
        details={
            "override_id": override.pk,
            "step_index": step.index,
            "from": override.old_verdict,
            "to": verdict,
            "reason": override.reason,
            "old_score": str(old_score),
            "new_score": str(submission.score),
        },
    )
    _resolve_review(submission, actor, "Reviewed by a teacher (step verdict changed)")
    return override


@transaction.atomic
def score_override(*, submission: Submission, actor: Actor, score: Decimal, reason: str) -> Override:
    submission = Submission.objects.select_for_update().get(pk=submission.pk)
    teacher_id = _require_staff(actor, submission)
    if not reason.strip():
        raise SubmissionError("Give a reason for the change.", code="reason_required")
    points = Decimal(submission.problem.points)
    if score < 0 or score > points:
        raise SubmissionError(f"The score must be between 0 and {points}.", code="bad_score")
    override = Override.objects.create(
        submission=submission, teacher_id=teacher_id, old_score=submission.score, new_score=score, reason=reason.strip()
    )
    submission.score = score
    submission.save(update_fields=["score"])
    events.record(
        event_type="override.score",
        target=submission,
        actor=actor,
        details={
            "override_id": override.pk,
            "old_score": str(override.old_score),
            "new_score": str(score),
            "reason": override.reason,
        },
    )
    _resolve_review(submission, actor, "Reviewed by a teacher (score set)")
    return override


def _resolve_review(submission: Submission, actor: Actor, reason: str) -> None:
    if submission.status == Status.NEEDS_REVIEW:
        submission_transition(submission=submission, to=Status.GRADED, actor=actor, reason=reason)


@transaction.atomic
def review_accept(*, submission: Submission, actor: Actor) -> Submission:
    """A teacher confirms the verifier's grade for a submission in the review queue."""
    submission = Submission.objects.select_for_update().get(pk=submission.pk)
    _require_staff(actor, submission)
    if submission.status != Status.NEEDS_REVIEW:
        raise IllegalTransition("Only submissions waiting for review can be accepted.")
    if submission.score is None:
        raise SubmissionError("This submission has no grade yet; set a score or regrade it.", code="no_grade")
    events.record(event_type="review.accepted", target=submission, actor=actor, details={})
    return submission_transition(
        submission=submission, to=Status.GRADED, actor=actor, reason="Grade confirmed by a teacher"
    )
