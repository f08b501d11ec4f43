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
    # Content
    ASSIGNMENT_CREATED = "assignment.created", "Assignment created"
    PROBLEM_CREATED = "problem.created", "Problem created"
    PROBLEM_SET_IMPORTED = "problem_set.imported", "Problem set imported"
    PROBLEM_SET_REPLACED = "problem_set.replaced", "Problem set re-uploaded over an unstarted assignment"
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
