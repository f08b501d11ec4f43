"""Limits on guessing and flooding: login lockout (django-axes), rate limits on joining and submitting, each with
a clear message and one audit event. Time is frozen inside a window, so the counts never straddle two."""

from __future__ import annotations

import pytest
from django.urls import reverse

from grading.models import Submission
from tests.factories import EnrollmentFactory, ProblemFactory, UserFactory
from tutor import limits
from tutor.audit.models import AuditEvent
from tutor.classroom.models import Enrollment

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def frozen_clock(monkeypatch):
    monkeypatch.setattr(limits.time, "time", lambda: 1_800_000_030.0)  # 30 s into a minute


def test_repeated_wrong_passwords_lock_the_account_out_even_with_the_right_one(client, settings):
    # Given an account, and someone guessing its password
    settings.AXES_FAILURE_LIMIT = 5
    UserFactory(username="alice")
    for _ in range(5):
        response = client.post(reverse("login"), {"username": "alice", "password": "guess"})
    # When the right password comes after the limit
    response = client.post(reverse("login"), {"username": "alice", "password": "pass12345"})
    # Then it is refused with a clear message and a 429, and the lockout is audited once
    assert response.status_code == 429
    body = response.content.decode()
    assert "Too many failed logins" in body
    assert "Try again in 15 minutes" in body
    assert "_auth_user_id" not in client.session
    client.post(reverse("login"), {"username": "alice", "password": "pass12345"})
    [event] = AuditEvent.objects.filter(event_type="login.locked_out")
    assert event.details["username"] == "alice"
    assert event.target_type == "auth.user"


def test_a_lockout_is_per_address_and_a_good_login_before_it_resets_the_count(client, settings):
    settings.AXES_FAILURE_LIMIT = 3
    UserFactory(username="bob")
    for _ in range(2):
        client.post(reverse("login"), {"username": "bob", "password": "guess"})
    assert client.post(reverse("login"), {"username": "bob", "password": "pass12345"}).status_code == 302
    client.post(reverse("logout"))
    for _ in range(2):
        client.post(reverse("login"), {"username": "bob", "password": "guess"})
    assert client.post(reverse("login"), {"username": "bob", "password": "pass12345"}).status_code == 302
    # Someone else's guesses from another address do not lock bob out here
    for _ in range(3):
        client.post(reverse("login"), {"username": "bob", "password": "guess"}, REMOTE_ADDR="10.9.9.9")
    client.post(reverse("logout"))
    assert client.post(reverse("login"), {"username": "bob", "password": "pass12345"}).status_code == 302


def test_an_unknown_username_locked_out_is_audited_without_a_target(client, settings):
    settings.AXES_FAILURE_LIMIT = 2
    for _ in range(3):
        client.post(reverse("login"), {"username": "nobody-here", "password": "guess"})
    [event] = AuditEvent.objects.filter(event_type="login.locked_out")
    assert (event.target_type, event.target_id, event.details["username"]) == ("", "", "nobody-here")


def test_join_code_guessing_is_rate_limited_with_a_message_and_an_audit_event(client, settings):
    # Given a student trying codes
    settings.RATE_LIMIT_JOIN = "3/10m"
    student = UserFactory(username="guesser")
    course = ProblemFactory().assignment.course
    client.force_login(student)
    for code in ("AAAA2222", "BBBB3333", "CCCC4444"):
        client.post(reverse("course_join"), {"join_code": code})
    # When they go on, even with the right code
    response = client.post(reverse("course_join"), {"join_code": course.join_code}, follow=True)
    # Then they are told to wait, not enrolled, and it is audited once
    assert "Too many attempts to join a class. Wait 10 minutes" in response.content.decode()
    assert not Enrollment.objects.filter(user=student, course=course).exists()
    client.post(reverse("course_join"), {"join_code": course.join_code})
    [event] = AuditEvent.objects.filter(event_type="limit.exceeded")
    assert (event.details["action"], event.actor_id) == ("join", student.pk)


