"""Fix from here (the StepWiser chunk reset, with the student as the generator): a new attempt that keeps the
verified steps before the first error, locked, and continues with what the student rewrites.

The kept steps come from the earlier attempt as the server stored it, never from the browser, so they are
exactly what was verified; the new attempt goes through `submission_create` like any other (counted by the
assignment's attempt rules in grading.policy), and its grading reuses the cached verdicts of that prefix
(grading.tutoring.reuse).
"""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils.translation import gettext as _

from ..errors import SubmissionError
from ..models import Step, Submission
from ..tutoring.hints import graded
from .submitting import submission_create


def fix_start(submission: Submission, steps: list[Step]) -> int | None:
    """The step (1-based) a fix starts from: the first error, or the step after the last for an unfinished
    solution whose steps are all correct; None when there is nothing to fix."""
    if not graded(submission) or not steps:
        return None
    if submission.first_error_index is not None:
        return submission.first_error_index + 1
    if all(step.effective_verdict == Step.Verdict.CORRECT for step in steps) and (
        submission.final_answer_verdict != Submission.FinalAnswer.CORRECT
    ):
        return len(steps) + 1
    return None


def locked_prefix(submission: Submission, steps: list[Step], start: int) -> str:
    """The earlier attempt's text before step `start` (1-based), as the student wrote it."""
    text = submission.text if start > len(steps) else submission.text[: steps[start - 1].char_start]
    return text if not text or text.endswith("\n") else text + "\n"


@transaction.atomic
def fix_submit(*, student: AbstractBaseUser, submission: Submission, start: int, text: str) -> Submission:
    """A new attempt: `submission`'s steps before `start` (locked) followed by `text`."""
    if submission.student_id != student.pk:
        raise SubmissionError(_("You can only fix your own work."), code="not_yours")
    steps = list(submission.steps.order_by("index"))
    expected = fix_start(submission, steps)
    if expected is None or start != expected:
        raise SubmissionError(
            _("This attempt has nothing to fix from that step: open its feedback page and start from there."),
            code="no_fix",
        )
    rest = text.replace("\r\n", "\n").strip("\n")
    if not rest.strip():
        raise SubmissionError(
            _("Write your new step %(n)s (and what follows) below the kept steps, then submit.") % {"n": start},
            code="empty",
        )
    return submission_create(
        student=student,
        problem=submission.problem,
        text=locked_prefix(submission, steps, start) + rest,
        fixed_from=submission,
        locked_steps=start - 1,
    )
