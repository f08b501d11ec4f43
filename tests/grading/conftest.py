"""Fixtures for grading tests: a class with a teacher, a student and one problem graded by the fake backend."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from grading.models import Submission
from tests.factories import EnrollmentFactory, ProblemFactory, UserFactory
from tutor.classroom.models import Enrollment, Problem


@dataclass
class Classroom:
    teacher: object
    student: object
    other_student: object
    problem: Problem


@pytest.fixture
def classroom(db) -> Classroom:
    problem = ProblemFactory(points=2)
    course = problem.assignment.course
    teacher = UserFactory(username="teacher1")
    student = UserFactory(username="student1")
    other = UserFactory(username="student2")
    EnrollmentFactory(course=course, user=teacher, role=Enrollment.Role.TEACHER)
    EnrollmentFactory(course=course, user=student, role=Enrollment.Role.STUDENT)
    EnrollmentFactory(course=course, user=other, role=Enrollment.Role.STUDENT)
    return Classroom(teacher=teacher, student=student, other_student=other, problem=problem)


def statuses(submission: Submission) -> list[tuple[str, str]]:
    from tutor.audit.models import AuditEvent

    events = AuditEvent.objects.filter(
        target_type="grading.submission", target_id=str(submission.pk), details__has_key="from"
    ).order_by("id")
    return [(e.details["from"], e.details["to"]) for e in events]
