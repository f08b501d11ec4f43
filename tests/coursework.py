"""A class to run a term in, for the course-workflow tests: class A with a teacher, a TA and two students, and an
assignment of two problems graded by the fake backend; class B with its own teacher and student."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.contrib.auth.models import User
from django.utils import timezone

from grading import services as grading
from grading.models import Submission
from tests.factories import UserFactory, grant_create_classes, invite_and_accept
from tutor.classroom import services
from tutor.classroom.models import Assignment, Course, Problem


@dataclass
class World:
    teacher: User
    ta: User
    student: User
    other_student: User
    teacher_b: User
    student_b: User
    course: Course
    course_b: Course
    assignment: Assignment
    problems: list[Problem]

    def user(self, name: str) -> User:
        return getattr(self, name)


def make_world(*, due_in: timedelta | None = timedelta(days=2)) -> World:
    names = ("teacher", "ta", "student", "other_student", "teacher_b", "student_b")
    users = {name: UserFactory(username=name, first_name=name.replace("_", " ").title()) for name in names}
    grant_create_classes(users["teacher"])
    grant_create_classes(users["teacher_b"])
    course = services.course_create(teacher=users["teacher"], name="Class A")
    course_b = services.course_create(teacher=users["teacher_b"], name="Class B")
    invite_and_accept(actor=users["teacher"], course=course, username="ta", role="ta")
    services.course_join(student=users["student"], join_code=course.join_code)
    services.course_join(student=users["other_student"], join_code=course.join_code)
    services.course_join(student=users["student_b"], join_code=course_b.join_code)
    fields = {
        "title": "Week 1",
        "verifier_backend": "fake",
        "due_at": timezone.now() + due_in if due_in is not None else None,
        "max_attempts": 2,
    }
    assignment = services.assignment_create(
        actor=users["teacher"],
        course=course,
        fields=fields,
        problems=[
            services.ProblemInput(
                title="Linear",
                statement="Solve $3x + 5 = 20$.",
                reference_answer="5",
                reference_solution=["3x = 15", "x = 5"],
            ),
            services.ProblemInput(title="Sum", statement="What is 2 + 3?", reference_answer="5"),
        ],
    )
    return World(
        **users,
        course=course,
        course_b=course_b,
        assignment=assignment,
        problems=list(assignment.problems.order_by("position")),
    )


def graded(student: User, problem: Problem, text: str = "3x = 15\nx = 5") -> Submission:
    """Submit and grade in this process (tests run inside a transaction, so on-commit enqueueing never fires)."""
    submission = grading.submission_create(student=student, problem=problem, text=text)
    grading.submission_grade(submission_id=submission.pk, grading_version=submission.grading_version)
    submission.refresh_from_db()
    return submission
