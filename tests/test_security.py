"""Security properties of the web layer, each proved by a test that fails when the property breaks.

- Every URL: anonymous users go to the login page; people outside the class (and students on teacher-only
  actions) get 404, never 403; the wrong HTTP method is 405; every POST needs the CSRF token, which htmx sends
  as the X-CSRFToken header from the body's hx-headers.
- Stored XSS: hostile text in every field a user controls is inert on every page it appears on, admin included.
- Problem-set import: hostile files (YAML bombs, deep nesting, huge numbers, NUL characters, binary, wrong
  extension, too big) get a clear error and import nothing.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from html.parser import HTMLParser
from typing import Any
from urllib.parse import quote

import pytest
from django.contrib import admin
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from grading import services as grading_services
from grading.models import RegradeRequest, RegradeRun, Step, StudentException, Submission, VerificationRun
from tests.factories import UserFactory, grant_create_classes, invite_and_accept
from tests.skipping import skip_unless_ci
from tutor.audit.models import AuditEvent
from tutor.classroom import services
from tutor.classroom.models import Assignment, Course, Enrollment, Problem

pytestmark = pytest.mark.django_db

ROLES = ("anonymous", "outsider_student", "outsider_teacher", "classmate", "student", "ta", "teacher", "site_admin")
ALLOWED = {200, 302, 400}  # a page, a redirect after an action, or a form error: never 403, 404, 405 or 500


@pytest.fixture
def world() -> dict[str, Any]:
    """Class A (teacher, TA, two students, a spare student to remove) with a graded submission by `student`;
    class B with its own teacher and student."""
    users = {
        name: UserFactory(username=name)
        for name in ("teacher", "ta", "student", "classmate", "spare", "outsider_teacher", "outsider_student")
    }
    # Site staff, enrolled nowhere: reads every class and grades through the services, authors nothing.
    users["site_admin"] = UserFactory(username="site_admin_user", is_staff=True, is_superuser=True)
    for name in ("teacher", "outsider_teacher"):
        grant_create_classes(users[name])
    course = services.course_create(teacher=users["teacher"], name="Class A")
    other = services.course_create(teacher=users["outsider_teacher"], name="Class B")
    invite_and_accept(actor=users["teacher"], course=course, username="ta", role="ta")
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
    # The course workflow's objects, made directly (their services are tested in their own files).
    exception = StudentException.objects.create(
        assignment=assignment, student=users["classmate"], extra_attempts=1, granted_by=users["teacher"]
    )
    regrade_request = RegradeRequest.objects.create(submission=submission, student=users["student"], message="Step 1?")
    run = RegradeRun.objects.create(assignment=assignment, requested_by=users["teacher"], backend="fake")
    # A pending invitation to class A, for the one person who may answer it
    services.invitation_create(actor=users["teacher"], course=course, username="outsider_student", role="student")
    invitation = course.invitations.get(user__username="outsider_student")
    return {"users": users, "course": course, "assignment": assignment, "problem": problem,
            "submission": submission, "spare": spare, "invitation": invitation, "exception": exception,
            "regrade_request": regrade_request, "run": run}  # fmt: skip


@dataclass(frozen=True)
class Route:
    name: str
    method: str  # the method the view accepts ("get", "post", or "both")
    args: Callable[[dict[str, Any]], list[Any]]
    allowed: frozenset[str]  # logged-in roles that may use it; everyone else logged in gets 404
    data: dict[str, str] | None = None


EVERYONE = frozenset(ROLES) - {"anonymous"}
MEMBERS = frozenset({"classmate", "student", "ta", "teacher", "site_admin"})
AUTHORS = frozenset({"ta", "teacher"})
STAFF = AUTHORS | {"site_admin"}
OWNER_AND_STAFF = frozenset({"student", "ta", "teacher", "site_admin"})
TEACHER = frozenset({"teacher"})

ROUTES = [
    Route("home", "get", lambda w: [], EVERYONE),
    Route("course_create", "post", lambda w: [], EVERYONE, {"name": ""}),
    Route("course_join", "post", lambda w: [], EVERYONE, {"join_code": "NOPE"}),
    Route("problem_set_format", "get", lambda w: [], EVERYONE),
    Route("problem_set_example", "get", lambda w: ["json"], EVERYONE),
    Route("review_queue", "get", lambda w: [], frozenset({"ta", "teacher", "outsider_teacher", "site_admin"})),
    Route("course_detail", "get", lambda w: [w["course"].pk], MEMBERS),
    Route("assignment_detail", "get", lambda w: [w["assignment"].pk], MEMBERS),
    Route("problem_detail", "get", lambda w: [w["problem"].pk], MEMBERS),
    Route("problem_preview", "post", lambda w: [w["problem"].pk], MEMBERS, {"text": "x = 1"}),
    Route("problem_submit", "post", lambda w: [w["problem"].pk], MEMBERS, {"text": ""}),
    Route("member_add", "post", lambda w: [w["course"].pk], STAFF, {"username": "nobody-such", "role": "student"}),
    Route("member_remove", "post", lambda w: [w["course"].pk, w["spare"].pk], STAFF),
    Route("invitation_accept", "post", lambda w: [w["invitation"].pk], frozenset({"outsider_student"})),
    Route("invitation_decline", "post", lambda w: [w["invitation"].pk], frozenset({"outsider_student"})),
    Route("assignment_create", "both", lambda w: [w["course"].pk], AUTHORS, {"title": ""}),
    Route("problem_set_upload", "both", lambda w: [w["course"].pk], AUTHORS, {}),
    Route("problem_create", "post", lambda w: [w["assignment"].pk], AUTHORS, {"statement": ""}),
    Route("gradebook", "get", lambda w: [w["assignment"].pk], STAFF),
    Route("submission_detail", "get", lambda w: [w["submission"].pk], OWNER_AND_STAFF),
    Route("submission_audit", "get", lambda w: [w["submission"].pk], STAFF),
    Route("submission_step_override", "post", lambda w: [w["submission"].pk], STAFF, {"step_index": "0"}),
    Route("submission_score_override", "post", lambda w: [w["submission"].pk], STAFF, {"score": "x"}),
    Route("submission_step_clear", "post", lambda w: [w["submission"].pk], STAFF, {"step_index": "0"}),
    Route("submission_final_answer", "post", lambda w: [w["submission"].pk], STAFF, {"verdict": "x"}),
    Route("submission_score_clear", "post", lambda w: [w["submission"].pk], STAFF),
    Route("submission_rubric_tick", "post", lambda w: [w["submission"].pk], STAFF, {"item": "0"}),
    Route("submission_regrade", "post", lambda w: [w["submission"].pk], STAFF, {"reason": "check"}),
    Route("submission_review_accept", "post", lambda w: [w["submission"].pk], STAFF),
    # Tutoring: hints on an attempt (its owner asks, staff read), help to start (students), fix from here (owner)
    Route("submission_hint", "post", lambda w: [w["submission"].pk], OWNER_AND_STAFF),
    Route("submission_hints", "get", lambda w: [w["submission"].pk], OWNER_AND_STAFF),
    Route("problem_hint", "post", lambda w: [w["problem"].pk], frozenset({"student", "classmate"})),
    Route("problem_hints", "get", lambda w: [w["problem"].pk], MEMBERS),
    Route("submission_fix", "get", lambda w: [w["submission"].pk], frozenset({"student"})),
    Route("submission_fix_preview", "post", lambda w: [w["submission"].pk], frozenset({"student"}), {"text": "x"}),
    Route("submission_fix_submit", "post", lambda w: [w["submission"].pk], frozenset({"student"}), {"text": "x"}),
    # Running a course (issue 13): the class's settings and roster are the teacher's; content is its authors';
    # exceptions are the teacher's; grading tools are its graders' (site staff included); a regrade request is
    # the submission's owner's.
    Route("course_settings", "both", lambda w: [w["course"].pk], TEACHER, {"name": ""}),
    Route("course_archive", "post", lambda w: [w["course"].pk], TEACHER, {"action": "restore"}),
    Route("moodle_import", "both", lambda w: [w["course"].pk], AUTHORS, {}),
    Route("moodle_example", "get", lambda w: ["stack"], EVERYONE),
    Route("roster_import", "both", lambda w: [w["course"].pk], TEACHER, {}),
    Route("member_password", "both", lambda w: [w["course"].pk, w["spare"].pk], TEACHER, {"password": "x"}),
    Route("member_reset_link", "post", lambda w: [w["course"].pk, w["spare"].pk], TEACHER),
    Route("assignment_edit", "both", lambda w: [w["assignment"].pk], AUTHORS, {"title": ""}),
    Route("assignment_move", "post", lambda w: [w["assignment"].pk], AUTHORS, {"direction": "up"}),
    Route("assignment_duplicate", "post", lambda w: [w["assignment"].pk], AUTHORS, {}),
    Route("assignment_archive", "post", lambda w: [w["assignment"].pk], AUTHORS, {"action": "restore"}),
    Route("assignment_delete", "post", lambda w: [w["assignment"].pk], AUTHORS),
    Route("problem_edit", "both", lambda w: [w["problem"].pk], AUTHORS, {"statement": ""}),
    Route("problem_move", "post", lambda w: [w["problem"].pk], AUTHORS, {"direction": "up"}),
    Route("problem_duplicate", "post", lambda w: [w["problem"].pk], AUTHORS),
    Route("problem_archive", "post", lambda w: [w["problem"].pk], AUTHORS, {"action": "restore"}),
    Route("problem_delete", "post", lambda w: [w["problem"].pk], AUTHORS),
    Route("exception_save", "post", lambda w: [w["assignment"].pk], TEACHER, {}),
    Route("exception_clear", "post", lambda w: [w["exception"].pk], TEACHER),
    Route("regrade_request_create", "post", lambda w: [w["submission"].pk], frozenset({"student"}), {}),
    Route("regrade_request_answer", "post", lambda w: [w["regrade_request"].pk], STAFF, {}),
    Route("regrade_run_new", "both", lambda w: [w["assignment"].pk], STAFF, {}),
    Route("regrade_run_detail", "get", lambda w: [w["run"].pk], STAFF),
    Route("class_gradebook", "get", lambda w: [w["course"].pk], STAFF),
    Route("class_gradebook_csv", "get", lambda w: [w["course"].pk], STAFF),
    Route("class_submissions_csv", "get", lambda w: [w["course"].pk], STAFF),
    Route("gradebook_csv", "get", lambda w: [w["assignment"].pk], STAFF),
    Route("submissions_csv", "get", lambda w: [w["assignment"].pk], STAFF),
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
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


# --- Problem-set import: hostile files --------------------------------------------------------------------------

FRONT = "---\ntitle: Hostile\n{extra}---\n## P\nSolve it.\n### Answer\n1\n"
BILLION_LAUGHS = FRONT.format(
    extra="a: &a [x, x, x, x, x, x, x, x, x, x]\n"
    + "".join(
        f"{name}: &{name} [{', '.join(['*' + prev] * 10)}]\n" for prev, name in zip("abcde", "bcdef", strict=True)
    )
    + "max_attempts: *f\n"  # a million values, for a few hundred bytes
)
HOSTILE_FILES = {
    "billion_laughs": (BILLION_LAUGHS, "set.md", "Line 4: aliases (*name) are not allowed"),
    "alias_in_a_problem": (
        "---\ntitle: T\nproblems:\n  - &p {statement: S, answer: '1'}\n  - *p\n---\n",
        "set.md",
        "aliases (*name) are not allowed",
    ),
    "deep_json": ("[" * 100_000 + "]" * 100_000, "set.json", "File: it is nested too deeply."),
    "deep_yaml": ("---\ntitle: " + "[" * 20_000 + "]" * 20_000 + "\n---\n", "set.md", "nested too deeply"),
    "long_int_json": ('{"title": "T", "max_attempts": ' + "9" * 5000 + "}", "set.json", "cannot be read"),
    "long_int_yaml": (FRONT.format(extra="max_attempts: " + "9" * 5000 + "\n"), "set.md", "cannot be read"),
    "impossible_date": (FRONT.format(extra="due_at: 2026-13-45\n"), "set.md", "month must be in 1..12"),
    "huge_floats": (
        '{"title": "T", "review_threshold": 1e999, "problems": [{"statement": "S", "answer": "1", "points": 1e999}]}',
        "set.json",
        "Problem 1, field 'points': must be a number from 0 to 9999.",
    ),
    "nul_in_json": (
        '{"title": "T", "problems": [{"statement": "a\\u0000b", "answer": "1"}]}',
        "set.json",
        "Problem 1, field 'statement': it contains a NUL character",
    ),
    "nul_in_markdown": (
        FRONT.format(extra="").replace("Solve it.", "Solve\x00it."),
        "set.md",
        "Problem 1 (line 4), field 'statement'",
    ),
    "invalid_utf8": (b"---\ntitle: T\n---\n" + b"\xff\xfe garbage", "set.md", "it is not UTF-8 text"),
    "binary": (bytes(range(256)) * 4, "set.md", "it is not UTF-8 text"),
    "wrong_extension": (FRONT.format(extra=""), "set.exe", "must end in .md or .json"),
    "too_many_problems": (
        json.dumps({"title": "T", "problems": [{"statement": "S", "answer": "1"}] * 101}),
        "set.json",
        "the file has 101 problems; the limit is 100",
    ),
    "statement_too_long": (
        json.dumps({"title": "T", "problems": [{"statement": "S" * 20_001, "answer": "1"}]}),
        "set.json",
        "it has 20,001 characters; the limit is 20,000",
    ),
}


@pytest.mark.parametrize("name", sorted(HOSTILE_FILES))
def test_a_hostile_problem_set_gets_a_clear_error_and_imports_nothing(client, world, name):
    # Given a teacher and a hostile file
    content, filename, expected = HOSTILE_FILES[name]
    raw = content if isinstance(content, bytes) else content.encode()
    client.force_login(world["users"]["teacher"])
    before = (Assignment.objects.count(), Problem.objects.count(), AuditEvent.objects.count())
    # When they upload it
    upload = SimpleUploadedFile(filename, raw, content_type="application/octet-stream")
    response = client.post(reverse("problem_set_upload", args=[world["course"].pk]), {"file": upload})
    # Then a 400 page names what is wrong, briefly, and nothing was imported
    assert response.status_code == 400
    body = response.content.decode()
    assert html.escape(expected, quote=True) in body or expected in body, body[-3000:]
    assert len(body) < 100_000
    assert (Assignment.objects.count(), Problem.objects.count(), AuditEvent.objects.count()) == before


def test_an_oversized_upload_is_refused_before_it_is_read(client, world, settings):
    settings.PROBLEM_SET_MAX_BYTES = 1000
    client.force_login(world["users"]["teacher"])
    upload = SimpleUploadedFile("set.md", b"x" * 5000, content_type="text/markdown")
    response = client.post(reverse("problem_set_upload", args=[world["course"].pk]), {"file": upload})
    assert response.status_code == 400
    assert "The file is 5,000 bytes; the limit is 1,000 bytes." in response.content.decode()
    assert Assignment.objects.count() == 1


def test_the_example_still_imports(client, world):
    # The guards do not refuse a real problem set (a control for the hostile cases above)
    from pathlib import Path

    from django.conf import settings

    client.force_login(world["users"]["teacher"])
    content = (Path(settings.BASE_DIR) / "examples" / "problem_set.md").read_bytes()
    upload = SimpleUploadedFile("problem_set.md", content, content_type="text/markdown")
    response = client.post(reverse("problem_set_upload", args=[world["course"].pk]), {"file": upload})
    assert response.status_code == 302
    assert Assignment.objects.count() == 2


# --- Stored XSS -------------------------------------------------------------------------------------------------

MARK = "XSSMARK"
PAYLOAD = (
    f"{MARK} <img src=x onerror=alert(1)> </textarea><script>alert(2)</script> [click](javascript:alert(3)) "
    '<a href="javascript:alert(4)" hx-post="/logout/" hx-trigger="load">x</a> '
    "Evil');alert('5 $\\href{javascript:alert(6)}{x}$ <svg onload=alert(7)> \"><iframe src=javascript:alert(8)>"
)


class ActiveContent(HTMLParser):
    """Collects everything in a page that a browser would run: scripts with the payload, event-handler
    attributes, javascript: URLs, auto-firing htmx requests, and the payload's own elements."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._in_script = tag == "script"
        if tag == "iframe" or (tag == "img" and ("src", "x") in attrs):
            self.found.append(f"<{tag}> element from the payload")
        for name, value in attrs:
            value = value or ""
            compact = re.sub(r"\s", "", value).lower()
            if name.startswith("on") and ("alert(" in value and (name != "onsubmit" or "');alert('" in value)):
                self.found.append(f"{tag} {name}={value!r}")
            if compact.startswith("javascript:"):
                self.found.append(f"{tag} {name}={value!r}")
            if name == "hx-trigger" and value == "load":
                self.found.append(f"{tag} hx-trigger=load")

    def handle_endtag(self, tag: str) -> None:
        self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script and "alert(" in data:
            self.found.append(f"script: {data[:80]!r}")


