"""The grading pipeline a worker runs: claim the submission, split it into steps, verify, store the grade.

Safe to run any number of times for the same grading version: a short locked claim, the verifier call with no
lock held, then a second transaction that re-checks the version before storing. Transient verifier errors are
re-raised for the task to retry while it has retries left; anything else ends in `failed` or `needs_review` with a
reason, never stuck at `verifying`.

The claim leases the submission to the claiming task (its Celery task id) for `GRADING_LEASE_SECONDS`, and a
heartbeat thread renews the lease while the verifier runs. Another task (a redelivered duplicate) does not take a
submission whose lease is held by someone else; once a lease expires (the worker died), the sweep re-sends it.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from types import TracebackType
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from tutor.audit import selectors as audit
from tutor.audit.events import AuditEventType
from tutor.classroom import backends
from verifier_worker import registry, segmentation
from verifier_worker.types import (
    Budget,
    RunMetadata,
    StepInput,
    VerificationRequest,
    VerificationResult,
    VerifierMisconfigured,
    VerifierUnavailable,
)
from verifier_worker.types import Problem as VerifierProblem

from .. import progress
from ..models import Step, Submission, VerificationRun
from ..retry_policy import MAX_GRADING_ATTEMPTS
from ..scoring import ScoreResult
from ..tutoring import reuse, stored
from . import grades, overrides
from .state import Status, locked_for_grading, record_event, submission_transition

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Claim:
    """What a worker holds between claiming a submission and storing its grade: plain values, no lock."""

    submission_id: int
    request: VerificationRequest
    backend: str
    started_at: datetime
    lease_owner: str = ""
    # More steps than the segmentation cap: only the first ones were checked (only rows saved before the submit
    # service refused such solutions), so the grade goes to review.
    truncated: bool = False
    problem_id: int = 0


STEP_FIELDS = [
    "text", "char_start", "char_end", "verdict", "confidence", "explanation", "hint", "checker",
    "teacher_verdict", "teacher_reason", "teacher", *stored.STEP_FIELDS,
]  # fmt: skip


def _segment(submission: Submission) -> tuple[list[Step], bool]:
    """Create or refresh the Step rows from the text. Idempotent: unique (submission, index), updated in place.
    Returns the steps and whether the text had more steps than are checked.

    A teacher's verdict on a step is kept while the step reads the same; if a new split changed the step, the
    verdict no longer applies: it is cleared, and the history says so.
    """
    result = segmentation.split(submission.text)
    existing = {step.index: step for step in submission.steps.all()}
    fresh: list[Step] = []
    kept: list[Step] = []
    detached: list[tuple[Step, str]] = []
    for segment in result.steps:
        step = existing.pop(segment.index, None)
        if step is None:
            step = Step(submission=submission, index=segment.index)
            fresh.append(step)
        else:
            kept.append(step)
            if step.teacher_verdict and step.text != segment.text:
                detached.append((step, step.text))
        step.text, step.char_start, step.char_end = segment.text, segment.start, segment.end
        step.verdict, step.confidence = Step.Verdict.UNVERIFIED, None
        step.explanation = step.hint = step.checker = ""
        stored.clear_step(step)
    for step in existing.values():
        if step.teacher_verdict:
            detached.append((step, step.text))
    for step, old_text in detached:
        overrides.detach_step_decision(submission=submission, step=step, old_text=old_text)
    if existing:
        Step.objects.filter(pk__in=[step.pk for step in existing.values()]).delete()
    if kept:
        Step.objects.bulk_update(kept, STEP_FIELDS)
    Step.objects.bulk_create(fresh)
    if result.messages:
        record_event(
            submission=submission,
            event_type=AuditEventType.SUBMISSION_SEGMENTATION_NOTES,
            details={"messages": list(result.messages)},
        )
    return sorted(kept + fresh, key=lambda step: step.index), result.truncated


def verification_request(submission: Submission, steps: Sequence[Step]) -> VerificationRequest:
    """What the verifier is given for these steps of this submission (also what a replay runs again)."""
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
    return audit.count_for(
        target=submission,
        event_type=AuditEventType.entering(Status.SEGMENTING),
        **{"from": Status.VERIFYING, "grading_version": grading_version},
    )


def lease_held_by_another(submission: Submission, owner: str, now: datetime) -> bool:
    """Whether a live lease on this submission belongs to another task (an empty owner is nobody's)."""
    return bool(
        submission.lease_owner
        and submission.lease_owner != owner
        and submission.lease_expires_at is not None
        and submission.lease_expires_at > now
    )


def lease_renew(*, submission_id: int, grading_version: int, owner: str) -> bool:
    """Extend `owner`'s lease by another GRADING_LEASE_SECONDS. False when the lease is no longer theirs."""
    expires = timezone.now() + timedelta(seconds=settings.GRADING_LEASE_SECONDS)
    renewed = Submission.objects.filter(
        pk=submission_id, grading_version=grading_version, status=Status.VERIFYING, lease_owner=owner
    ).update(lease_expires_at=expires)
    return bool(renewed)


class LeaseHeartbeat:
    """Renews a claim's lease from a background thread while the verifier runs (which may take minutes for a
    model); the thread has its own database connection and closes it when done. A worker that dies stops
    renewing, and its lease expires within GRADING_LEASE_SECONDS."""

    def __init__(self, claim: Claim, grading_version: int) -> None:
        self.claim = claim
        self.grading_version = grading_version
        self.interval = float(settings.GRADING_HEARTBEAT_SECONDS)
        self.renewals = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"lease-{claim.submission_id}", daemon=True)

    def __enter__(self) -> LeaseHeartbeat:
        if self.interval > 0:
            self._thread.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=10)

    def _run(self) -> None:
        try:
            while not self._stop.wait(self.interval):
                try:
                    renewed = lease_renew(
                        submission_id=self.claim.submission_id,
                        grading_version=self.grading_version,
                        owner=self.claim.lease_owner,
                    )
                except Exception:  # a database hiccup: try again on the next beat
                    logger.warning("Could not renew the lease on submission %s", self.claim.submission_id)
                    continue
                if not renewed:
                    return  # finished, regraded, or taken over after this worker was too slow
                self.renewals += 1
        finally:
            connection.close()


