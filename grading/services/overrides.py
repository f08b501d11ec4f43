"""Teachers' actions on a grade: override a step's verdict or the score, confirm a reviewed grade, regrade.

Each authorizes through the access module (site staff included), locks the row, and writes its audit event in
the same transaction. The verifier's verdicts stay on record in the Override rows.
"""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction

from tutor.audit.events import AuditEventType
from tutor.classroom import access
from tutor.classroom.access import Capability

from ..errors import GradingPermissionError, IllegalTransition, SubmissionError
from ..models import Override, Step, Submission
from ..scoring import compute_score
from .state import Actor, Status, course_id_of, record_event, submission_transition
from .submitting import enqueue_after_commit


def _require_grader(user: Actor, submission: Submission) -> int:
    """The acting user's id when they may change this submission's grade (access.Capability.GRADE)."""
    if user.pk is None or not access.can(user, course_id_of(submission), Capability.GRADE):
        raise GradingPermissionError("Only the class's teachers and TAs can change grades.")
    return int(user.pk)


@transaction.atomic
def submission_regrade(*, submission: Submission, actor: Actor, reason: str = "") -> Submission:
    """Start grading again from scratch: bump the version so in-flight tasks become stale, then enqueue."""
    _require_grader(actor, submission)
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
    enqueue_after_commit(submission)
    return submission


@transaction.atomic
def step_override(*, step: Step, actor: Actor, verdict: str, reason: str) -> Override:
    """A teacher changes one step's verdict. The first error and the score follow from the new verdicts."""
    submission = Submission.objects.select_for_update().get(pk=step.submission_id)
    teacher_id = _require_grader(actor, submission)
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
    record_event(
        submission=submission,
        event_type=AuditEventType.OVERRIDE_STEP,
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
    teacher_id = _require_grader(actor, submission)
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
    record_event(
        submission=submission,
        event_type=AuditEventType.OVERRIDE_SCORE,
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
    _require_grader(actor, submission)
    if submission.status != Status.NEEDS_REVIEW:
        raise IllegalTransition("Only submissions waiting for review can be accepted.")
    if submission.score is None:
        raise SubmissionError("This submission has no grade yet; set a score or regrade it.", code="no_grade")
    record_event(submission=submission, event_type=AuditEventType.REVIEW_ACCEPTED, actor=actor, details={})
    return submission_transition(
        submission=submission, to=Status.GRADED, actor=actor, reason="Grade confirmed by a teacher"
    )