def active_content(page: str) -> list[str]:
    parser = ActiveContent()
    parser.feed(page)
    return parser.found


def test_the_detector_finds_active_content():
    # The check below is only as good as this detector: it must flag the payload when it is not escaped
    found = active_content(PAYLOAD)
    assert any("img" in item for item in found)
    assert any("script" in item for item in found)
    assert any("javascript:" in item for item in found)
    assert any("hx-trigger" in item for item in found)
    assert active_content(html.escape(PAYLOAD)) == []


@pytest.fixture
def hostile_world(world):
    """Every field a user or a verifier controls holds the payload."""
    users = world["users"]
    for user in User.objects.all():
        user.first_name, user.last_name = PAYLOAD[:150], "Evil');alert('9"
        user.save()
    Course.objects.filter(pk=world["course"].pk).update(name=PAYLOAD[:200], description=PAYLOAD)
    Assignment.objects.filter(pk=world["assignment"].pk).update(title=PAYLOAD[:200], instructions=PAYLOAD)
    Problem.objects.filter(pk=world["problem"].pk).update(
        title=PAYLOAD[:200], statement=PAYLOAD, reference_answer=PAYLOAD[:500], reference_solution=[PAYLOAD]
    )
    # A student's solution, graded, with a verifier that echoes it into its explanations
    problem = Problem.objects.get(pk=world["problem"].pk)
    submission = grading_services.submission_create(student=users["student"], problem=problem, text=PAYLOAD)
    grading_services.submission_grade(submission_id=submission.pk, grading_version=1)
    Step.objects.filter(submission=submission).update(explanation=PAYLOAD, hint=PAYLOAD, checker=PAYLOAD[:40])
    VerificationRun.objects.filter(submission=submission).update(
        raw_output=PAYLOAD, prompt=PAYLOAD, error=PAYLOAD, model_id=PAYLOAD[:100]
    )
    grading_services.score_override(submission=submission, actor=users["teacher"], score=0, reason=PAYLOAD)
    Submission.objects.filter(pk=submission.pk).update(status_reason=PAYLOAD[:500])
    admin_user = UserFactory(username="site_admin", is_staff=True, is_superuser=True)
    return {**world, "hostile_submission": submission, "admin": admin_user}


