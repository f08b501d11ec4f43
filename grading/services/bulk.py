"""Regrading many submissions at once: one problem, or every problem of an assignment (after changing the
checker, K, the reference answer...). Each attempt goes through `submission_regrade` (the teacher's decisions kept
unless dropped on purpose) and then through the queue like any grading; the run and what each attempt scored
before are kept, so progress and what changed can be shown while it runs and afterwards."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import QuerySet

from tutor.audit.events import AuditEventType
from tutor.audit.services import record
from tutor.classroom import access
from tutor.classroom.access import Capability
from tutor.classroom.models import Assignment, Problem

from ..errors import GradingError, GradingPermissionError
from ..models import RegradeRun, RegradeRunItem, Submission
from .overrides import submission_regrade

REASON_MAX_CHARS = 500


def regrade_scope(*, assignment: Assignment, problem: Problem | None = None) -> tuple[int, int]:
    """(attempts a run would regrade now, attempts still being graded that it would leave alone)."""
    submissions = _scope(assignment, problem)
    final = submissions.filter(status__in=Submission.FINAL_STATUSES).count()
    return final, submissions.count() - final


def _scope(assignment: Assignment, problem: Problem | None) -> QuerySet[Submission]:
    submissions = Submission.objects.filter(problem__assignment=assignment)
    if problem is not None:
        return submissions.filter(problem=problem)
    return submissions.filter(problem__archived_at__isnull=True)


@transaction.atomic
def regrade_run_create(
    *,
    actor: User,
    assignment: Assignment,
    problem: Problem | None = None,
    reason: str = "",
    keep_overrides: bool = True,
) -> RegradeRun:
    """Regrade every graded attempt at `problem` (or at every active problem of `assignment`). All or nothing, and
    bounded: more than BULK_REGRADE_MAX_SUBMISSIONS attempts is refused with a suggestion."""
    if not access.can(actor, assignment.course_id, Capability.GRADE):
        raise GradingPermissionError("Only the class's teachers and TAs can regrade.")
    if problem is not None and problem.assignment_id != assignment.pk:
        raise GradingError("That problem is not part of this assignment.", code="bad_problem")
    reason = reason.strip()
    if len(reason) > REASON_MAX_CHARS:
        raise GradingError(f"Keep the reason under {REASON_MAX_CHARS} characters.", code="reason_too_long")
    submissions = list(_scope(assignment, problem).order_by("id"))
    final = [s for s in submissions if s.is_final]
    limit = settings.BULK_REGRADE_MAX_SUBMISSIONS
    if len(final) > limit:
        raise GradingError(
            f"This would regrade {len(final):,} attempts; at most {limit:,} are regraded at once. "
            "Regrade one problem at a time.",
            code="too_many",
        )
    if not final:
        waiting = " (the others are still being graded)" if submissions else ""
        raise GradingError(f"There is no graded work to regrade yet{waiting}.", code="nothing_to_regrade")
    run = RegradeRun.objects.create(
        assignment=assignment,
        problem=problem,
        requested_by=actor,
        reason=reason,
        keep_overrides=keep_overrides,
        backend=assignment.verifier_backend,
        skipped=len(submissions) - len(final),
    )
    items = []
    what = f"problem {problem.position}" if problem is not None else "the whole assignment"
    for submission in final:
        old_score, old_status = submission.score, submission.status
        regraded = submission_regrade(
            submission=submission,
            actor=actor,
            reason=reason or f"Regrade of {what} (run {run.pk})",
            keep_overrides=keep_overrides,
        )
        items.append(
            RegradeRunItem(
                run=run,
                submission=regraded,
                grading_version=regraded.grading_version,
                old_score=old_score,
                old_status=old_status,
            )
        )
    RegradeRunItem.objects.bulk_create(items)
    record(
        event_type=AuditEventType.BULK_REGRADE_STARTED,
        target=assignment,
        actor=actor,
        course_id=assignment.course_id,
        details={
            "run_id": run.pk,
            "problem_id": problem.pk if problem else None,
            "attempts": len(items),
            "skipped": run.skipped,
            "backend": run.backend,
            "keep_overrides": keep_overrides,
            "reason": reason,
        },
    )
    return run
