"""Every kind of audit event, in one enum. Services record them through `tutor.audit.services.record`; no other
module spells an event type as a string."""

from __future__ import annotations

from django.db import models


class AuditEventType(models.TextChoices):
    # Classes and people
    COURSE_CREATED = "course.created", "Class created"
    COURSE_JOINED = "course.joined", "Student joined with the code"
    ENROLLMENT_ADDED = "enrollment.added", "Member added"
    ENROLLMENT_REMOVED = "enrollment.removed", "Member removed"
    COURSE_UPDATED = "course.updated", "Class settings changed"
    COURSE_ARCHIVED = "course.archived", "Class archived"
    COURSE_RESTORED = "course.restored", "Class restored from the archive"
    ROSTER_IMPORTED = "roster.imported", "Roster imported"
    ACCOUNT_CREATED = "account.created", "Student account created"
    SIGNED_UP = "account.signed_up", "Student signed up with the class code"
    PASSWORD_SET = "account.password_set", "Temporary password set by a teacher"
    PASSWORD_RESET_SENT = "account.password_reset_sent", "Password-reset link sent"
    INVITATION_CREATED = "invitation.created", "Invited to a class"
    INVITATION_ACCEPTED = "invitation.accepted", "Invitation accepted"
    INVITATION_DECLINED = "invitation.declined", "Invitation declined"
    # Content
    ASSIGNMENT_CREATED = "assignment.created", "Assignment created"
    PROBLEM_CREATED = "problem.created", "Problem created"
    PROBLEM_SET_IMPORTED = "problem_set.imported", "Problem set imported"
    PROBLEM_SET_REPLACED = "problem_set.replaced", "Problem set re-uploaded over an unstarted assignment"
    ASSIGNMENT_UPDATED = "assignment.updated", "Assignment settings changed"
    ASSIGNMENT_MOVED = "assignment.moved", "Assignment moved"
    ASSIGNMENT_DUPLICATED = "assignment.duplicated", "Assignment duplicated"
    ASSIGNMENT_ARCHIVED = "assignment.archived", "Assignment archived"
    ASSIGNMENT_RESTORED = "assignment.restored", "Assignment restored from the archive"
    ASSIGNMENT_DELETED = "assignment.deleted", "Assignment with no submissions deleted"
    PROBLEM_UPDATED = "problem.updated", "Problem changed"
    PROBLEM_MOVED = "problem.moved", "Problem moved"
    PROBLEM_DUPLICATED = "problem.duplicated", "Problem duplicated"
    PROBLEM_ARCHIVED = "problem.archived", "Problem archived"
    PROBLEM_RESTORED = "problem.restored", "Problem restored from the archive"
    PROBLEM_DELETED = "problem.deleted", "Problem with no submissions deleted"
    # Per-student exceptions
    EXCEPTION_SET = "exception.set", "Student exception set"
    EXCEPTION_CLEARED = "exception.cleared", "Student exception removed"
    # A submission's life: created, then one event per state it enters
    SUBMISSION_CREATED = "submission.created", "Submitted"
    SUBMISSION_QUEUED = "submission.queued", "Queued for grading"
    SUBMISSION_SEGMENTING = "submission.segmenting", "Splitting into steps"
    SUBMISSION_VERIFYING = "submission.verifying", "Checking steps"
    SUBMISSION_GRADED = "submission.graded", "Graded"
    SUBMISSION_NEEDS_REVIEW = "submission.needs_review", "Sent to review"
    SUBMISSION_FAILED = "submission.failed", "Grading failed"
    SUBMISSION_SEGMENTATION_NOTES = "submission.segmentation_notes", "Notes from splitting into steps"
    SUBMISSION_RETRY = "submission.retry", "Verifier busy; retrying"
    SUBMISSION_SWEPT = "submission.swept", "Re-sent to a worker by the sweep"
    SUBMISSION_HANDWRITING_ATTACHED = "submission.handwriting_attached", "Handwritten lines attached"
    # Tutoring
    HINT_GIVEN = "hint.given", "Hint given"
    HINT_WRITTEN = "hint.written", "Hint written by the language model"
    # Teachers' actions on grades
    OVERRIDE_STEP = "override.step", "Step verdict changed"
    OVERRIDE_SCORE = "override.score", "Score changed"
    OVERRIDE_FINAL_ANSWER = "override.final_answer", "Final-answer verdict changed"
    OVERRIDE_RUBRIC = "override.rubric", "Rubric item ticked"
    OVERRIDE_CLEARED = "override.cleared", "Teacher decision cleared"
    OVERRIDE_DETACHED = "override.detached", "Teacher decision no longer applies (the step changed)"
    OVERRIDES_DROPPED = "override.dropped", "Teacher decisions dropped at a regrade"
    REVIEW_ACCEPTED = "review.accepted", "Grade confirmed"
    REGRADE_REQUESTED = "regrade_request.created", "Regrade requested by the student"
    REGRADE_REQUEST_ACCEPTED = "regrade_request.accepted", "Regrade request accepted"
    REGRADE_REQUEST_DECLINED = "regrade_request.declined", "Regrade request declined"
    BULK_REGRADE_STARTED = "regrade_run.started", "Bulk regrade started"
    # Abuse limits (tutor.limits)
    LOGIN_LOCKED_OUT = "login.locked_out", "Login locked out after repeated wrong passwords"
    LIMIT_EXCEEDED = "limit.exceeded", "Rate limit reached"
    # Changes made in the Django admin
    ADMIN_CHANGE = "admin.change", "Changed in the admin"
    # Site staff checking the verifier and taking data out (tutor.insight)
    REPLAY_REQUESTED = "replay.requested", "Verifier replay requested (the grade is not changed)"
    AUDIT_LOG_EXPORTED = "audit_log.exported", "Audit log exported"
    TRAINING_DATA_EXPORTED = "training_data.exported", "Step-label training data exported"

    @classmethod
    def entering(cls, status: str) -> AuditEventType:
        """The event recorded when a submission enters `status`."""
        return cls(f"submission.{status}")