def hostile_pages(w: dict[str, Any]) -> dict[str, list[str]]:
    c, a, p, s = w["course"].pk, w["assignment"].pk, w["problem"].pk, w["hostile_submission"].pk
    member = [
        reverse("home"),
        reverse("course_detail", args=[c]),
        reverse("assignment_detail", args=[a]),
        reverse("problem_detail", args=[p]),
        reverse("submission_detail", args=[s]),
    ]
    staff = [
        reverse("assignment_create", args=[c]),
        reverse("problem_set_upload", args=[c]),
        reverse("gradebook", args=[a]),
        reverse("review_queue"),
        reverse("submission_audit", args=[s]),
    ]
    return {"student": member, "teacher": member + staff}


@pytest.mark.parametrize("role", ["student", "teacher"])
def test_hostile_text_is_inert_on_every_page(client, hostile_world, role):
    client.force_login(hostile_world["users"][role])
    for url in hostile_pages(hostile_world)[role]:
        for headers in ({}, {"HX-Request": "true"}):
            response = client.get(url, headers=headers)
            assert response.status_code in (200, 286), url
            page = response.content.decode()
            assert MARK in page, url  # the payload is on the page, so the check is not vacuous
            assert active_content(page) == [], url


def test_hostile_text_is_inert_when_shown_back_in_the_solution_box(client, hostile_world):
    client.force_login(hostile_world["users"]["student"])
    problem = hostile_world["problem"]
    for name in ("problem_preview", "problem_submit"):
        response = client.post(reverse(name, args=[problem.pk]), {"text": PAYLOAD + "\x00"})
        page = response.content.decode()
        assert MARK in page, name
        assert active_content(page) == [], name


