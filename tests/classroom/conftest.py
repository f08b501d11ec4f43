from __future__ import annotations

import pytest

from tests.factories import UserFactory
from tutor.classroom import services


@pytest.fixture
def teacher(db):
    return UserFactory(username="teacher1", can_create_classes=True)


@pytest.fixture
def student(db):
    return UserFactory(username="student1")


@pytest.fixture
def course(teacher):
    return services.course_create(teacher=teacher, name="Algebra 1")


@pytest.fixture
def enrolled(course, student):
    return services.course_join(student=student, join_code=course.join_code)
