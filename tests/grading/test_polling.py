"""The feedback page polls cheaply: soon at first and backing off, a 304 decided by one query while nothing
changed, the final fragment rendered once with the 286 that stops polling, and no inline script anywhere."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from grading import services
from grading.models import Submission
from tests.factories import SubmissionFactory

HTMX = {"HX-Request": "true"}


@pytest.fixture
def waiting(classroom):
    return SubmissionFactory(problem=classroom.problem, student=classroom.student, backend="fake")


def poll(client, submission, **headers):
    return client.get(reverse("submission_detail", args=[submission.pk]), headers={**HTMX, **headers})


def test_a_poll_while_nothing_changed_is_a_304_without_a_query(client, classroom, waiting):
    client.force_login(classroom.student)
    # Given a first poll, which renders the fragment with an ETag the browser revalidates every time
    first = poll(client, waiting)
    assert first.status_code == 200
    assert first["Cache-Control"] == "private, no-cache"
    assert "HX-Request" in first["Vary"]
    etag = first["ETag"]
    # When the browser polls again with it and nothing changed
    with CaptureQueriesContext(connection) as queries:
        again = poll(client, waiting, **{"If-None-Match": etag})
    # Then it gets a 304 with no body, decided from the session and the progress cache: no database query
    assert again.status_code == 304
    assert again.content == b""
    assert again["ETag"] == etag
    assert queries.captured_queries == []
    # And once grading moves on (a state transition refreshes the cached progress), the next poll renders it
    services.submission_claim(waiting.pk, 1)
    moved = poll(client, waiting, **{"If-None-Match": etag})
    assert moved.status_code == 200
    assert moved["ETag"] != etag
    assert 'data-status="verifying"' in moved.content.decode()


def test_a_teachers_poll_is_a_304_after_the_access_check_in_the_database(client, classroom, waiting):
    client.force_login(classroom.teacher)
    etag = poll(client, waiting)["ETag"]
    with CaptureQueriesContext(connection) as queries:
        again = poll(client, waiting, **{"If-None-Match": etag})
    assert again.status_code == 304
    assert [q for q in queries.captured_queries if "grading_submission" in q["sql"]]


def test_a_slow_reader_never_puts_back_an_older_progress(classroom, waiting):
    from grading import progress, selectors

    # Given a slow reader that loaded the queued state, and a transition that happened meanwhile
    old = selectors.submission_poll_state(user=classroom.student, pk=waiting.pk)
    services.submission_claim(waiting.pk, 1)
    # When the slow reader stores what it read / Then the newer state stays
    progress.add(waiting.pk, old)
    assert progress.cached(waiting.pk).status == Submission.Status.VERIFYING


def test_the_final_fragment_is_rendered_once_with_286_and_marks_itself_for_the_focus_script(client, classroom, waiting):
    client.force_login(classroom.student)
    etag = poll(client, waiting)["ETag"]
    services.submission_grade(submission_id=waiting.pk, grading_version=1)
    final = poll(client, waiting, **{"If-None-Match": etag})
    assert final.status_code == 286
    body = final.content.decode()
    assert "data-just-finished" in body
    assert "hx-trigger" not in body
    assert "<script" not in body


def test_polling_starts_soon_and_backs_off(client, classroom, waiting):
    client.force_login(classroom.student)
    assert 'hx-trigger="load delay:250ms"' in poll(client, waiting).content.decode()
    Submission.objects.filter(pk=waiting.pk).update(status_changed_at=timezone.now() - timedelta(seconds=20))
    assert 'hx-trigger="load delay:1000ms"' in poll(client, waiting).content.decode()
    Submission.objects.filter(pk=waiting.pk).update(status_changed_at=timezone.now() - timedelta(minutes=10))
    assert 'hx-trigger="load delay:5000ms"' in poll(client, waiting).content.decode()


def test_polling_someone_elses_submission_is_a_404_even_with_an_etag(client, classroom, waiting):
    client.force_login(classroom.other_student)
    assert poll(client, waiting).status_code == 404
    assert poll(client, waiting, **{"If-None-Match": '"anything"'}).status_code == 404


def test_pages_carry_no_inline_script_or_handler(client, classroom, waiting):
    from tutor.classroom.models import Enrollment

    client.force_login(classroom.teacher)
    course = classroom.problem.assignment.course
    pages = [
        client.get(reverse("course_detail", args=[course.pk])).content.decode(),
        client.get(reverse("submission_detail", args=[waiting.pk])).content.decode(),
        client.get(reverse("home")).content.decode(),
    ]
    for page in pages:
        assert "<script>" not in page
        assert " onsubmit=" not in page
        assert " onclick=" not in page
    assert Enrollment.objects.filter(course=course, role="student").exists()
    assert 'data-confirm="Remove student1 from' in pages[0]


def test_the_wsgi_shortcut_answers_a_current_poll_before_django_and_passes_everything_else_on(
    client, classroom, waiting, monkeypatch
):
    from django.test import RequestFactory

    from tutor import wsgi

    # Given the poll URL is the one the shortcut recognises, and a student whose browser holds the fragment
    url = reverse("submission_detail", args=[waiting.pk])
    assert wsgi.POLL_PATH.match(url)
    client.force_login(classroom.student)
    etag = poll(client, waiting)["ETag"]
    cookie = f"sessionid={client.cookies['sessionid'].value}"

    def call(**headers):
        environ = RequestFactory().get(url, headers=headers).environ
        environ["HTTP_COOKIE"] = cookie
        seen = {}
        body = b"".join(wsgi.application(environ, lambda status, headers, *a: seen.update(status=status)))
        return seen["status"], body

    # When it polls with its ETag / Then the shortcut answers 304, with no database query
    with CaptureQueriesContext(connection) as queries:
        status, body = call(**HTMX, **{"If-None-Match": etag})
    assert status.startswith("304")
    assert body == b""
    assert queries.captured_queries == []

    # And a stale ETag, or a request that is not a poll, reaches Django (a stand-in here: the real handler
    # would close the test's database connection)
    def django(environ, start_response):
        start_response("200 OK from Django", [])
        return [b"django"]

    monkeypatch.setattr(wsgi, "django_application", django)
    assert call(**HTMX, **{"If-None-Match": '"stale"'}) == ("200 OK from Django", b"django")
    assert call(**{"If-None-Match": etag}) == ("200 OK from Django", b"django")


def test_the_patience_notice_is_never_hidden_behind_a_304(client, classroom, waiting, settings):
    # Given a student whose browser holds the fragment from before the patience notice was due
    settings.GRADING_PATIENCE_SECONDS = 3600
    client.force_login(classroom.student)
    etag = poll(client, waiting)["ETag"]
    assert poll(client, waiting, **{"If-None-Match": etag}).status_code == 304
    # When grading has taken longer than the patience allows / Then the next poll renders the page again
    settings.GRADING_PATIENCE_SECONDS = 0
    again = poll(client, waiting, **{"If-None-Match": etag})
    assert again.status_code == 200
    assert again["ETag"] != etag
