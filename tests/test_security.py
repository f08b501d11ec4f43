"""Security properties of the web layer, each proved by a test that fails when the property breaks.

- Every URL: anonymous users go to the login page; people outside the class (and students on teacher-only
  actions) get 404, never 403; the wrong HTTP method is 405; every POST needs the CSRF token, which htmx sends
  as the X-CSRFToken header from the body's hx-headers.
- Stored XSS: hostile text in every field a user controls is inert on every page it appears on, admin included.
- Problem-set import: hostile files (YAML bombs, deep nesting, huge numbers, NUL characters, binary, wrong
  extension, too big) get a clear error and import nothing.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from grading import services as grading_services
from grading.models import Submission
from tests.factories import UserFactory
from tutor.classroom import services
from tutor.classroom.models import Enrollment, Problem

pytestmark = pytest.mark.django_db

ROLES = ("anonymous", "outsider_student", "outsider_teacher", "classmate", "student", "ta", "teacher")
ALLOWED = {200, 302, 400}  # a page, a redirect after an action, or a form error: never 403, 404, 405 or 500


@pytest.fixture
def world() -> dict[str, Any]:
    """Class A (teacher, TA, two students, a spare student to remove) with a graded submission by `student`;
    class B with its own teacher and student."""
    users = {
        name: UserFactory(username=name)
        for name in ("teacher", "ta", "student", "classmate", "spare", "outsider_teacher", "outsider_student")
    }
    course = services.course_create(teacher=users["teacher"], name="Class A")
    other = services.course_create(teacher=users["outsider_teacher"], name="Class B")
    services.enrollment_add(actor=users["teacher"], course=course, username="ta", role="ta")
    for name in ("student", "classmate"):
        services.course_join(student=users[name], join_code=course.join_code)
    spare = services.course_join(student=users["spare"], join_code=course.join_code)
    services.course_join(student=users["outsider_student"], join_code=other.join_code)
    assignment = services.assignment_create(
        actor=users["teacher"],
        course=course,
        fields={"title": "HW", "verifier_backend": "fake", "max_attempts": 10},
        problems=[services.ProblemInput(statement="Solve $3x = 15$.", reference_answer="5")],
    )
    problem = assignment.problems.get()
    submission = grading_services.submission_create(student=users["student"], problem=problem, text="3x = 15\nx = 5")
    grading_services.submission_grade(submission_id=submission.pk, grading_version=1)
    return {"users": users, "course": course, "assignment": assignment, "problem": problem,
            "submission": submission, "spare": spare}  # fmt: skip


@dataclass(frozen=True)
class Route:
    name: str
    method: str  # the method the view accepts ("get", "post", or "both")
    args: Callable[[dict[str, Any]], list[Any]]
    allowed: frozenset[str]  # logged-in roles that may use it; everyone else logged in gets 404
    data: dict[str, str] | None = None


EVERYONE = frozenset(ROLES) - {"anonymous"}
MEMBERS = frozenset({"classmate", "student", "ta", "teacher"})
STAFF = frozenset({"ta", "teacher"})
OWNER_AND_STAFF = frozenset({"student", "ta", "teacher"})

ROUTES = [
    Route("home", "get", lambda w: [], EVERYONE),
    Route("course_create", "post", lambda w: [], EVERYONE, {"name": ""}),
    Route("course_join", "post", lambda w: [], EVERYONE, {"join_code": "NOPE"}),
    Route("problem_set_format", "get", lambda w: [], EVERYONE),
    Route("problem_set_example", "get", lambda w: ["json"], EVERYONE),
    Route("review_queue", "get", lambda w: [], EVERYONE),
    Route("course_detail", "get", lambda w: [w["course"].pk], MEMBERS),
    Route("assignment_detail", "get", lambda w: [w["assignment"].pk], MEMBERS),
    Route("problem_detail", "get", lambda w: [w["problem"].pk], MEMBERS),
    Route("problem_preview", "post", lambda w: [w["problem"].pk], MEMBERS, {"text": "x = 1"}),
    Route("problem_submit", "post", lambda w: [w["problem"].pk], MEMBERS, {"text": ""}),
    Route("member_add", "post", lambda w: [w["course"].pk], STAFF, {"username": "nobody-such", "role": "student"}),
    Route("member_remove", "post", lambda w: [w["course"].pk, w["spare"].pk], STAFF),
    Route("assignment_create", "both", lambda w: [w["course"].pk], STAFF, {"title": ""}),
    Route("problem_set_upload", "both", lambda w: [w["course"].pk], STAFF, {}),
    Route("problem_create", "post", lambda w: [w["assignment"].pk], STAFF, {"statement": ""}),
    Route("gradebook", "get", lambda w: [w["assignment"].pk], STAFF),
    Route("submission_detail", "get", lambda w: [w["submission"].pk], OWNER_AND_STAFF),
    Route("submission_audit", "get", lambda w: [w["submission"].pk], STAFF),
    Route("submission_step_override", "post", lambda w: [w["submission"].pk], STAFF, {"step_index": "0"}),
    Route("submission_score_override", "post", lambda w: [w["submission"].pk], STAFF, {"score": "x"}),
    Route("submission_regrade", "post", lambda w: [w["submission"].pk], STAFF, {"reason": "check"}),
    Route("submission_review_accept", "post", lambda w: [w["submission"].pk], STAFF),
]
ROUTE_IDS = [route.name for route in ROUTES]


def request(client: Client, route: Route, world: dict[str, Any], method: str | None = None, **extra: Any) -> Any:
    url = reverse(route.name, args=route.args(world))
    method = method or ("get" if route.method == "both" else route.method)
    if method == "post":
        return client.post(url, route.data or {}, **extra)
    return getattr(client, method)(url, **extra)


def test_the_matrix_covers_every_named_url_of_the_app():
    from django.urls import get_resolver

    names = {
        pattern.name
        for module in ("tutor.classroom.urls", "grading.urls")
        for pattern in get_resolver(module).url_patterns
    }
    assert names == set(ROUTE_IDS)


@pytest.mark.parametrize("route", ROUTES, ids=ROUTE_IDS)
@pytest.mark.parametrize("role", ROLES)
def test_permission_matrix(client, world, route, role):
    # Given a user in one role
    if role != "anonymous":
        client.force_login(world["users"][role])
    # When they use the URL with the method it accepts
    response = request(client, route, world)
    # Then anonymous users are sent to log in, the allowed roles get through, and everyone else gets 404
    if role == "anonymous":
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))
    elif role in route.allowed:
        assert response.status_code in ALLOWED, response.status_code
    else:
        assert response.status_code == 404


def test_a_404_for_an_id_that_exists_is_the_same_as_for_one_that_does_not(client, world):
    client.force_login(world["users"]["outsider_teacher"])
    for name, real in (("course_detail", world["course"].pk), ("submission_detail", world["submission"].pk)):
        hidden = client.get(reverse(name, args=[real]))
        missing = client.get(reverse(name, args=[999_999]))
        assert hidden.status_code == missing.status_code == 404
        assert hidden.content == missing.content


@pytest.mark.parametrize("route", ROUTES, ids=ROUTE_IDS)
def test_the_wrong_method_is_405(client, world, route):
    client.force_login(world["users"]["teacher"])
    wrong = {"get": ["post", "put", "delete"], "post": ["get", "put", "delete"], "both": ["put", "delete"]}
    for method in wrong[route.method]:
        assert request(client, route, world, method).status_code == 405, method


def test_outsiders_change_nothing(client, world):
    # Given an outsider teacher who posts to every teacher action of class A with valid-looking data
    client.force_login(world["users"]["outsider_teacher"])
    submission = world["submission"]
    before = (Submission.objects.values().get(pk=submission.pk), Enrollment.objects.count(), Problem.objects.count())
    posts = {
        "submission_score_override": {"score": "0", "reason": "mine"},
        "submission_step_override": {"step_index": "0", "verdict": "incorrect", "reason": "mine"},
        "submission_regrade": {"reason": "mine"},
        "submission_review_accept": {},
        "member_remove": {},
        "problem_create": {"statement": "S", "reference_answer": "1", "points": "1"},
    }
    for route in ROUTES:
        if route.name in posts:
            url = reverse(route.name, args=route.args(world))
            assert client.post(url, posts[route.name]).status_code == 404, route.name
    # Then nothing changed
    after = (Submission.objects.values().get(pk=submission.pk), Enrollment.objects.count(), Problem.objects.count())
    assert after == before


# --- CSRF ------------------------------------------------------------------------------------------------------


def csrf_from_hx_headers(html: str) -> str:
    match = re.search(r"<body[^>]*hx-headers='([^']*)'", html)
    assert match, "the body carries htmx's headers"
    return json.loads(match.group(1))["X-CSRFToken"]


POST_ROUTES = [route for route in ROUTES if route.method in ("post", "both")]


@pytest.mark.parametrize("route", POST_ROUTES, ids=[route.name for route in POST_ROUTES])
def test_every_post_needs_the_csrf_token_and_htmx_header_carries_it(world, route):
    # Given a browser-like client that enforces CSRF, logged in as the teacher
    client = Client(enforce_csrf_checks=True)
    client.force_login(world["users"]["teacher"])
    # When it posts without a token / Then 403 and nothing runs
    assert request(client, route, world, "post").status_code == 403
    # When it posts with the token from the page's hx-headers, as htmx does / Then the view runs
    token = csrf_from_hx_headers(client.get(reverse("home")).content.decode())
    response = request(client, route, world, "post", headers={"X-CSRFToken": token})
    assert response.status_code != 403


def test_login_and_logout_need_the_csrf_token(world):
    client = Client(enforce_csrf_checks=True)
    assert client.post(reverse("login"), {"username": "teacher", "password": "x"}).status_code == 403
    client.force_login(world["users"]["teacher"])
    assert client.post(reverse("logout")).status_code == 403
    assert client.get(reverse("home")).status_code == 200  # still logged in


def test_admin_is_for_staff_only(client, world):
    client.force_login(world["users"]["teacher"])
    response = client.get(reverse("admin:grading_submission_changelist"))
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