def test_hostile_text_is_inert_in_the_admin(client, hostile_world):
    client.force_login(hostile_world["admin"])
    checked = 0
    for model, model_admin in admin.site._registry.items():
        info = (model._meta.app_label, model._meta.model_name)
        urls = [reverse("admin:{}_{}_changelist".format(*info))]
        obj = model.objects.order_by("-pk").first()
        if obj is not None:
            urls.append(reverse("admin:{}_{}_change".format(*info), args=[obj.pk]))
        for url in urls:
            response = client.get(url)
            assert response.status_code == 200, url
            page = response.content.decode()
            checked += MARK in page
            assert active_content(page) == [], url
    assert checked >= 5  # the payload did reach several admin pages


def test_markdown_links_keep_only_safe_schemes_and_no_htmx_attributes():
    from tutor.classroom.rendering import render_markdown

    rendered = render_markdown(
        "[a](javascript:alert(1)) [b](JaVaScRiPt:alert(1)) [c](data:text/html,x) [d](https://example.org) "
        '<a href="/x" hx-get="/logout/" hx-trigger="load" onclick="alert(1)">e</a> <span style="x">f</span>'
    )
    assert active_content(rendered) == []
    assert "data:" not in rendered
    assert "hx-" not in rendered
    assert "style" not in rendered
    assert 'href="https://example.org"' in rendered


