"""Teachers' decisions on a grade: a step's verdict, the final-answer verdict, a rubric tick, the score; clearing
one; confirming a reviewed grade; regrading (keeping the decisions by default, or dropping them on purpose).

Each authorizes through the access module (site staff included), locks the row, records an Override row (the
history) and an audit event in the same transaction, and recomputes the grade through the score policy. The
decisions in force live on the Step and Submission rows (`teacher_*`); the verifier's verdicts stay beside them.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db import transaction

from tutor.audit.events import AuditEventType
from tutor.classroom import access
from tutor.classroom.access import Capability

from ..errors import GradingPermissionError, IllegalTransition, SubmissionError
from ..models import Override, Step, Submission
from . import grades
from .state import Actor, Status, course_id_of, record_event, submission_transition
from .submitting import enqueue_after_commit

REASON_MAX_CHARS = 2000
VERDICTS = frozenset(Step.Verdict.values)


def _require_grader(user: Actor, submission: Submission) -> int:
    """The acting user's id when they may change this submission's grade (access.Capability.GRADE)."""
    if user.pk is None or not access.can(user, course_id_of(submission), Capability.GRADE):
        raise GradingPermissionError("Only the class's teachers and TAs can change grades.")
    return int(user.pk)


def _reason(reason: str) -> str:
    reason = reason.strip()
    if not reason:
        raise SubmissionError("Give a reason for the change.", code="reason_required")
    if len(reason) > REASON_MAX_CHARS:
        raise SubmissionError(f"Keep the reason under {REASON_MAX_CHARS:,} characters.", code="reason_too_long")
    return reason


def _locked(submission: Submission, actor: Actor, *, graded: bool = True) -> tuple[Submission, int]:
    submission = Submission.objects.select_for_update().select_related("problem__assignment").get(pk=submission.pk)
    teacher_id = _require_grader(actor, submission)
    if not submission.is_final:
        raise IllegalTransition("This submission is still being graded; wait for it to finish first.")
    if graded and submission.status == Status.FAILED:
        raise SubmissionError(
            "This attempt could not be graded, so there is nothing to change yet: regrade it first.", code="failed"
        )
    return submission, teacher_id


def _regrade_in_place(submission: Submission, actor: Actor, event: AuditEventType, details: dict[str, Any]) -> None:
    """Recompute the grade from the decisions in force, save it, and record the change."""
    old_score = submission.score
    grades.refresh_grade(submission)
    submission.save(update_fields=list(grades.GRADE_FIELDS))
    record_event(
        submission=submission,
        event_type=event,
        actor=actor,
        details={**details, "old_score": str(old_score), "new_score": str(submission.score)},
    )
    if submission.status == Status.NEEDS_REVIEW and submission.score is not None:
        # A teacher's decision settles a grade that waited for review.
        submission.counts_as_attempt = True
        submission_transition(
            submission=submission,
            to=Status.GRADED,
            actor=actor,
            reason="Reviewed by a teacher",
            also_save=("counts_as_attempt",),
        )


# --- Step verdicts ---------------------------------------------------------------------------------------------


@transaction.atomic
def step_override(*, step: Step, actor: Actor, verdict: str, reason: str) -> Override:
    """A teacher sets one step's verdict. The student sees it, with the reason, as the teacher's; the first error
    and the score follow from the verdicts through the score policy."""
    submission, teacher_id = _locked(Submission(pk=step.submission_id), actor)
    reason = _reason(reason)
    if verdict not in VERDICTS:
        raise SubmissionError(f"Unknown verdict {verdict!r}.", code="bad_verdict")
    step = Step.objects.select_for_update().get(pk=step.pk)
    override = Override.objects.create(
        submission=submission,
        step=step,
        step_index=step.index,
        kind=Override.Kind.STEP,
        teacher_id=teacher_id,
        old_verdict=step.effective_verdict,
        new_verdict=verdict,
        old_score=submission.score,
        reason=reason,
    )
    step.teacher_verdict, step.teacher_reason, step.teacher_id = verdict, reason, teacher_id
    step.save(update_fields=["teacher_verdict", "teacher_reason", "teacher"])
    _regrade_in_place(
        submission,
        actor,
        AuditEventType.OVERRIDE_STEP,
        {
            "override_id": override.pk,
            "step_index": step.index,
            "from": override.old_verdict,
            "to": verdict,
            "checker_verdict": step.verdict,
            "reason": reason,
        },
    )
    override.new_score = submission.score
    override.save(update_fields=["new_score"])
    return override


@transaction.atomic
def step_override_clear(*, step: Step, actor: Actor) -> Override:
    """Go back to the verifier's verdict on one step."""
    submission, teacher_id = _locked(Submission(pk=step.submission_id), actor)
    step = Step.objects.select_for_update().get(pk=step.pk)
    if not step.teacher_verdict:
        raise SubmissionError("This step has no teacher verdict to clear.", code="nothing_to_clear")
    override = Override.objects.create(
        submission=submission,
        step=step,
        step_index=step.index,
        kind=Override.Kind.STEP,
        action=Override.Action.CLEARED,
        teacher_id=teacher_id,
        old_verdict=step.teacher_verdict,
        new_verdict=step.verdict,
        old_score=submission.score,
        reason="Back to the checker's verdict",
    )
    step.teacher_verdict, step.teacher_reason, step.teacher_id = "", "", None
    step.save(update_fields=["teacher_verdict", "teacher_reason", "teacher"])
    _regrade_in_place(
        submission, actor, AuditEventType.OVERRIDE_CLEARED, {"override_id": override.pk, "step_index": step.index}
    )
    override.new_score = submission.score
    override.save(update_fields=["new_score"])
    return override


