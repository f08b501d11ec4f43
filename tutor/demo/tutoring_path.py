"""The tutoring path in the demo class (`manage.py load_demo`): a student goes from a wrong solution to a right one
with two hints and one "fix from here", and the teacher sees that path.

Jun's first attempt at "Bus tickets" multiplies the teachers by the student price (3 × 4); Jun asks for two hints
(where to look, then what the step does with which amounts), fixes the solution from step 2 with step 1 kept, and
the new attempt is right. Everything goes through the real services and is graded in this process by the
assignment's backend. Idempotent: skipped once Jun has work on the problem. Kept apart from the reviewed history
(reviewed_history.py), which has its own students.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import User

from grading import services as grading
from grading.models import Submission
from tutor.classroom.models import Assignment, Course, Enrollment

STUDENT = ("jun", "jun-demo-1", "Jun")
PROBLEM_POSITION = 1
WRONG = "27 × 4 = 108\n3 × 4 = 12\n108 + 12 = 120"
FIX_FROM = 2
FIXED_REST = "3 × 6 = 18\n108 + 18 = 126"
HINTS = 2


def seed_tutoring_path(*, course: Course, assignment: Assignment, stdout: Any = None) -> Submission | None:
    username, password, first_name = STUDENT
    student, created = User.objects.get_or_create(username=username, defaults={"first_name": first_name})
    if created:
        student.set_password(password)
        student.save(update_fields=["password"])
    Enrollment.objects.get_or_create(course=course, user=student, defaults={"role": Enrollment.Role.STUDENT})
    problem = assignment.problems.get(position=PROBLEM_POSITION)
    if Submission.objects.filter(problem=problem, student=student).exists():
        return None
    first = _graded(grading.submission_create(student=student, problem=problem, text=WRONG))
    if first.first_error_index is None:
        # A backend that does not see the slip (the tests' fake one): no hints to give, nothing to fix.
        return first
    for _ in range(HINTS):
        grading.hint_request(student=student, problem=problem, submission=first)
    fixed = grading.fix_submit(student=student, submission=first, start=FIX_FROM, text=FIXED_REST)
    fixed = _graded(fixed)
    if stdout is not None:
        stdout.write(
            f"Tutoring path: {first_name} ({username} / {password}) fixed “{problem}” from step {FIX_FROM} after "
            f"{HINTS} hints: attempt 1 scored {first.score}, attempt 2 {fixed.score}."
        )
    return fixed


def _graded(submission: Submission) -> Submission:
    grading.submission_grade(submission_id=submission.pk, grading_version=submission.grading_version)
    submission.refresh_from_db()
    return submission
