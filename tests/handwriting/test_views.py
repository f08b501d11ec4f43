"""The Write mode's endpoints and the pages that show handwriting: bounds, permissions, and what people see."""

from __future__ import annotations

import json
import re
import sys

import pytest
from django.test import override_settings
from django.urls import reverse

from grading import services as grading_services
from grading.models import Submission
from tests.factories import SubmissionFactory
from tutor.handwriting.models import HandwrittenLine, LineRecognition

from .conftest import ink


def post_ink(client, problem, payload, **extra):
    return client.post(
        reverse("handwriting_recognise", args=[problem.pk]), data=payload, content_type="application/json", **extra
    )


def test_the_problem_page_offers_the_write_mode(client, classroom):
    client.force_login(classroom.student)
    html = client.get(reverse("problem_detail", args=[classroom.problem.pk])).content.decode()
    assert 'id="write-mode"' in html
    assert "data-hw-line-template" in html
    assert reverse("handwriting_recognise", args=[classroom.problem.pk]) in html
    assert reverse("handwriting_submit", args=[classroom.problem.pk]) in html
    assert "js/handwriting.js" in html
    # the typed form is still there, unchanged
    assert 'class="solution-form"' in html
    # and no inline handlers or scripts, so a strict Content-Security-Policy can forbid them
    assert not re.search(r"\son[a-z]+=", html)
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html)


@override_settings(HANDWRITING_RECOGNITION="off")
def test_without_a_recogniser_the_write_mode_says_so(client, classroom):
    client.force_login(classroom.student)
    html = client.get(reverse("problem_detail", args=[classroom.problem.pk])).content.decode()
    assert 'data-testid="write-unavailable"' in html
    assert "not installed" in html
    assert "data-hw-line-template" not in html
    response = post_ink(client, classroom.problem, ink(2))
    assert response.status_code == 503
    assert "not installed" in response.json()["error"]


def test_a_line_is_read_and_polled_as_json(client, classroom, django_capture_on_commit_callbacks):
    client.force_login(classroom.student)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = post_ink(client, classroom.problem, ink(2))
    # the first answer is `pending` with where to poll; the worker has not run yet
    assert response.status_code == 202
    assert len(callbacks) == 1
    state = response.json()
    assert state["status"] == "pending"
    assert state["retry_ms"] > 0
    poll = client.get(state["poll"])
    assert poll.json()["status"] == "pending"
    assert poll["Cache-Control"] == "no-store"
    # when the worker has read it
    callbacks[0]()
    done = client.get(state["poll"]).json()
    assert done["status"] == "done"
    assert done["text"] == "x = 2"
    assert done["sure"] is True
    # and the same ink again is answered at once
    again = post_ink(client, classroom.problem, ink(2))
    assert again.status_code == 200
    assert again.json()["id"] == state["id"]
    assert "torch" not in sys.modules


def test_oversized_ink_is_refused_before_the_body_is_read(client, classroom):
    client.force_login(classroom.student)
    payload = ink(2) + " " * (70 * 1024)
    response = post_ink(client, classroom.problem, payload)
    assert response.status_code == 413
    assert response.json()["code"] == "too_large"
    assert LineRecognition.objects.count() == 0


@pytest.mark.parametrize(
    ("payload", "code"),
    [
        ("not json", "malformed"),
        ('{"width": 10, "height": 10, "strokes": [[[Infinity, 1]]]}', "not_finite"),
        (json.dumps({"width": 10, "height": 10, "strokes": [[[1, 1]]] * 3000}), "too_many_strokes"),
        (json.dumps({"width": 10, "height": 10, "strokes": [[[1e6, 1]]]}), "out_of_range"),
    ],
)
def test_bad_ink_gets_a_clear_json_error_and_stores_nothing(client, classroom, payload, code):
    client.force_login(classroom.student)
    response = post_ink(client, classroom.problem, payload)
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == code
    assert body["error"]
    assert LineRecognition.objects.count() == 0


def test_outsiders_cannot_send_ink_and_nobody_reads_anothers_line(
    client, classroom, django_capture_on_commit_callbacks
):
    client.force_login(classroom.outsider)
    assert post_ink(client, classroom.problem, ink(2)).status_code == 404
    client.force_login(classroom.student)
    with django_capture_on_commit_callbacks(execute=True):
        state = post_ink(client, classroom.problem, ink(2)).json()
    client.force_login(classroom.other_student)
    assert client.get(reverse("handwriting_recognition", args=[state["id"]])).status_code == 404
    client.logout()
    assert client.get(reverse("handwriting_recognition", args=[state["id"]])).status_code == 302


def submit(client, problem, lines):
    return client.post(reverse("handwriting_submit", args=[problem.pk]), {"lines": json.dumps(lines)})