def submission_claim(submission_id: int, grading_version: int, lease_owner: str = "") -> Claim | None:
    """One short transaction that moves the row to `verifying` with its steps saved, leased to `lease_owner`
    (the task's id). No lock is held afterwards.

    Segmenting is fast and deterministic, so it shares the transaction; both transitions are still recorded.
    """
    with transaction.atomic():
        submission = locked_for_grading(submission_id, grading_version)
        if submission is None:
            return None
        now = timezone.now()
        if submission.status != Status.QUEUED and lease_held_by_another(submission, lease_owner, now):
            logger.info("Submission %s is leased to task %s; not taking it", submission_id, submission.lease_owner)
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
        steps, truncated = _segment(submission)
        if not steps:
            submission_transition(
                submission=submission, to=Status.NEEDS_REVIEW, reason="No steps were found in the solution."
            )
            return None
        submission.lease_owner = lease_owner
        submission.lease_expires_at = now + timedelta(seconds=settings.GRADING_LEASE_SECONDS)
        submission_transition(
            submission=submission,
            to=Status.VERIFYING,
            reason=f"Checking {len(steps)} step{'s' if len(steps) != 1 else ''}",
            details={"steps": len(steps), "backend": submission.backend, "lease_owner": lease_owner},
            also_save=("lease_owner", "lease_expires_at"),
        )
        return Claim(
            submission_id=submission.pk,
            request=verification_request(submission, steps),
            backend=submission.backend,
            started_at=timezone.now(),
            lease_owner=lease_owner,
            truncated=truncated,
            problem_id=submission.problem_id,
        )


