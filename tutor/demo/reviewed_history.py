"""A reviewed grading history for the demo class (`manage.py load_demo`), so the insight pages (analytics,
agreement, training data) have something in them on a fresh database.

Six more students hand in solutions to the demo assignment's three problems through the real services; each is
graded by the assignment's backend in this process (the task queued on commit finds it graded and does nothing).
Each solution carries the error a careful teacher would locate (`truth`); the demo teacher then acts as a teacher
would, through the audited services: confirms grades waiting for review that are right, overrides the steps
(and once the score) where the verifier disagrees with `truth`, and answers regrade requests (one is left open,
and one grade is left waiting in the review queue). What the verifier says is whatever the configured backend
says, so the agreement figures are real figures about it. Idempotent: a student who already has work in the
assignment is skipped.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import User
from django.utils import timezone

from grading import services as grading
from grading.models import RegradeRequest, Submission
from tutor.classroom.models import Assignment, Course, Enrollment

STUDENTS = (
    # username, password, first name
    ("ines", "ines-demo-1", "Ines"),
    ("dan", "dan-demo-1", "Dan"),
    ("erin", "erin-demo-1", "Erin"),
    ("farid", "farid-demo-1", "Farid"),
    ("grace", "grace-demo-1", "Grace"),
    ("hiro", "hiro-demo-1", "Hiro"),
)


@dataclass(frozen=True)
class Attempt:
    text: str
    # The 0-based step a careful teacher marks as the first error; None when the solution is right.
    truth: int | None = None
    # Why the teacher marks `truth` wrong, and why a step the verifier flagged is fine.
    wrong_because: str = ""
    fine_because: str = "This step is correct."
    # A regrade request from the student: (message, resolved by the teacher?).
    request: tuple[str, bool] | None = None
    # A score the teacher sets, with the reason.
    score: tuple[Decimal, str] | None = None
    # False: the teacher has not got to it yet (it stays in the review queue if it is there).
    reviewed: bool = True


@dataclass(frozen=True)
class Plan:
    student: str
    problem: int  # position in the assignment, from 1
    attempts: tuple[Attempt, ...] = field(default_factory=tuple)


CORRECT_BUS = "27 × 4 = 108\n3 × 6 = 18\n108 + 18 = 126\nThe tickets cost $126."
PLANS = (
    # Problem 1: bus tickets (126)
    Plan("ines", 1, (Attempt(CORRECT_BUS),)),
    Plan(
        "dan",
        1,
        (
            Attempt(
                "27 × 4 = 98\n3 × 6 = 18\n98 + 18 = 116\nThe answer is 116.",
                truth=0,
                request=("I think 116 is right, please check again.", True),
            ),
            Attempt(CORRECT_BUS),
        ),
    ),
    Plan(
        "erin",
        1,
        (
            Attempt(
                "27 + 3 = 30 people\n30 × 4 = 120\nThe answer is 120.",
                truth=1,
                wrong_because="30 × 4 charges the 3 teachers the student price; they pay 6 dollars each.",
                fine_because="27 + 3 = 30 people is true.",
                request=("Step 1 is right: there are 30 people.", True),
            ),
        ),
    ),
    Plan(
        "farid",
        1,
        (
            Attempt(
                "Students: 27 × 4 = 108\nTeachers: 3 × 6 = 18\n"
                "In total the tickets cost 108 + 18 = 126 dollars, so the answer is they pay 126 dollars.",
                fine_because="The answer is 126 dollars, written as a sentence: correct.",
            ),
        ),
    ),
    Plan(
        "grace",
        1,
        (
            Attempt(
                "27 × 6 = 162\n3 × 4 = 12\n162 + 12 = 174",
                truth=0,
                wrong_because="The prices are swapped: students pay 4 dollars, teachers 6.",
            ),
        ),
    ),
    Plan(
        "hiro",
        1,
        (
            Attempt(
                "4 + 6 = 10\n27 + 3 = 30\n30 × 10 = 300 / 2 = 150",
                truth=2,
                wrong_because="Averaging the two prices does not work: there are far more students than teachers.",
                fine_because="4 + 6 = 10 is true; the mistake comes later.",
            ),
        ),
    ),
    # Problem 2: solve 5(x - 2) = 2x + 8 (6)
    Plan("ines", 2, (Attempt("5x - 10 = 2x + 8\n3x = 18\nx = 6"),)),
    Plan(
        "dan",
        2,
        (
            Attempt(
                "5x - 2 = 2x + 8\n3x = 10\nx = 10/3",
                truth=0,
                request=("I multiplied out the bracket, why is step 1 wrong?", True),
            ),
        ),
    ),
    Plan(
        "erin",
        2,
        (
            Attempt(
                "5x - 10 = 2x + 8\n7x = 18\nx = 18/7",
                truth=1,
                request=("I moved 2x to the left, so 5x + 2x = 7x.", False),
            ),
        ),
    ),
    Plan(
        "farid",
        2,
        (
            Attempt(
                "5x - 10 = 2x + 8\n3x = 18\nx = 5",
                truth=2,
                request=("x = 5 was a typo, I meant 6.", True),
            ),
            Attempt("5x - 10 = 2x + 8\n3x = 18\nx = 6"),
        ),
    ),
    Plan(
        "grace",
        2,
        (
            Attempt(
                "-5x + 10 = -2x - 8\n-3x = -18\nx = 6",
                fine_because="Multiplying both sides by -1 is fine.",
            ),
        ),
    ),
    Plan("hiro", 2, (Attempt("5x - 10 = 2x + 8\n5x - 2x = 8 + 10\n3x = 18\nx = 6"),)),
    # Problem 3: fraction of a price (60)
    Plan("ines", 3, (Attempt("2/5 = 40%\n100% - 40% = 60%\nThe answer is 60%"),)),
    Plan(
        "dan",
        3,
        (
            Attempt(
                "2/5 × 45 = 18\n45 - 18 = 27\nHe needs 27 dollars",
                truth=2,
                wrong_because="He still needs 27 dollars, but the question asks for a percent of the price.",
                fine_because="2/5 of 45 dollars is 18 dollars: correct.",
                score=(Decimal(1), "Right amount, wrong unit: half marks."),
            ),
        ),
    ),
    Plan("erin", 3, (Attempt("1 - 2/5 = 3/5\n3/5 = 35%\nThe answer is 35%", truth=1, reviewed=False),)),
    Plan(
        "farid",
        3,
        (
            Attempt("2/5 = 0.4\n1 - 0.4 = 0.5\nSo 50%", truth=1),
            Attempt("2/5 = 0.4\n1 - 0.4 = 0.6\nSo 60%"),
        ),
    ),
    Plan(
        "grace",
        3,
        (
            Attempt(
                "He saved 2/5, so he needs 3/5\n3/5 = 0.6\nHe needs 60 percent more.",
                fine_because="Yes: he has 2/5, so 3/5 is missing.",
            ),
        ),
    ),
    Plan("hiro", 3, (Attempt("2/5 of 45 = 18\n45 - 18 = 27\n27/45 = 0.6 = 60%"),)),
)


def _student(username: str, password: str, first_name: str, course: Course) -> User:
    user, created = User.objects.get_or_create(username=username, defaults={"first_name": first_name})
    if created:
        user.set_password(password)
        user.save(update_fields=["password"])
    Enrollment.objects.get_or_create(course=course, user=user, defaults={"role": Enrollment.Role.STUDENT})
    return user


def _graded(submission: Submission) -> Submission:
    """Grade now, in this process, if the task queued on commit has not (no eager worker here)."""
    grading.submission_grade(submission_id=submission.pk, grading_version=submission.grading_version)
    submission.refresh_from_db()
    return submission


def _review(submission: Submission, attempt: Attempt, teacher: User) -> None:
    """What the demo teacher does with one graded attempt, through the audited services."""
    if submission.status not in (Submission.Status.GRADED, Submission.Status.NEEDS_REVIEW) or not attempt.reviewed:
        return
    if attempt.request is not None:
        RegradeRequest.objects.create(submission=submission, student=submission.student, message=attempt.request[0])
    agrees = submission.first_error_index == attempt.truth and (
        attempt.truth is not None or submission.final_answer_verdict == Submission.FinalAnswer.CORRECT
    )
    if not agrees:
        steps = {step.index: step for step in submission.steps.all()}
        flagged = submission.first_error_index
        if flagged is not None and flagged != attempt.truth and flagged in steps:
            grading.step_override(step=steps[flagged], actor=teacher, verdict="correct", reason=attempt.fine_because)
        for index, step in sorted(steps.items()):
            # A right solution's steps the verifier could not check (or skipped after its flag): the teacher does.
            if attempt.truth is None and index != flagged and step.verdict == "unverified":
                grading.step_override(step=step, actor=teacher, verdict="correct", reason=attempt.fine_because)
        if attempt.truth is not None and attempt.truth in steps:
            grading.step_override(
                step=steps[attempt.truth],
                actor=teacher,
                verdict="incorrect",
                reason=attempt.wrong_because or "This is where it goes wrong.",
            )
        submission.refresh_from_db()
        if attempt.truth is None and submission.final_answer_verdict != Submission.FinalAnswer.CORRECT:
            grading.final_answer_override(
                submission=submission, actor=teacher, verdict="correct", reason=attempt.fine_because
            )
    if attempt.score is not None:
        grading.score_override(submission=submission, actor=teacher, score=attempt.score[0], reason=attempt.score[1])
    submission.refresh_from_db()
    if submission.status == Submission.Status.NEEDS_REVIEW and submission.score is not None:
        grading.review_accept(submission=submission, actor=teacher)
    if attempt.request is not None and attempt.request[1]:
        RegradeRequest.objects.filter(submission=submission, status=RegradeRequest.Status.OPEN).update(
            status=RegradeRequest.Status.ACCEPTED,
            resolved_at=timezone.now(),
            answered_by=teacher,
            reply=attempt.fine_because,
        )


def seed_reviewed_history(*, course: Course, stdout: Any) -> None:
    assignment: Assignment | None = course.assignments.order_by("id").first()
    teacher_row = course.enrollments.filter(role=Enrollment.Role.TEACHER).select_related("user").first()
    if assignment is None or teacher_row is None:
        return
    teacher = teacher_row.user
    problems = {p.position: p for p in assignment.problems.all()}
    students = {name: _student(name, password, first, course) for name, password, first in STUDENTS}
    done = set(
        Submission.objects.filter(problem__assignment=assignment, student__in=students.values()).values_list(
            "student__username", flat=True
        )
    )
    seeded = 0
    for plan in PLANS:
        problem = problems.get(plan.problem)
        if plan.student in done or problem is None:
            continue
        for attempt in plan.attempts:
            submission = grading.submission_create(student=students[plan.student], problem=problem, text=attempt.text)
            _review(_graded(submission), attempt, teacher)
            seeded += 1
    if seeded:
        stdout.write(f"Seeded {seeded} graded attempts by {len(STUDENTS)} more students, reviewed by the teacher.")
    for name, password, _ in STUDENTS:
        stdout.write(f"  {name:<8} {password:<16} student (with graded work)")
