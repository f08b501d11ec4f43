"""Who may use the Write mode's endpoints: the same rule as the problem page (members of the class), a line's
reading only by the student who wrote it, nothing without the CSRF token. Everyone else gets a 404."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import get_resolver, reverse

from tests.factories import UserFactory
from tutor.handwriting.models import LineRecognition

from .conftest import ink

ROLES = ("anonymous", "outsider", "student", "other_student", "teacher", "site_admin")
MEMBERS = {"student", "other_student", "teacher", "site_admin"}


@pytest.fixture
def world(classroom, django_capture_on_commit_callbacks):
    from tutor.handwriting import services

    with django_capture_on_commit_callbacks(execute=True):
        row = services.recognition_request(student=classroom.student, problem=classroom.problem, payload=ink(2))
    users = {
        "outsider": classroom.outsider,
        "student": classroom.student,
        "other_student": classroom.other_student,
        "teacher": classroom.teacher,
        "site_admin": UserFactory(username="root", is_staff=True, is_superuser=True),
    }
    return {"users": users, "problem": classroom.problem, "recognition": row}


def routes(world):
    problem, row = world["problem"].pk, world["recognition"].pk
    return {
        "handwriting_recognise": ("post", [problem], MEMBERS),
        "handwriting_submit": ("post", [problem], MEMBERS),
        "handwriting_recognition": ("get", [row], {"student"}),
    }


def call(client, world, name):
    _method, args, _allowed = routes(world)[name]
    url = reverse(name, args=args)
    if name == "handwriting_recognise":
        return client.post(url, data=ink(2, shift=7), content_type="application/json")
    if name == "handwriting_submit":
        return client.post(url, {"lines": "[]"})
    return client.get(url)


def test_the_matrix_covers_every_handwriting_url(world):
    names = {pattern.name for pattern in get_resolver("tutor.handwriting.urls").url_patterns}
    assert names == set(routes(world))


@pytest.mark.parametrize("name", ["handwriting_recognise", "handwriting_submit", "handwriting_recognition"])
@pytest.mark.parametrize("role", ROLES)
def test_permission_matrix(client, world, name, role):
    if role != "anonymous":
        client.force_login(world["users"][role])
    response = call(client, world, name)
    allowed = routes(world)[name][2]
    if role == "anonymous":
        assert response.status_code == 302
        assert response["Location"].startswith("/login/")
    elif role in allowed:
        assert response.status_code in {200, 202, 302, 400}, response.content[:300]
    else:
        assert response.status_code == 404


@pytest.mark.parametrize("name", ["handwriting_recognise", "handwriting_submit"])
def test_posts_need_the_csrf_token(world, name):
    client = Client(enforce_csrf_checks=True)
    client.force_login(world["users"]["student"])
    count = LineRecognition.objects.count()
    assert call(client, world, name).status_code == 403
    assert LineRecognition.objects.count() == count


def test_the_wrong_method_is_405(client, world):
    client.force_login(world["users"]["student"])
    assert client.get(reverse("handwriting_recognise", args=[world["problem"].pk])).status_code == 405
    assert client.get(reverse("handwriting_submit", args=[world["problem"].pk])).status_code == 405
    assert client.post(reverse("handwriting_recognition", args=[world["recognition"].pk])).status_code == 405