def submission_grade(
    *, submission_id: int, grading_version: int, final_attempt: bool = True, lease_owner: str = ""
) -> Submission | None:
    """Grade one submission. Safe to call any number of times for the same version: the result is stored once.

    `final_attempt` is False while the task still has retries left; a transient verifier error is then re-raised
    so the task retries, and on the final attempt the submission goes to `needs_review` instead. `lease_owner` is
    the calling task's id: its retries and redeliveries share it, a duplicate task does not.
    """
    claim = submission_claim(submission_id, grading_version, lease_owner)
    if claim is None:
        return None
    try:
        verifier = registry.get_verifier(claim.backend, settings.VERIFIER_OPTIONS, settings.VERIFIER_EXTRA_BACKENDS)
        # An unchanged, verified prefix of an earlier attempt is not checked again (grading.tutoring.reuse).
        plan = reuse.plan(
            verifier=verifier, request=claim.request, problem_id=claim.problem_id, grading_version=grading_version
        )
        with LeaseHeartbeat(claim, grading_version):
            result = reuse.recorded(plan, verifier.verify_batch([plan.request])[0])
    except VerifierMisconfigured as exc:
        return _finish_with_error(
            claim,
            grading_version,
            exc,
            to=Status.FAILED,
            reason=_misconfigured_reason(claim.backend),
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
    return _store_result(claim, grading_version, result, plan)


def run_fields(run: RunMetadata | None) -> dict[str, Any]:
    """What a verifier's run record keeps of its metadata (the grading's VerificationRun, a replay's row)."""
    if run is None:
        return {"model_id": "", "prompt_version": "", "parameters": {}, "prompt": "", "raw_output": "", "chains": [],
                "prompt_tokens": 0, "completion_tokens": 0, "latency_ms": None}  # fmt: skip
    return {
        "model_id": run.model,
        "prompt_version": run.prompt_version,
        "parameters": {**run.parameters, **({"notes": list(run.notes)} if run.notes else {})},
        "prompt": run.prompt,
        "raw_output": run.raw_output,
        "chains": [
            {
                "text": c.text,
                "tokens": c.tokens,
                "first_error_index": c.first_error_index,
                "score": c.score,
                "finish_reason": c.finish_reason,
            }
            for c in run.chains
        ],
        "prompt_tokens": run.prompt_tokens,
        "completion_tokens": run.completion_tokens,
        "latency_ms": run.latency_ms,
    }


def _run_row(claim: Claim, grading_version: int, *, result: VerificationResult | None, error: str) -> VerificationRun:
    run = result.run if result is not None else None
    fields = run_fields(run)
    budget = {"parallel": claim.request.budget.parallel, "rounds": claim.request.budget.rounds}
    return VerificationRun.objects.create(
        submission_id=claim.submission_id,
        grading_version=grading_version,
        backend=run.backend if run else claim.backend,
        **{**fields, "parameters": {**fields["parameters"], "budget": budget}},
        started_at=claim.started_at,
        finished_at=timezone.now(),
        error=error,
    )


def _record_transient_error(claim: Claim, grading_version: int, exc: Exception) -> None:
    with transaction.atomic():
        submission = locked_for_grading(claim.submission_id, grading_version)
        if submission is None:
            return
        submission.retries += 1
        submission.status_reason = f"The verifier is busy; retrying (attempt {submission.retries + 1})"
        # The retry is the same task (same id): it keeps the lease through its backoff.
        submission.lease_expires_at = timezone.now() + timedelta(seconds=settings.GRADING_RETRY_LEASE_SECONDS)
        submission.save(update_fields=["retries", "status_reason", "lease_expires_at"])
        progress.remember(submission)
        _run_row(claim, grading_version, result=None, error=f"unavailable: {exc}")
        record_event(
            submission=submission,
            event_type=AuditEventType.SUBMISSION_RETRY,
            details={"error": str(exc), "retries": submission.retries, "grading_version": grading_version},
        )


def _finish_with_error(
    claim: Claim, grading_version: int, exc: Exception, *, to: str, reason: str
) -> Submission | None:
    with transaction.atomic():
        submission = locked_for_grading(claim.submission_id, grading_version)
        if submission is None or submission.status != Status.VERIFYING:
            return None
        run = _run_row(claim, grading_version, result=None, error=f"{type(exc).__name__}: {exc}")
        # The student did nothing wrong: this attempt is not counted against the assignment's maximum.
        submission.counts_as_attempt = False
        return submission_transition(
            submission=submission,
            to=to,
            reason=reason,
            details={"run_id": run.pk, "counts_as_attempt": False},
            also_save=("counts_as_attempt",),
        )


def _misconfigured_reason(backend: str) -> str:
    """For the teacher, in a teacher's words; the technical detail is on the run record (the audit page)."""
    return backends.not_available_reason(backend) or (
        f"The checker for this assignment ({backends.label(backend)}) could not run: it is misconfigured on this "
        "server. Ask your site administrator to check it (the details are on this submission's audit page), then "
        "regrade it; the student's attempt is not used up."
    )


def _review_reason(result: VerificationResult, threshold: float, score: ScoreResult, *, truncated: bool = False) -> str:
    if truncated:
        return (
            f"The solution has more than {segmentation.MAX_STEPS} steps and only the first "
            f"{segmentation.MAX_STEPS} were checked; a teacher grades the rest."
        )
    if result.undecided_reason:
        return f"The verifier could not decide: {result.undecided_reason}"
    if result.confidence < threshold:
        return f"Verifier confidence {result.confidence:.2f} is below the review threshold {threshold:.2f}."
    if result.first_error_index is None and result.final_answer_verdict == "incorrect":
        return "No step was flagged, but the final answer was marked incorrect."
    return score.needs_teacher


def _store_result(
    claim: Claim, grading_version: int, result: VerificationResult, plan: reuse.ReusePlan | None = None
) -> Submission | None:
    with transaction.atomic():
        submission = locked_for_grading(claim.submission_id, grading_version)
        if submission is None or submission.status != Status.VERIFYING:
            return None  # another worker stored this version already, or it was regraded meanwhile
        by_index = {verdict.index: verdict for verdict in result.steps}
        steps = list(submission.steps.order_by("index"))
        for step in steps:
            verdict = by_index.get(step.index)
            if verdict is None:
                continue
            step.verdict = verdict.verdict
            step.confidence = max(0.0, min(1.0, float(verdict.confidence)))
            step.explanation, step.hint, step.checker = verdict.explanation, verdict.hint, verdict.checker
            tutoring = stored.step_fields(verdict, result)
            for name, value in tutoring.items():
                setattr(step, name, value)
            # One small UPDATE per step: bulk_update's CASE expressions cost more CPU than the round trips.
            Step.objects.filter(pk=step.pk).update(
                verdict=step.verdict,
                confidence=step.confidence,
                explanation=step.explanation,
                hint=step.hint,
                checker=step.checker,
                **tutoring,
            )
        run = _run_row(claim, grading_version, result=result, error="")
        if plan is not None:
            reuse.remember(plan, result)
        submission.unfinished = stored.unfinished(result)
        assignment = submission.problem.assignment
        submission.auto_first_error_index = result.first_error_index
        submission.auto_final_answer_verdict = result.final_answer_verdict
        submission.auto_score = grades.automatic_score(submission, steps).score
        submission.confidence = result.confidence
        submission.counts_as_attempt = True
        score = grades.refresh_grade(submission, steps)
        submission.graded_at = timezone.now()
        graded_fields = (
            *grades.GRADE_FIELDS,
            "auto_first_error_index",
            "auto_final_answer_verdict",
            "auto_score",
            "confidence",
            "counts_as_attempt",
            "graded_at",
            "unfinished",
        )
        review = _review_reason(result, assignment.review_threshold, score, truncated=claim.truncated)
        if submission.teacher_score is not None:
            # The teacher set this grade; a regrade refreshes the verdicts beside it but does not reopen it.
            review = ""
        details = {
            "run_id": run.pk,
            "score": str(submission.score),
            "auto_score": str(submission.auto_score),
            "first_error_index": submission.first_error_index,
            "confidence": round(result.confidence, 4),
            "score_rule": submission.problem.scoring,
        }
        return submission_transition(
            submission=submission,
            to=Status.NEEDS_REVIEW if review else Status.GRADED,
            reason=review or "Graded",
            details=details,
            also_save=graded_fields,
        )