def test_submitting_is_rate_limited_with_a_429_and_the_text_kept(client, settings, django_capture_on_commit_callbacks):
    settings.RATE_LIMIT_SUBMIT = "2/m"
    problem = ProblemFactory(assignment__max_attempts=10)
    student = UserFactory(username="flooder")
    EnrollmentFactory(course=problem.assignment.course, user=student, role=Enrollment.Role.STUDENT)
    client.force_login(student)
    url = reverse("problem_submit", args=[problem.pk])
    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(2):
            assert client.post(url, {"text": "x = 5"}).status_code == 302
        response = client.post(url, {"text": "x = 5 again"})
    assert response.status_code == 429
    body = response.content.decode()
    assert "You are submitting too fast. Wait 30 seconds and submit again." in body
    assert "x = 5 again" in body
    assert Submission.objects.filter(student=student).count() == 2
    assert AuditEvent.objects.filter(event_type="limit.exceeded", details__action="submit").count() == 1


def test_the_preview_pauses_instead_of_splitting_when_flooded(client, settings):
    settings.RATE_LIMIT_PREVIEW = "1/m"
    problem = ProblemFactory()
    student = UserFactory(username="typist")
    EnrollmentFactory(course=problem.assignment.course, user=student, role=Enrollment.Role.STUDENT)
    client.force_login(student)
    url = reverse("problem_preview", args=[problem.pk])
    client.post(url, {"text": "x = 1"}, headers={"HX-Request": "true"})
    response = client.post(url, {"text": "x = 2"}, headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert "The preview is paused" in response.content.decode()


def test_an_unreachable_cache_lets_requests_through(monkeypatch):
    user = UserFactory()

    def down(*args, **kwargs):
        raise ConnectionError("cache down")

    monkeypatch.setattr(limits.cache, "add", down)
    assert limits.rate_limit(action="submit", user=user, rate="1/m") is None


@pytest.mark.parametrize(("text", "expected"), [("10/m", (10, 60)), ("10/10m", (10, 600)), ("5/30s", (5, 30))])
def test_rates_parse(text, expected):
    rate = limits.Rate.parse(text)
    assert (rate.count, rate.seconds) == expected


def test_a_bad_rate_is_refused():
    with pytest.raises(ValueError, match="not a rate"):
        limits.Rate.parse("ten per minute")


def test_class_code_guessing_through_sign_up_is_limited_per_address(client, settings):
    # Given a class that takes sign-ups, and someone not signed in trying codes from one address
    settings.RATE_LIMIT_SIGNUP = "3/10m"
    course = ProblemFactory().assignment.course
    course.allow_signup = True
    course.save(update_fields=["allow_signup"])
    data = {
        "username": "new.kid",
        "name": "New Kid",
        "email": "",
        "password1": "a-long-pass-1",
        "password2": "a-long-pass-1",
    }
    for code in ("AAAA2222", "BBBB3333", "CCCC4444"):
        response = client.post(reverse("signup"), {**data, "join_code": code}, REMOTE_ADDR="203.0.113.7")
        assert response.status_code == 400
    # When they go on, even with the right code
    response = client.post(reverse("signup"), {**data, "join_code": course.join_code}, REMOTE_ADDR="203.0.113.7")
    # Then they are told to wait, nothing is made, what they typed (but the passwords) is kept, and it is audited once
    body = response.content.decode()
    assert response.status_code == 429
    assert "Too many sign-up attempts from this network. Wait 10 minutes" in body
    assert 'value="new.kid"' in body
    assert "a-long-pass-1" not in body
    assert not Enrollment.objects.filter(course=course).exclude(role="teacher").exists()
    client.post(reverse("signup"), {**data, "join_code": course.join_code}, REMOTE_ADDR="203.0.113.7")
    [event] = AuditEvent.objects.filter(event_type="limit.exceeded")
    assert (event.details["action"], event.details["ip_address"], event.actor_id) == ("signup", "203.0.113.7", None)
    # And another address is not held back by it
    response = client.post(reverse("signup"), {**data, "join_code": course.join_code}, REMOTE_ADDR="198.51.100.9")
    assert response["Location"] == reverse("course_detail", args=[course.pk])
