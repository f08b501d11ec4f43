"""Demo data for `make run`: one class, a teacher, students and an assignment with four problems (the fourth scored by
a rubric), with graded work in it, a reviewed grading history (tutor/demo/reviewed_history.py) and a tutoring path
with hints and a fix from here (tutor/demo/tutoring_path.py).

Idempotent: a second run finds everything in place and adds nothing.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from grading import services as grading
from grading.models import StudentException, Submission
from tutor.classroom import content, services
from tutor.classroom.management.commands.teacher_grant import create_course_permission
from tutor.classroom.models import Assignment, Course, Enrollment

from ...reviewed_history import seed_reviewed_history
from ...tutoring_path import seed_tutoring_path

COURSE_NAME = "Algebra 1 (demo)"
ASSIGNMENT_TITLE = "Warm-up: word problems, equations and percents"
LOGINS = (
    # username, password, first name, staff
    ("admin", "admin-demo-1", "Site admin", True),
    ("teacher", "teacher-demo-1", "Ms. Rivera", False),
    ("alice", "alice-demo-1", "Alice", False),
    ("bob", "bob-demo-1", "Bob", False),
    ("carol", "carol-demo-1", "Carol", False),
)
# Graded work already in the class, so every grading feature has something in it (graded in-process with the
# symbolic checker): (student, problem position, attempts' texts).
GRADED_WORK = (
    ("alice", 1, ("27 × 4 = 108\n3 × 6 = 24\n108 + 24 = 132", "27 × 4 = 108\n3 × 6 = 18\n108 + 18 = 126")),
    ("alice", 2, ("5x - 10 = 2x + 8\n3x = 18\nx = 6",)),
    ("carol", 1, ("I don't know how to do this one, sorry.",)),
    ("carol", 2, ("5x - 2 = 2x + 8\n3x = 10\nx = 10/3",)),
)
PROBLEMS = (
    services.ProblemInput(
        title="Bus tickets",
        statement=(
            "A class of 27 students and 3 teachers goes on a trip. A bus ticket costs \\$4 for a student "
            "and \\$6 for a teacher. How many dollars do the tickets cost in total?"
        ),
        reference_answer="126",
        reference_solution=("27 × 4 = 108", "3 × 6 = 18", "108 + 18 = 126"),
        points=Decimal(2),
    ),
    services.ProblemInput(
        title="Solve for x",
        statement="Solve $5(x - 2) = 2x + 8$.",
        reference_answer="6",
        reference_solution=("$5x - 10 = 2x + 8$", "$3x = 18$", "$x = 6$"),
        points=Decimal(2),
    ),
    services.ProblemInput(
        title="Fraction of a price",
        statement=(
            "A game costs \\$45. Tom has saved $\\frac{2}{5}$ of the price. "
            "What percent of the price does he still need to save?"
        ),
        reference_answer="60",
        reference_solution=("$1 - \\frac{2}{5} = \\frac{3}{5}$", "$\\frac{3}{5} = 60\\%$"),
        points=Decimal(2),
    ),
)

# A problem scored by a rubric (written on its edit page): two items ticked by the checker's verdicts, one by
# the teacher, so Alice's right answer waits in the review queue for the teacher's tick.
RUBRIC_PROBLEM = services.ProblemInput(
    title="A path around a garden",
    statement=(
        "A rectangular garden is 12 m long and 7 m wide. A path 1 m wide goes all the way around the outside. "
        "What is the area of the path, in m²? Say in words what each step works out."
    ),
    reference_answer="42",
    reference_solution=("(12 + 2) × (7 + 2) = 126", "12 × 7 = 84", "126 − 84 = 42"),
    points=Decimal(4),
)
RUBRIC = [
    {"name": "Garden and path together", "points": "1", "rule": "no_error_before", "step": 2},
    {"name": "Area of the path", "points": "2", "rule": "final_answer_correct", "step": 0},
    {"name": "Says what each step works out", "points": "1", "rule": "", "step": 0},
]
RUBRIC_WORK = (
    "With the path, the garden is 14 m by 9 m: 14 × 9 = 126\n"
    "The garden alone: 12 × 7 = 84\n"
    "The path is the difference: 126 − 84 = 42"
)


class Command(BaseCommand):
    help = "Create the demo class, users and assignment (safe to run again)."

    def handle(self, *args: Any, **options: Any) -> None:
        with transaction.atomic():
            users = {
                username: self._user(username, password, name, staff) for username, password, name, staff in LOGINS
            }
            # The demo teacher has the teacher permission a site admin grants (manage.py teacher_grant).
            users["teacher"].user_permissions.add(create_course_permission())
            course = self._course(users["teacher"])
            for student in ("alice", "carol"):
                Enrollment.objects.get_or_create(course=course, user=users[student], defaults={"role": "student"})
            assignment = self._assignment(course, users["teacher"])
            self._graded_work(assignment, users)
            self._running_the_course(assignment, users)
            self._rubric_problem(assignment, users)
        # A reviewed grading history for the insight pages (analytics, agreement, training data).
        seed_reviewed_history(course=course, stdout=self.stdout)
        # A student's path from a wrong solution to a right one, with two hints and one fix from here.
        with transaction.atomic():
            seed_tutoring_path(course=course, assignment=assignment, stdout=self.stdout)
        self.stdout.write(self.style.SUCCESS("Demo data is ready. Log in at /login/ with:"))
        for username, password, _, staff in LOGINS:
            role = (
                "site admin (Django admin at /admin/)" if staff else ("teacher" if username == "teacher" else "student")
            )
            self.stdout.write(f"  {username:<8} {password:<16} {role}")
        self.stdout.write(
            f"Class “{course.name}” has the join code {course.join_code}; alice and carol are in it, bob can join "
            "with the code."
        )

    def _user(self, username: str, password: str, first_name: str, staff: bool) -> User:
        user, created = User.objects.get_or_create(
            username=username, defaults={"first_name": first_name, "is_staff": staff, "is_superuser": staff}
        )
        if created:
            user.set_password(password)
            user.save(update_fields=["password"])
        return user

    def _course(self, teacher: User) -> Course:
        course = Course.objects.filter(name=COURSE_NAME, created_by=teacher).first()
        if course is None:
            course = services.course_create(
                teacher=teacher, name=COURSE_NAME, description="Demo class for trying it out."
            )
        return course

    def _assignment(self, course: Course, teacher: User) -> Assignment:
        existing = course.assignments.filter(title=ASSIGNMENT_TITLE).first()
        if existing is not None:
            return existing
        fields = {
            "title": ASSIGNMENT_TITLE,
            "instructions": "Write one step per line and finish with the answer.",
            "max_attempts": 3,
            # "Check this step" grades (confidence under 0.75) wait for the teacher.
            "review_threshold": 0.75,
            "due_at": timezone.now() + timedelta(days=7),
            "verifier_backend": settings.VERIFIER_DEFAULT_BACKEND,
        }
        return services.assignment_create(actor=teacher, course=course, fields=fields, problems=PROBLEMS)

    def _graded_work(self, assignment: Assignment, users: dict[str, User]) -> None:
        """Attempts graded in this process (a worker may not be running yet), then one teacher decision: an
        attempt history where the better attempt counts, a non-answer waiting in the review queue, and a step the
        teacher marked with a reason the student can read."""
        problems = {problem.position: problem for problem in assignment.problems.all()}
        for username, position, texts in GRADED_WORK:
            problem = problems[position]
            student = users[username]
            for text in texts[Submission.objects.filter(problem=problem, student=student).count() :]:
                submission = grading.submission_create(student=student, problem=problem, text=text)
                grading.submission_grade(submission_id=submission.pk, grading_version=submission.grading_version)
        # The teacher accepts Carol's route on problem 2, step 1 (her slip is in step 1: 5x - 10, not 5x - 2).
        carol = Submission.objects.filter(problem=problems[2], student=users["carol"]).first()
        step = carol.steps.filter(index=0).first() if carol else None
        if carol and step and not step.teacher_verdict and carol.is_final:
            grading.step_override(
                step=step,
                actor=users["teacher"],
                verdict="incorrect",
                reason="5(x - 2) is 5x - 10: multiply both terms in the brackets by 5.",
            )
        # And gives Alice's first bus-ticket attempt a point for the right method (her best attempt still counts).
        first = Submission.objects.filter(problem=problems[1], student=users["alice"], attempt_number=1).first()
        if first and first.is_final and first.teacher_score is None:
            grading.score_override(
                submission=first,
                actor=users["teacher"],
                score=Decimal(1),
                reason="Right method; only 3 × 6 slipped. One point for the plan.",
            )

    def _running_the_course(self, assignment: Assignment, users: dict[str, User]) -> None:
        """Issue 13's parts of a term: an extension and a regrade request with the teacher's answer (the students'
        notifications come with them; the reviewed history leaves another request waiting in the review queue)."""
        teacher = users["teacher"]
        if assignment.due_at and not StudentException.objects.filter(assignment=assignment, student=users["carol"]):
            grading.student_exception_set(
                actor=teacher,
                assignment=assignment,
                student=users["carol"],
                due_at=assignment.due_at + timedelta(days=3),
                reason="Away on Monday and Tuesday",
            )
        problems = {problem.position: problem for problem in assignment.problems.all()}
        # Carol asks about the step her teacher marked wrong; the teacher explains and declines.
        carol = Submission.objects.filter(problem=problems[2], student=users["carol"], attempt_number=1).first()
        if carol and carol.status == Submission.Status.GRADED and not carol.regrade_requests.exists():
            request = grading.regrade_request_create(
                student=users["carol"],
                submission=carol,
                step_index=0,
                message="I multiplied the 5 into the brackets like we did in class. Why is step 1 wrong?",
            )
            grading.regrade_request_answer(
                regrade_request=request,
                actor=teacher,
                accept=False,
                reply="5 times -2 is -10, not -2: step 1 should be 5x - 10 = 2x + 8. Try again with that.",
            )

    def _rubric_problem(self, assignment: Assignment, users: dict[str, User]) -> None:
        """Problem 4, scored by a rubric the teacher wrote on its edit page, with Alice's attempt waiting for the
        teacher's tick."""
        teacher, alice = users["teacher"], users["alice"]
        problem = assignment.problems.filter(title=RUBRIC_PROBLEM.title).first()
        if problem is None:
            problem = services.problem_create(actor=teacher, assignment=assignment, problem=RUBRIC_PROBLEM)
            content.problem_update(actor=teacher, problem=problem, fields={"scoring": "rubric", "rubric": RUBRIC})
        if not Submission.objects.filter(problem=problem, student=alice).exists():
            submission = grading.submission_create(student=alice, problem=problem, text=RUBRIC_WORK)
            grading.submission_grade(submission_id=submission.pk, grading_version=submission.grading_version)