def detach_step_decision(*, submission: Submission, step: Step, old_text: str) -> None:
    """A regrade split the solution differently and this step no longer reads as it did when the teacher judged
    it: the verdict no longer applies. Called inside the grading transaction; the caller saves the step."""
    Override.objects.create(
        submission=submission,
        step=None,
        step_index=step.index,
        kind=Override.Kind.STEP,
        action=Override.Action.DETACHED,
        teacher_id=step.teacher_id,
        old_verdict=step.teacher_verdict,
        new_verdict="",
        reason=f"The step changed at a regrade (it read: {old_text[:200]})",
    )
    record_event(
        submission=submission,
        event_type=AuditEventType.OVERRIDE_DETACHED,
        details={"step_index": step.index, "teacher_verdict": step.teacher_verdict, "old_text": old_text[:500]},
    )
    step.teacher_verdict, step.teacher_reason, step.teacher_id = "", "", None


# --- Final answer, rubric and score ------------------------------------------------------------------------------


@transaction.atomic
def final_answer_override(*, submission: Submission, actor: Actor, verdict: str, reason: str) -> Override:
    """A teacher sets the final-answer verdict (e.g. the checker misread an answer written in words)."""
    submission, teacher_id = _locked(submission, actor)
    reason = _reason(reason)
    if verdict not in Submission.FinalAnswer.values:
        raise SubmissionError(f"Unknown verdict {verdict!r}.", code="bad_verdict")
    override = Override.objects.create(
        submission=submission,
        kind=Override.Kind.FINAL_ANSWER,
        teacher_id=teacher_id,
        old_verdict=grades.effective_final_answer(submission),
        new_verdict=verdict,
        old_score=submission.score,
        reason=reason,
    )
    submission.teacher_final_answer, submission.teacher_final_answer_reason = verdict, reason
    submission.save(update_fields=["teacher_final_answer", "teacher_final_answer_reason"])
    _regrade_in_place(
        submission,
        actor,
        AuditEventType.OVERRIDE_FINAL_ANSWER,
        {"override_id": override.pk, "from": override.old_verdict, "to": verdict, "reason": reason},
    )
    override.new_score = submission.score
    override.save(update_fields=["new_score"])
    return override


