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
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Faker("first_name")
    password = factory.django.Password("pass12345")

    @factory.post_generation
    def can_create_classes(user, create, extracted, **kwargs):
        """`UserFactory(can_create_classes=True)`: the teacher permission a site admin grants."""
        if extracted:
            grant_create_classes(user)


def grant_create_classes(user):
    from django.contrib.auth.models import Permission

    user.user_permissions.add(Permission.objects.get(codename="create_course", content_type__app_label="classroom"))
    # has_perm caches a user's permissions on the instance
    for cache in ("_perm_cache", "_user_perm_cache"):
        user.__dict__.pop(cache, None)
    return user


def invite_and_accept(*, actor, course, username, role):
    """A member added the consented way: the teacher invites, the person accepts."""
    from tutor.classroom import services

    services.invitation_create(actor=actor, course=course, username=username, role=role)
    invitation = course.invitations.get(user__username=username, status="pending")
    return services.invitation_accept(user=invitation.user, invitation_id=invitation.pk)


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
