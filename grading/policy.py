"""May this student submit this problem now? The one policy, with the reason when the answer is no.

It weighs the assignment's window (opens_at, due_at), its late policy and the attempts left (a grading that failed
through no fault of the student does not use one), and the student's own exceptions on the assignment
(`StudentException`): an extension (their own due date), extra attempts, and extra time (the due date moves by a
share of the assignment's working time, opening to due). Archived problems, assignments and classes take no
work. The submit service enforces it; the problem, assignment and feedback pages show what it says.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.utils import timezone

from tutor.classroom.models import Assignment, Problem

from .models import StudentException, Submission


@dataclass(frozen=True)
class SubmitDecision:
    allowed: bool
    # "ok", "late" (allowed, with the late penalty), "not_open", "closed", "no_attempts_left", "archived"
    code: str
    message: str
    is_late: bool
    past_due: bool
    attempts_used: int
    max_attempts: int
    # This student's due date: the assignment's, or later with an extension or extra time.
    due_at: datetime | None = None
    exception: StudentException | None = None

    @property
    def attempts_left(self) -> int:
        """How many more times the student may submit (0 once the window is shut to them)."""
        if not self.allowed and self.code in ("closed", "not_open", "archived"):
            return 0
        return max(self.max_attempts - self.attempts_used, 0)

    @property
    def closed(self) -> bool:
        return self.code == "closed"

    @property
    def next_attempt(self) -> int:
        return self.attempts_used + 1


def exception_for(*, student_id: int, assignment: Assignment) -> StudentException | None:
    return StudentException.objects.filter(assignment=assignment, student_id=student_id).first()


def effective_due_at(assignment: Assignment, exception: StudentException | None) -> datetime | None:
    """The due date that applies to one student: the latest of the assignment's, their extension, and the
    assignment's plus their extra time. An exception never moves a due date earlier; with no due date there is
    nothing to extend."""
    due = assignment.due_at
    if due is None or exception is None:
        return due
    candidates = [due]
    if exception.due_at is not None:
        candidates.append(exception.due_at)
    if exception.extra_time_percent:
        start = assignment.opens_at or assignment.created_at
        window = max(due - start, timedelta(0))
        candidates.append(due + window * exception.extra_time_percent / 100)
    return max(candidates)


def _opens(assignment: Assignment) -> str:
    assert assignment.opens_at is not None
    return timezone.localtime(assignment.opens_at).strftime("%Y-%m-%d %H:%M")


def attempts_used(*, student_id: int, problem: Problem) -> int:
    """Attempts that count against the maximum: every one except gradings that failed through no fault of the
    student (a misconfigured or unavailable verifier)."""
    return Submission.objects.filter(student_id=student_id, problem=problem, counts_as_attempt=True).count()


def submit_decision(
    *, problem: Problem, student_id: int, now: datetime | None = None, used: int | None = None
) -> SubmitDecision:
    """Whether `student_id` may hand in a new attempt at `problem` at `now`. `used` saves a query when known."""
    assignment = problem.assignment
    now = now or timezone.now()
    used = attempts_used(student_id=student_id, problem=problem) if used is None else used
    exception = exception_for(student_id=student_id, assignment=assignment)
    due_at = effective_due_at(assignment, exception)
    max_attempts = assignment.max_attempts + (exception.extra_attempts if exception is not None else 0)
    past_due = due_at is not None and now > due_at

    def decide(allowed: bool, code: str, message: str = "") -> SubmitDecision:
        return SubmitDecision(
            allowed=allowed,
            code=code,
            message=message,
            is_late=past_due and allowed,
            past_due=past_due,
            attempts_used=used,
            max_attempts=max_attempts,
            due_at=due_at,
            exception=exception,
        )

    if assignment.course.archived_at is not None:
        return decide(False, "archived", "This class is archived: it takes no more work.")
    if problem.archived_at is not None or assignment.archived_at is not None:
        return decide(False, "archived", "Your teacher archived this problem: it takes no more work.")
    if assignment.opens_at is not None and now < assignment.opens_at:
        return decide(False, "not_open", f"This assignment opens on {_opens(assignment)}; you cannot submit yet.")
    if past_due and assignment.late_policy == Assignment.LatePolicy.REFUSE:
        return decide(False, "closed", "The due date has passed and this assignment does not accept late work.")
    if used >= max_attempts:
        return decide(False, "no_attempts_left", f"You have used all {max_attempts} attempts for this problem.")
    if past_due:
        return decide(True, "late")
    return decide(True, "ok")