@transaction.atomic
def rubric_tick(*, submission: Submission, actor: Actor, item: int, ticked: bool, reason: str = "") -> Override:
    """A teacher ticks (or unticks) one rubric item of a rubric-scored problem."""
    submission, teacher_id = _locked(submission, actor)
    items = grades.rubric_of(submission)
    if submission.problem.scoring != "rubric" or not 0 <= item < len(items):
        raise SubmissionError("That rubric item does not exist.", code="bad_rubric_item")
    ticks = dict(submission.rubric_ticks or {})
    override = Override.objects.create(
        submission=submission,
        kind=Override.Kind.RUBRIC,
        step_index=item,
        teacher_id=teacher_id,
        old_verdict="ticked" if ticks.get(str(item)) else "",
        new_verdict="ticked" if ticked else "unticked",
        old_score=submission.score,
        reason=reason.strip()[:REASON_MAX_CHARS] or items[item].name,
    )
    ticks[str(item)] = ticked
    submission.rubric_ticks = ticks
    submission.save(update_fields=["rubric_ticks"])
    _regrade_in_place(
        submission,
        actor,
        AuditEventType.OVERRIDE_RUBRIC,
        {"override_id": override.pk, "item": item, "name": items[item].name, "ticked": ticked},
    )
    override.new_score = submission.score
    override.save(update_fields=["new_score"])
    return override


@transaction.atomic
def score_override(*, submission: Submission, actor: Actor, score: Decimal, reason: str) -> Override:
    """A teacher sets the score. It is exactly what the teacher typed, and it stands through regrades until the
    teacher clears it."""
    submission, teacher_id = _locked(submission, actor)
    reason = _reason(reason)
    points = Decimal(submission.problem.points)
    score = Decimal(score)
    if not score.is_finite() or score < 0 or score > points:
        raise SubmissionError(f"The score must be between 0 and {points}.", code="bad_score")
    override = Override.objects.create(
        submission=submission,
        kind=Override.Kind.SCORE,
        teacher_id=teacher_id,
        old_score=submission.score,
        new_score=score,
        reason=reason,
    )
    submission.teacher_score, submission.teacher_score_reason = score, reason
    submission.save(update_fields=["teacher_score", "teacher_score_reason"])
    _regrade_in_place(submission, actor, AuditEventType.OVERRIDE_SCORE, {"override_id": override.pk, "reason": reason})
    return override


@transaction.atomic
def score_override_clear(*, submission: Submission, actor: Actor) -> Override:
    """Go back to the score the policy computes from the verdicts."""
    submission, teacher_id = _locked(submission, actor)
    if submission.teacher_score is None:
        raise SubmissionError("This grade has no teacher score to clear.", code="nothing_to_clear")
    override = Override.objects.create(
        submission=submission,
        kind=Override.Kind.SCORE,
        action=Override.Action.CLEARED,
        teacher_id=teacher_id,
        old_score=submission.teacher_score,
        reason="Back to the computed score",
    )
    submission.teacher_score, submission.teacher_score_reason = None, ""
    submission.save(update_fields=["teacher_score", "teacher_score_reason"])
    _regrade_in_place(submission, actor, AuditEventType.OVERRIDE_CLEARED, {"override_id": override.pk})
    override.new_score = submission.score
    override.save(update_fields=["new_score"])
    return override


# --- Review and regrade --------------------------------------------------------------------------------------------


@transaction.atomic
def review_accept(*, submission: Submission, actor: Actor) -> Submission:
    """A teacher confirms the computed grade of a submission in the review queue."""
    submission = Submission.objects.select_for_update().get(pk=submission.pk)
    _require_grader(actor, submission)
    if submission.status != Status.NEEDS_REVIEW:
        raise IllegalTransition("Only submissions waiting for review can be accepted.")
    if submission.score is None:
        raise SubmissionError("This submission has no grade yet; set a score or regrade it.", code="no_grade")
    record_event(
        submission=submission,
        event_type=AuditEventType.REVIEW_ACCEPTED,
        actor=actor,
        details={"score": str(submission.score)},
    )
    return submission_transition(
        submission=submission, to=Status.GRADED, actor=actor, reason="Grade confirmed by a teacher"
    )


