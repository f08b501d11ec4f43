"""Who sees what. Anything a user may not see is a 404, never a 403, so ids do not leak."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.factories import UserFactory, grant_create_classes, invite_and_accept
from tutor.classroom import services

pytestmark = pytest.mark.django_db

SECRET_ANSWER = "REF-ANSWER-4242"
SECRET_STEP = "SECRET-STEP-x-equals-5"


@pytest.fixture
def world():
    """Class A with a teacher, a TA and a student; class B with its own teacher and student."""
    users = {name: UserFactory(username=name) for name in ("teacher_a", "ta_a", "student_a", "teacher_b", "student_b")}
    course_a = services.course_create(teacher=grant_create_classes(users["teacher_a"]), name="Class A")
    course_b = services.course_create(teacher=grant_create_classes(users["teacher_b"]), name="Class B")
    invite_and_accept(actor=users["teacher_a"], course=course_a, username="ta_a", role="ta")
    student_a = services.course_join(student=users["student_a"], join_code=course_a.join_code)
    services.course_join(student=users["student_b"], join_code=course_b.join_code)
    assignment = services.assignment_create(
        actor=users["teacher_a"],
        course=course_a,
        fields={"title": "HW A"},
        problems=[
            services.ProblemInput(
                statement="Solve $3x = 15$.", reference_answer=SECRET_ANSWER, reference_solution=[SECRET_STEP]
            )
        ],
    )
    return {
        "users": users,
        "course": course_a,
        "assignment": assignment,
        "problem": assignment.problems.get(),
        "student_enrollment": student_a,
    }


def page_urls(w) -> dict[str, tuple[str, str]]:
    c, a, p, e = w["course"].pk, w["assignment"].pk, w["problem"].pk, w["student_enrollment"].pk
    return {
        "course": ("get", reverse("course_detail", args=[c])),
        "assignment": ("get", reverse("assignment_detail", args=[a])),
        "problem": ("get", reverse("problem_detail", args=[p])),
        "preview": ("post", reverse("problem_preview", args=[p])),
        "submit": ("post", reverse("problem_submit", args=[p])),
        "new_assignment": ("get", reverse("assignment_create", args=[c])),
        "upload": ("get", reverse("problem_set_upload", args=[c])),
        "add_problem": ("post", reverse("problem_create", args=[a])),
        "add_member": ("post", reverse("member_add", args=[c])),
        "remove_member": ("post", reverse("member_remove", args=[c, e])),
    }


STAFF_ONLY = {"new_assignment", "upload", "add_problem", "add_member", "remove_member"}
MEMBER_PAGES = {"course", "assignment", "problem", "preview"}


def fetch(client, method: str, url: str):
    return client.get(url) if method == "get" else client.post(url, {"text": "x = 1"})


@pytest.mark.parametrize("outsider", ["teacher_b", "student_b"])
def test_outsiders_get_404_everywhere(client, world, outsider):
    client.force_login(world["users"][outsider])
    for name, (method, url) in page_urls(world).items():
        assert fetch(client, method, url).status_code == 404, name


def test_student_sees_member_pages_but_404_on_teacher_pages(client, world):
    client.force_login(world["users"]["student_a"])
    for name, (method, url) in page_urls(world).items():
        status = fetch(client, method, url).status_code
        if name in STAFF_ONLY:
            assert status == 404, name
        elif name in MEMBER_PAGES:
            assert status == 200, name


@pytest.mark.parametrize("member", ["teacher_a", "ta_a"])
def test_teacher_and_ta_reach_every_staff_page(client, world, member):
    client.force_login(world["users"][member])
    for name in MEMBER_PAGES | {"new_assignment", "upload"}:
        method, url = page_urls(world)[name]
        assert fetch(client, method, url).status_code == 200, name


def test_anonymous_is_sent_to_login(client, world):
    for name, (method, url) in page_urls(world).items():
        response = fetch(client, method, url)
        assert response.status_code == 302, name
        assert response["Location"].startswith(reverse("login")), name


def test_nonexistent_ids_are_404(client, world):
    client.force_login(world["users"]["teacher_a"])
    for url in ("/classes/999999/", "/assignments/999999/", "/problems/999999/"):
        assert client.get(url).status_code == 404


def test_removing_a_member_of_another_class_is_404(client, world):
    # Given teacher B, who knows the id of an enrollment in class A
    client.force_login(world["users"]["teacher_b"])
    own_course = world["users"]["teacher_b"].enrollments.get().course
    url = reverse("member_remove", args=[own_course.pk, world["student_enrollment"].pk])
    # When they try to remove it through their own class / Then 404 and the student stays
    assert client.post(url).status_code == 404
    assert world["course"].enrollments.filter(pk=world["student_enrollment"].pk).exists()


def test_students_never_see_reference_answers_or_solutions(client, world):
    client.force_login(world["users"]["student_a"])
    for name in ("course", "assignment", "problem", "preview"):
        method, url = page_urls(world)[name]
        body = fetch(client, method, url).content.decode()
        assert SECRET_ANSWER not in body, name
        assert SECRET_STEP not in body, name
    client.force_login(world["users"]["teacher_a"])
    body = client.get(page_urls(world)["problem"][1]).content.decode()
    assert SECRET_ANSWER in body
    assert SECRET_STEP in body


def test_unopened_assignment_is_hidden_from_students_only(client, world):
    world["assignment"].opens_at = timezone.now() + timedelta(days=2)
    world["assignment"].save()
    client.force_login(world["users"]["student_a"])
    assert client.get(page_urls(world)["assignment"][1]).status_code == 404
    assert client.get(page_urls(world)["problem"][1]).status_code == 404
    assert "HW A" not in client.get(reverse("home")).content.decode()
    client.force_login(world["users"]["teacher_a"])
    assert client.get(page_urls(world)["assignment"][1]).status_code == 200


def test_home_lists_only_own_classes(client, world):
    client.force_login(world["users"]["student_b"])
    body = client.get(reverse("home")).content.decode()
    assert "Class B" in body
    assert "Class A" not in body
