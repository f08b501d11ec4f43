"""factory-boy factories for every model the tests create."""

from __future__ import annotations

import factory
from django.contrib.auth import get_user_model

from grading.models import Submission
from tutor.classroom.models import Assignment, Course, Enrollment, Problem


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Faker("first_name")
    password = factory.django.Password("pass12345")


class CourseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Course

    name = factory.Sequence(lambda n: f"Algebra {n}")
    created_by = factory.SubFactory(UserFactory)


class EnrollmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Enrollment

    course = factory.SubFactory(CourseFactory)
    user = factory.SubFactory(UserFactory)
    role = Enrollment.Role.STUDENT


class AssignmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Assignment

    course = factory.SubFactory(CourseFactory)
    title = factory.Sequence(lambda n: f"Homework {n}")
    verifier_backend = "fake"


class ProblemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Problem

    assignment = factory.SubFactory(AssignmentFactory)
    position = factory.Sequence(lambda n: n + 1)
    statement = "Solve $3x + 5 = 20$."
    reference_answer = "5"
    reference_solution = factory.LazyFunction(lambda: ["3x = 15", "x = 5"])
    points = 2


class SubmissionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Submission

    problem = factory.SubFactory(ProblemFactory)
    student = factory.SubFactory(UserFactory)
    attempt_number = 1
    text = "3x = 15\nx = 5"