def _drop_decisions(submission: Submission, teacher_id: int) -> list[dict[str, Any]]:
    """Clear every teacher decision on the submission, each recorded in the history. Returns what was dropped."""
    dropped: list[dict[str, Any]] = []
    for step in submission.steps.select_for_update().exclude(teacher_verdict=""):
        dropped.append({"kind": "step", "step_index": step.index, "verdict": step.teacher_verdict})
        Override.objects.create(
            submission=submission,
            step=step,
            step_index=step.index,
            kind=Override.Kind.STEP,
            action=Override.Action.DROPPED,
            teacher_id=teacher_id,
            old_verdict=step.teacher_verdict,
            new_verdict=step.verdict,
            reason="Dropped at a regrade",
        )
        step.teacher_verdict, step.teacher_reason, step.teacher_id = "", "", None
        step.save(update_fields=["teacher_verdict", "teacher_reason", "teacher"])
    drops: list[tuple[str, str, str]] = []
    if submission.teacher_final_answer:
        drops.append((Override.Kind.FINAL_ANSWER, submission.teacher_final_answer, ""))
    if submission.rubric_ticks:
        drops.append((Override.Kind.RUBRIC, "ticks", ""))
    for kind, old, new in drops:
        dropped.append({"kind": kind, "verdict": old})
        Override.objects.create(
            submission=submission,
            kind=kind,
            action=Override.Action.DROPPED,
            teacher_id=teacher_id,
            old_verdict=old,
            new_verdict=new,
            reason="Dropped at a regrade",
        )
    if submission.teacher_score is not None:
        dropped.append({"kind": "score", "score": str(submission.teacher_score)})
        Override.objects.create(
            submission=submission,
            kind=Override.Kind.SCORE,
            action=Override.Action.DROPPED,
            teacher_id=teacher_id,
            old_score=submission.teacher_score,
            reason="Dropped at a regrade",
        )
    submission.teacher_score, submission.teacher_score_reason = None, ""
    submission.teacher_final_answer, submission.teacher_final_answer_reason = "", ""
    submission.rubric_ticks = {}
    return dropped


@transaction.atomic
def submission_regrade(
    *, submission: Submission, actor: Actor, reason: str = "", keep_overrides: bool = True
) -> Submission:
    """Grade again from scratch: bump the version so in-flight tasks become stale, then enqueue.

    The teacher's decisions stay in force by default (the submission page then says which of them the new
    verdicts agree with). `keep_overrides=False` drops them on purpose, recorded in the history and the audit log.
    """
    submission, teacher_id = _locked(submission, actor, graded=False)
    dropped = [] if keep_overrides else _drop_decisions(submission, teacher_id)
    submission.grading_version += 1
    submission.retries = 0
    submission.backend = submission.problem.assignment.verifier_backend
    submission.save(
        update_fields=[
            "grading_version",
            "retries",
            "backend",
            "teacher_score",
            "teacher_score_reason",
            "teacher_final_answer",
            "teacher_final_answer_reason",
            "rubric_ticks",
        ]
    )
    if dropped:
        record_event(
            submission=submission,
            event_type=AuditEventType.OVERRIDES_DROPPED,
            actor=actor,
            details={"dropped": dropped, "reason": reason},
        )
    submission_transition(
        submission=submission,
        to=Status.QUEUED,
        actor=actor,
        reason=reason or "Regrade requested by a teacher",
        details={"backend": submission.backend, "keep_overrides": keep_overrides},
    )
    enqueue_after_commit(submission)
    return submission