# --- KaTeX in a real browser ------------------------------------------------------------------------------------

HOSTILE_LATEX = [
    r"$\href{javascript:alert(1)}{click}$",
    r"$\url{javascript:alert(2)}$",
    r"$\htmlClass{x}{y} \htmlId{id}{y} \htmlData{foo=bar}{y} \htmlStyle{color:red}{y}$",
    r"$\includegraphics[height=1em]{javascript:alert(3)}$",
    r"$\def\a{\a\a}\a$",
    r"$\rule{99999em}{99999em}$",
    r"$" + r"\frac{1}{" * 200 + "2" + "}" * 200 + "$",
    "$x^2$",  # a control: ordinary math still renders
]


def _render_in_chromium(page_html: str, folder: Any) -> dict[str, Any]:
    """Load the page with the app's KaTeX setup in Debian's Chromium; return what the DOM ended up with."""
    import threading

    from playwright.sync_api import sync_playwright

    (folder / "page.html").write_text(page_html, encoding="utf-8")
    outcome: dict[str, Any] = {}

    def run() -> None:  # Playwright's sync API runs its own event loop: keep it off the test's thread
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(
                    executable_path="/usr/bin/chromium",
                    args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
                )
                page = browser.new_page()
                dialogs: list[str] = []
                page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
                page.goto((folder / "page.html").as_uri(), timeout=60_000)
                # The page marks the end of its math pass (after app.js's own DOMContentLoaded handler), so the
                # wait ends when rendering ends; a hang never sets it. Generous: a loaded CI machine is slow.
                page.wait_for_function("document.body.dataset.mathDone === 'yes'", timeout=60_000)
                page.eval_on_selector_all("body a", "links => links.forEach(link => link.click())")
                page.wait_for_timeout(300)
                outcome["dialogs"] = dialogs
                outcome["links"] = page.eval_on_selector_all(
                    "body [href], body [src]", "els => els.map(e => e.outerHTML)"
                )
                outcome["html_ext"] = page.eval_on_selector_all(".x,#id,[data-foo]", "els => els.length")
                outcome["rendered"] = page.eval_on_selector_all(".katex", "els => els.length")
                browser.close()
        except Exception as exc:  # reported by the test, not lost in the thread
            outcome["error"] = exc

    worker = threading.Thread(target=run)
    worker.start()
    worker.join(150)
    assert not worker.is_alive(), "rendering hostile LaTeX hung the page"
    if "error" in outcome:
        raise outcome["error"]
    return outcome


