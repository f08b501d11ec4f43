"""A class with a teacher and two students, one problem graded by the fake verifier, lines read by the fake
recogniser (verifier_worker.handwriting.fake: N strokes read as "x = N")."""

from __future__ import annotations

import json
from dataclasses import dataclass

import pytest

from tests.factories import EnrollmentFactory, ProblemFactory, UserFactory
from tutor.classroom.models import Enrollment, Problem
from verifier_worker.handwriting import recognition


@dataclass
class Classroom:
    teacher: object
    student: object
    other_student: object
    outsider: object
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
    return Classroom(
        teacher=teacher, student=student, other_student=other, outsider=UserFactory(username="out"), problem=problem
    )


@pytest.fixture(autouse=True)
def _fresh_recognisers():
    recognition.clear_cache()
    yield
    recognition.clear_cache()


def ink(n_strokes: int, *, dot: bool = False, shift: float = 0) -> str:
    """n strokes of two points each (the fake reads "x = n"); `dot`: the first stroke is a lone point."""
    strokes = [[[10 + 20 * i + shift, 20], [20 + 20 * i + shift, 60]] for i in range(n_strokes)]
    if dot:
        strokes[0] = [[5, 5]]
    return json.dumps({"width": 600, "height": 150, "strokes": strokes})