def test_submitting_confirmed_lines_goes_to_the_feedback_page(client, classroom, django_capture_on_commit_callbacks):
    client.force_login(classroom.student)
    with django_capture_on_commit_callbacks(execute=True):
        first = post_ink(client, classroom.problem, ink(2)).json()
        second = post_ink(client, classroom.problem, ink(4, shift=3)).json()
    with django_capture_on_commit_callbacks(execute=True):
        response = submit(
            client,
            classroom.problem,
            [{"text": "x = 2", "recognition": first["id"]}, {"text": "x = 5 WRONG", "recognition": second["id"]}],
        )
    submission = Submission.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("submission_detail", args=[submission.pk])
    assert submission.text == "x = 2\nx = 5 WRONG"
    # the fake verifier graded it (eagerly): step 2 is the first error
    submission.refresh_from_db()
    assert submission.status == Submission.Status.GRADED
    assert submission.first_error_index == 1
    html = client.get(response["Location"]).content.decode()
    # then the student sees their handwriting next to the text, the first error highlighted there too
    assert 'data-testid="handwriting"' in html
    assert html.count('<svg class="hw-ink"') == 2
    ink_lines = re.findall(r'<li class="hw-ink-line[^"]*"[^>]*>', html)
    assert "hw-step-correct" in ink_lines[0]
    assert "data-first-error" in ink_lines[1]
    assert '<a href="#step-2">First error</a>' in html


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("{", "could not be read"),
        ("[]", "no confirmed lines"),
        (json.dumps([{"text": 5}]), "could not be read"),
        (json.dumps([{"text": "x", "recognition": True}]), "could not be read"),
        (json.dumps([{"text": "x"}] * 31), "at most 30 lines"),
        ("[" * 50_000, "could not be read"),
    ],
)
def test_a_bad_submit_says_why_and_saves_nothing(client, classroom, raw, message):
    client.force_login(classroom.student)
    response = client.post(reverse("handwriting_submit", args=[classroom.problem.pk]), {"lines": raw}, follow=True)
    assert response.redirect_chain[-1][0].endswith("#write-mode")
    assert message in response.content.decode()
    assert Submission.objects.count() == 0
    assert HandwrittenLine.objects.count() == 0


def test_a_refused_submit_keeps_the_confirmed_lines_in_the_typing_box(client, classroom):
    # Given a student whose attempts are used up, with two confirmed lines (one claims a reading that is not theirs)
    assignment = classroom.problem.assignment
    client.force_login(classroom.student)
    lines = [{"text": "2x = 6", "recognition": 999999}, {"text": "x = 3", "recognition": None}]
    # When they submit / Then the reason is shown, and the lines are in the box, as text, nothing saved
    response = submit(client, classroom.problem, lines)
    body = response.content.decode()
    assert response.status_code == 400
    assert "was not found" in body
    assert "Your confirmed lines are in the box below as text" in body
    assert "2x = 6\nx = 3</textarea>" in body
    assert Submission.objects.count() == 0
    assignment.max_attempts = 1
    assignment.save(update_fields=["max_attempts"])
    SubmissionFactory(problem=classroom.problem, student=classroom.student)
    response = submit(client, classroom.problem, [{"text": "x = 3", "recognition": None}])
    body = response.content.decode()
    assert response.status_code == 400
    assert 'data-testid="kept-work"' in body  # no box to submit from any more: the work is shown to copy
    assert "readonly>x = 3</textarea>" in body
    assert Submission.objects.count() == 1


def test_the_teacher_sees_handwriting_and_the_recognition_on_feedback_and_audit_pages(
    client, classroom, django_capture_on_commit_callbacks
):
    client.force_login(classroom.student)
    with django_capture_on_commit_callbacks(execute=True):
        unsure = post_ink(client, classroom.problem, ink(3)).json()
    with django_capture_on_commit_callbacks(execute=True):
        submit(client, classroom.problem, [{"text": "y = 3", "recognition": unsure["id"]}, {"text": "x = 5"}])
    submission = Submission.objects.get()
    grading_services.submission_grade(submission_id=submission.pk, grading_version=1)
    client.force_login(classroom.teacher)
    detail = client.get(reverse("submission_detail", args=[submission.pk])).content.decode()
    assert "An alternative reading" in detail
    assert "read as <code>x = 3</code> (40% confident)" in detail
    assert "Typed by the student" in detail
    assert "Typed, not written." in detail
    audit = client.get(reverse("submission_audit", args=[submission.pk])).content.decode()
    assert 'data-testid="handwriting-audit"' in audit
    assert "fake 1" in audit
    assert "3 strokes, 6 points" in audit
    assert '<code class="no-math">x = 4</code> (30%)' in audit  # the alternatives offered
    assert "submission.handwriting_attached" in audit