def test_katex_renders_hostile_latex_without_links_html_or_a_hang(tmp_path):
    from pathlib import Path

    from django.conf import settings

    chromium, katex = Path("/usr/bin/chromium"), Path(settings.BASE_DIR) / "node_modules" / "katex" / "dist"
    if not chromium.exists() or not katex.is_dir():
        skip_unless_ci("needs /usr/bin/chromium and node_modules/katex (npm ci)")
    # Given a page set up like base.html, with hostile LaTeX in escaped text as the templates write it
    scripts = [
        katex / "katex.min.js",
        katex / "contrib" / "auto-render.min.js",
        Path(settings.BASE_DIR) / "static/js/app.js",
    ]
    head = "".join(f'<script defer src="{path.as_uri()}"></script>' for path in scripts)
    # Deferred scripts run in order and their listeners fire in the order added: this one after app.js's.
    done = "document.addEventListener('DOMContentLoaded',()=>{document.body.dataset.mathDone='yes'})"
    head += f'<script defer src="data:text/javascript,{quote(done)}"></script>'
    body = "".join(f"<p>{html.escape(latex)}</p>" for latex in HOSTILE_LATEX)
    # When Chromium loads it and every link on it is clicked
    outcome = _render_in_chromium(f"<!doctype html><html><head>{head}</head><body>{body}</body></html>", tmp_path)
    # Then the math rendered, but no link, URL, image or HTML attribute came out of it, and nothing ran
    assert outcome["rendered"] >= len(HOSTILE_LATEX) - 2
    assert outcome["links"] == []
    assert outcome["html_ext"] == 0
    assert outcome["dialogs"] == []


