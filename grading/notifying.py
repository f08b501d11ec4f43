"""Which grading events people hear about, in-app (and by email when that is switched on).

Called from `services.state.record_event`, so a notification is written in the same transaction as the change and
its audit event: a rolled-back change leaves neither. Students hear about their grades, their teachers' changes
to them and answers to their regrade requests; a class's teachers and TAs hear about grades that wait for review
and new regrade requests (one line per class that counts up, not one per submission).
"""

from __future__ import annotations

from django.urls import reverse

from tutor.audit.events import AuditEventType
from tutor.classroom.access import STAFF_ROLES
from tutor.classroom.models import Enrollment
from tutor.notifications.models import NotificationKind
from tutor.notifications.services import notify

from .models import Submission

E = AuditEventType
FOR_STUDENT = {
    E.SUBMISSION_GRADED: NotificationKind.GRADED,
    E.OVERRIDE_STEP: NotificationKind.GRADE_CHANGED,
    E.OVERRIDE_SCORE: NotificationKind.GRADE_CHANGED,
    E.OVERRIDE_FINAL_ANSWER: NotificationKind.GRADE_CHANGED,
    E.OVERRIDE_RUBRIC: NotificationKind.GRADE_CHANGED,
    E.OVERRIDE_CLEARED: NotificationKind.GRADE_CHANGED,
    E.OVERRIDES_DROPPED: NotificationKind.GRADE_CHANGED,
    E.REGRADE_REQUEST_ACCEPTED: NotificationKind.REGRADE_ANSWERED,
    E.REGRADE_REQUEST_DECLINED: NotificationKind.REGRADE_ANSWERED,
}
FOR_STAFF = {
    E.SUBMISSION_NEEDS_REVIEW: NotificationKind.REVIEW_WAITING,
    E.SUBMISSION_FAILED: NotificationKind.REVIEW_WAITING,
    E.REGRADE_REQUESTED: NotificationKind.REGRADE_REQUESTED,
}


def where(submission: Submission) -> str:
    problem = submission.problem
    return f"{problem.assignment.title}, problem {problem.position} (attempt {submission.attempt_number})"


def _student_message(submission: Submission, event_type: AuditEventType) -> str:
    if event_type == E.SUBMISSION_GRADED:
        verb = "was regraded" if submission.grading_version > 1 else "is graded"
        score = ""
        if submission.score is not None:
            score = f": {submission.score.normalize():f} / {submission.problem.points.normalize():f}"
        return f"{where(submission)} {verb}{score}."
    if event_type == E.REGRADE_REQUEST_ACCEPTED:
        return f"Your teacher accepted your regrade request on {where(submission)}."
    if event_type == E.REGRADE_REQUEST_DECLINED:
        return f"Your teacher answered your regrade request on {where(submission)}."
    return f"Your teacher changed your grade on {where(submission)}."


def graders_of(course_id: int) -> list[int]:
    """The class's teachers and TAs (site staff read the review queue themselves)."""
    return list(Enrollment.objects.filter(course_id=course_id, role__in=STAFF_ROLES).values_list("user_id", flat=True))


def after_event(*, submission: Submission, event_type: AuditEventType) -> None:
    if event_type not in FOR_STUDENT and event_type not in FOR_STAFF:
        return
    course = submission.problem.assignment.course
    if event_type in FOR_STUDENT:
        notify(
            recipient_ids=[submission.student_id],
            kind=FOR_STUDENT[event_type],
            message=_student_message(submission, event_type),
            url=reverse("submission_detail", args=[submission.pk]),
            key=f"submission:{submission.pk}",
            course_id=course.pk,
        )
    else:
        kind = FOR_STAFF[event_type]
        message = (
            f"New regrade requests in {course.name}."
            if kind == NotificationKind.REGRADE_REQUESTED
            else f"Grades wait for your review in {course.name}."
        )
        notify(
            recipient_ids=graders_of(course.pk),
            kind=kind,
            message=message,
            url=reverse("review_queue"),
            key=f"{kind.value}:{course.pk}",
            course_id=course.pk,
        )
