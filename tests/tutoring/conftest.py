"""Fixtures for tutoring tests: a class whose assignment is graded by the real symbolic checker, and helpers to
submit and grade an attempt in this process."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import pytest

from grading import services
from grading.models import Submission
from tests.factories import AssignmentFactory, EnrollmentFactory, ProblemFactory, UserFactory
from tutor.classroom.models import Assignment, Enrollment, Problem

BUS = (
    "A class of 27 students and 3 teachers goes on a trip. A bus ticket costs \\$4 for a student and \\$6 for a "
    "teacher. How many dollars do the tickets cost in total?"
)
BUS_REFERENCE = ["27 × 4 = 108", "3 × 6 = 18", "108 + 18 = 126"]
BUS_SLIP = "27 × 4 = 108\n3 × 6 = 24\n108 + 24 = 132"
BUS_FIXED = "27 × 4 = 108\n3 × 6 = 18\n108 + 18 = 126"


@dataclass
class Tutoring:
    teacher: object
    student: object
    other: object
    assignment: Assignment
    problem: Problem


@pytest.fixture
def bus(db) -> Tutoring:
    assignment = AssignmentFactory(verifier_backend="symbolic", max_attempts=5)
    problem = ProblemFactory(
        assignment=assignment,
        statement=BUS,
        reference_answer="126",
        reference_solution=BUS_REFERENCE,
        points=Decimal(2),
    )
    teacher, student, other = UserFactory(username="t-teacher"), UserFactory(username="t-student"), UserFactory()
    EnrollmentFactory(course=assignment.course, user=teacher, role=Enrollment.Role.TEACHER)
    EnrollmentFactory(course=assignment.course, user=student, role=Enrollment.Role.STUDENT)
    EnrollmentFactory(course=assignment.course, user=other, role=Enrollment.Role.STUDENT)
    return Tutoring(teacher=teacher, student=student, other=other, assignment=assignment, problem=problem)


def submit(problem: Problem, student, text: str) -> Submission:
    """Hand in an attempt and grade it here (the task would run after commit)."""
    submission = services.submission_create(student=student, problem=problem, text=text)
    services.submission_grade(submission_id=submission.pk, grading_version=submission.grading_version)
    submission.refresh_from_db()
    return submission


def grade(submission: Submission) -> Submission:
    services.submission_grade(submission_id=submission.pk, grading_version=submission.grading_version)
    submission.refresh_from_db()
    return submission


@pytest.fixture
def v2_backend():
    """The v2-like test backend, registered for the test's duration."""
    from verifier_worker import registry
    from verifier_worker.registry import BackendSpec

    registry.register([BackendSpec("v2stub", "tests.tutoring.v2_backend:V2Stub")])
    yield "v2stub"
    registry.reset()