# --- Production settings ----------------------------------------------------------------------------------------

PRODUCTION_PROBE = """
import json
from django.conf import settings
from django.test import Client
client = Client(HTTP_HOST="tutor.example.org")
plain = client.get("/")
secure = client.get("/", secure=True)
print(json.dumps({
    "plain": [plain.status_code, plain.get("Location", "")],
    "secure": [secure.status_code, {k: v for k, v in secure.headers.items()}],
    "settings": {name: getattr(settings, name) for name in (
        "DEBUG", "SESSION_COOKIE_SECURE", "SESSION_COOKIE_HTTPONLY", "SESSION_COOKIE_SAMESITE",
        "CSRF_COOKIE_SECURE", "CSRF_COOKIE_HTTPONLY", "CSRF_COOKIE_SAMESITE")},
}))
"""


def test_production_responses_carry_the_hardening_headers_and_cookie_flags():
    import os
    import subprocess
    import sys
    from pathlib import Path

    from django.conf import settings

    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "DJANGO_ALLOW_ASYNC_UNSAFE", "DEBUG"}}
    env.update(
        DJANGO_SETTINGS_MODULE="tutor.settings.production",
        SECRET_KEY="k3v9-zq!7w2m#p8x@r4t6y1u5i0o3a9s8d7f6g5h4j3k2l1zxcvbnm",
        ALLOWED_HOSTS="tutor.example.org",
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", PRODUCTION_PROBE],
        cwd=Path(settings.BASE_DIR),
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    probe = json.loads(result.stdout.strip().splitlines()[-1])
    # Plain HTTP is sent to HTTPS
    assert probe["plain"] == [301, "https://tutor.example.org/"]
    status, headers = probe["secure"]
    assert status == 302  # to the login page
    assert headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "same-origin"
    assert headers["Cross-Origin-Opener-Policy"] == "same-origin"
    assert probe["settings"] == {
        "DEBUG": False,
        "SESSION_COOKIE_SECURE": True,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "CSRF_COOKIE_SECURE": True,
        "CSRF_COOKIE_HTTPONLY": True,
        "CSRF_COOKIE_SAMESITE": "Lax",
    }


# --- Rendering cost of hostile Markdown -------------------------------------------------------------------------

HOSTILE_MARKDOWN = {
    "unclosed_brackets": "[" * 20_000,  # was about a minute
    "link_without_its_paren": "[a](" * 5_000,  # was about 30 s
    "unclosed_inline_math": "\\(" * 10_000,  # was about 7 s
    "unclosed_display_math": "\\[" * 10_000,  # was about 7 s
    "backticks": "`" * 20_000,  # was about 7 minutes
    "tag_openings": "<a " * 6_000,  # was about 35 s
    "autolink_openings": "<http://" * 2_500,  # was about 3 s
}


@pytest.mark.parametrize("name", sorted(HOSTILE_MARKDOWN))
def test_a_hostile_statement_renders_quickly(name):
    import time

    from tutor.classroom.rendering import render_markdown

    started = time.monotonic()
    rendered = render_markdown(HOSTILE_MARKDOWN[name])
    assert time.monotonic() - started < 3, "every page showing this statement would take this long"
    assert active_content(rendered) == []


def test_links_math_and_code_still_render_after_the_guards():
    from tutor.classroom.rendering import render_markdown

    rendered = render_markdown(
        "See [the docs](https://example.org), [b][r], $[0,1)$, [0, 1), \\(x^2\\), `a [b` and ``c``.\n\n"
        "[r]: https://example.com"
    )
    assert '<a href="https://example.org"' in rendered
    assert '<a href="https://example.com"' in rendered
    assert "$[0,1)$" in rendered
    assert "\\(x^2\\)" in rendered
    assert "<code>a [b</code>" in rendered
    assert "<code>c</code>" in rendered
