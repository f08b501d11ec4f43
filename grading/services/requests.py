"""Regrade requests: a student asks for a second look at a step (or the whole grade) of a graded attempt; a teacher
or TA accepts it with an override (through the override services, so the decision is in the history and survives
regrades) or declines it, with a reply the student reads on the submission page."""

from __future__ import annotations

from decimal import Decimal

from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.utils import timezone

from tutor.audit.events import AuditEventType
from tutor.classroom import access
from tutor.classroom.access import Capability

from ..errors import GradingPermissionError, SubmissionError
from ..models import RegradeRequest, Submission
from . import overrides
from .state import Actor, Status, course_id_of, record_event

MESSAGE_MAX_CHARS = 1000
REPLY_MAX_CHARS = 2000
# Requests one attempt may have in all: after that the student talks to the teacher.
MAX_REQUESTS_PER_SUBMISSION = 3


def may_request(submission: Submission) -> str:
    """Why this attempt cannot get a regrade request now, or "" when it can (the page's rule and the service's)."""
    if submission.status == Status.NEEDS_REVIEW:
        return "Your teacher has not confirmed this grade yet."
    if submission.status != Status.GRADED:
        return "You can ask for a regrade once this attempt is graded."
    requests = list(submission.regrade_requests.all())
    if any(request.is_open for request in requests):
        return "You asked for a regrade of this attempt; your teacher will answer it."
    if len(requests) >= MAX_REQUESTS_PER_SUBMISSION:
        return f"You have asked {len(requests)} times about this attempt; talk to your teacher about it."
    return ""


@transaction.atomic
def regrade_request_create(
    *, student: AbstractBaseUser, submission: Submission, message: str, step_index: int | None = None
) -> RegradeRequest:
    """A student asks about one step (or, with no step, the grade as a whole) of their own graded attempt."""
    submission = Submission.objects.select_for_update().select_related("problem__assignment").get(pk=submission.pk)
    if submission.student_id != student.pk or not access.can(student, course_id_of(submission), Capability.SUBMIT):
        raise GradingPermissionError("You can ask for a regrade of your own work only.")
    refusal = may_request(submission)
    if refusal:
        raise SubmissionError(refusal, code="not_now")
    message = message.strip()
    if not message:
        raise SubmissionError("Say what you think is wrong with the grade.", code="message_required")
    if len(message) > MESSAGE_MAX_CHARS:
        raise SubmissionError(f"Keep the message under {MESSAGE_MAX_CHARS:,} characters.", code="message_too_long")
    if step_index is not None and not submission.steps.filter(index=step_index).exists():
        raise SubmissionError("That step is not part of this attempt.", code="bad_step")
    try:
        with transaction.atomic():
            request = RegradeRequest.objects.create(
                submission=submission, student_id=student.pk, step_index=step_index, message=message
            )
    except IntegrityError as exc:  # a second request raced the first
        raise SubmissionError("You asked for a regrade of this attempt already.", code="already_open") from exc
    record_event(
        submission=submission,
        event_type=AuditEventType.REGRADE_REQUESTED,
        actor=student,
        details={"request_id": request.pk, "step_index": step_index, "message": message},
    )
    return request


@transaction.atomic
def regrade_request_answer(
    *,
    regrade_request: RegradeRequest,
    actor: Actor,
    accept: bool,
    reply: str,
    verdict: str = "",
    score: Decimal | None = None,
) -> RegradeRequest:
    """Answer an open request. Accepting changes the grade through the override services: the asked-about step's
    verdict (`verdict`), the score (`score`), or both, with the reply as the reason. Declining leaves the grade as
    it is. Either way the student reads the reply."""
    request = RegradeRequest.objects.select_for_update().get(pk=regrade_request.pk)
    submission = Submission.objects.select_related("problem__assignment").get(pk=request.submission_id)
    if actor.pk is None or not access.can(actor, course_id_of(submission), Capability.GRADE):
        raise GradingPermissionError("Only the class's teachers and TAs can answer regrade requests.")
    if not request.is_open:
        raise SubmissionError("This request has been answered already.", code="answered")
    reply = reply.strip()
    if not reply:
        raise SubmissionError("Write a reply for the student.", code="reply_required")
    if len(reply) > REPLY_MAX_CHARS:
        raise SubmissionError(f"Keep the reply under {REPLY_MAX_CHARS:,} characters.", code="reply_too_long")
    override = None
    if accept:
        if verdict and request.step_index is None:
            raise SubmissionError("The student asked about the whole grade: change the score.", code="no_step")
        if not verdict and score is None:
            raise SubmissionError(
                "To accept, change the step's verdict or the score; or decline with a reply.", code="no_change"
            )
        if verdict and request.step_index is not None:
            step = submission.steps.filter(index=request.step_index).first()
            if step is None:
                raise SubmissionError(
                    "That step is gone (the attempt was regraded); change the score instead.", code="bad_step"
                )
            override = overrides.step_override(step=step, actor=actor, verdict=verdict, reason=reply)
        if score is not None:
            override = overrides.score_override(submission=submission, actor=actor, score=score, reason=reply)
    request.status = RegradeRequest.Status.ACCEPTED if accept else RegradeRequest.Status.DECLINED
    request.reply, request.answered_by_id, request.resolved_at = reply, actor.pk, timezone.now()
    request.override = override
    request.save(update_fields=["status", "reply", "answered_by", "resolved_at", "override"])
    record_event(
        submission=submission,
        event_type=AuditEventType.REGRADE_REQUEST_ACCEPTED if accept else AuditEventType.REGRADE_REQUEST_DECLINED,
        actor=actor,
        details={
            "request_id": request.pk,
            "reply": reply,
            "override_id": override.pk if override else None,
            "score": str(Submission.objects.values_list("score", flat=True).get(pk=submission.pk)),
        },
    )
    return request
