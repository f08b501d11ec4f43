"""Hostile solutions through the whole pipeline: the submit view, `submission_create`, and grading with the real
`symbolic` backend (Celery runs eagerly in the test settings). Each one ends quickly in a final status with a
reason, or is refused at submit with a clear message that saves nothing. Never a 500, never a stuck row."""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

import pytest
from django.conf import settings
from django.urls import reverse

from grading import services
from grading.models import Submission
from tests.factories import EnrollmentFactory, ProblemFactory, UserFactory
from tutor.classroom.models import Enrollment
from verifier_worker.segmentation import MAX_STEPS
from verifier_worker.types import VerificationRequest, VerificationResult

pytestmark = pytest.mark.django_db

Status = Submission.Status
FINAL = {Status.GRADED, Status.NEEDS_REVIEW, Status.FAILED}
# Generous for a shared 2-core machine: a hung check would take minutes, not seconds.
QUICK_SECONDS = 15

NESTED = "x = " + "(" * 3000 + "1" + ")" * 3000
HOSTILE = {
    "tower": "x = 10^{10^{10^{10}}}\nx = 10^{10^{10^{10}}} + 1",
    "factorials": "9!!!!!! = 5\nx = 9!!!!!!",
    "nested_braces": "x = " + "{" * 3000 + "1" + "}" * 3000,
    "nested_parens": NESTED,
    "nested_frac": "x = " + "\\frac{1}{" * 500 + "2" + "}" * 500,
    # At both caps at once: the most steps that are checked (more are refused at submit, tested below), and the
    # most characters, in those steps.
    "sixty_steps": "\n".join(f"{i} + 1 = {i + 1}" for i in range(MAX_STEPS)),
    "at_the_limit": "\n".join([("12 × 7 = 84, " * 40)[: settings.SOLUTION_MAX_CHARS // MAX_STEPS - 1]] * MAX_STEPS),
    "one_long_line": "1" * settings.SOLUTION_MAX_CHARS,
    "huge_digits": "x = " + "9" * 5000 + " * " + "9" * 5000,
    "power_chain": "2^2^2^2^2^2^2^2 = 4",
    "unicode": "\u202e3x + 5 = 20\u202c\n3x\u200b = 15\nx = 5\ufeff\n\U0001d465 = 5",
    "latex_commands": "\\href{javascript:alert(1)}{x} = 1\n\\def\\a{\\a\\a}\\a = 2\n\\input{/etc/passwd}",
}


@pytest.fixture
def symbolic(db):
    """A student in a class whose assignment is graded by the real symbolic backend, with many attempts."""
    problem = ProblemFactory(statement="Solve $3x + 5 = 20$.", reference_answer="5")
    assignment = problem.assignment
    assignment.verifier_backend = "symbolic"
    assignment.max_attempts = 100
    assignment.save()
    student = UserFactory()
    EnrollmentFactory(course=assignment.course, user=student, role=Enrollment.Role.STUDENT)
    return problem, student


def submit(client, problem, student, text: str, capture) -> Any:
    client.force_login(student)
    with capture(execute=True):
        return client.post(reverse("problem_submit", args=[problem.pk]), {"text": text})


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_solution_is_saved_and_ends_final_with_a_reason_quickly(
    client, symbolic, django_capture_on_commit_callbacks, name
):
    # Given a hostile solution within the length limit
    problem, student = symbolic
    text = HOSTILE[name]
    assert len(text) <= settings.SOLUTION_MAX_CHARS
    # When the student submits it and it is graded inline by the symbolic backend
    started = time.monotonic()
    response = submit(client, problem, student, text, django_capture_on_commit_callbacks)
    elapsed = time.monotonic() - started
    # Then it was saved exactly as typed, graded to a final status with a reason, quickly
    assert response.status_code == 302, response.content.decode()[:500]
    submission = Submission.objects.get(problem=problem, student=student)
    assert submission.text == text
    assert submission.status in FINAL, (submission.status, submission.status_reason)
    assert submission.status_reason
    assert elapsed < QUICK_SECONDS, f"{name} took {elapsed:.1f}s"
    # And the feedback page renders
    assert client.get(response["Location"]).status_code == 200


def test_a_200kb_line_is_refused_at_submit_with_the_limit_and_nothing_is_saved(
    client, symbolic, django_capture_on_commit_callbacks
):
    problem, student = symbolic
    text = "1" * 200_000
    response = submit(client, problem, student, text, django_capture_on_commit_callbacks)
    assert response.status_code == 400
    body = response.content.decode()
    assert "200,000 characters" in body
    assert f"{settings.SOLUTION_MAX_CHARS:,}" in body
    assert not Submission.objects.exists()
    # The text is kept in the box for the student to shorten, not lost
    assert text in body


@pytest.mark.parametrize("steps", [MAX_STEPS + 1, 1000])
def test_a_solution_past_the_step_cap_is_refused_at_submit_and_nothing_is_cut_silently(
    client, symbolic, django_capture_on_commit_callbacks, steps
):
    # Given a correct solution longer than the steps that can be checked (it was graded wrong at step 60)
    problem, student = symbolic
    text = "\n".join(f"{i} + 1 = {i + 1}" for i in range(steps))
    # When the student submits it
    response = submit(client, problem, student, text, django_capture_on_commit_callbacks)
    # Then it is refused with the cap and what to do, the text is kept, and nothing is saved
    assert response.status_code == 400
    body = response.content.decode()
    assert f"more than {MAX_STEPS} steps" in body
    assert "on one line" in body
    assert "1 + 1 = 2" in body
    assert not Submission.objects.exists()
    # And the service refuses it too, for callers that bypass the form
    with pytest.raises(services.SubmissionError, match=f"more than {MAX_STEPS} steps") as info:
        services.submission_create(student=student, problem=problem, text=text)
    assert info.value.code == "too_many_steps"


def test_the_live_preview_says_a_solution_past_the_step_cap_cannot_be_submitted(client, symbolic):
    problem, student = symbolic
    client.force_login(student)
    url = reverse("problem_preview", args=[problem.pk])
    text = "\n".join(f"{i} + 1 = {i + 1}" for i in range(MAX_STEPS + 5))
    body = client.post(url, {"text": text}, headers={"HX-Request": "true"}).content.decode()
    assert 'data-testid="step-limit"' in body
    assert f"more than {MAX_STEPS} steps" in body
    at_cap = client.post(url, {"text": "\n".join(["x = 1"] * MAX_STEPS)}, headers={"HX-Request": "true"})
    assert "step-limit" not in at_cap.content.decode()


def test_a_nul_character_is_refused_with_a_clear_message_and_the_text_is_kept(
    client, symbolic, django_capture_on_commit_callbacks
):
    problem, student = symbolic
    response = submit(client, problem, student, "3x = 15\x00\nx = 5", django_capture_on_commit_callbacks)
    assert response.status_code == 400
    body = response.content.decode()
    assert "ull characters are not allowed" in body or "NUL character" in body
    assert "3x = 15" in body
    assert not Submission.objects.exists()


def test_the_service_refuses_a_nul_character_too(symbolic):
    # Given a caller that bypasses the form (an API, a script)
    problem, student = symbolic
    # When it submits text with a NUL, which PostgreSQL cannot store / Then a clear SubmissionError, no row
    with pytest.raises(services.SubmissionError, match="NUL character"):
        services.submission_create(student=student, problem=problem, text="x = 5\x00")
    assert not Submission.objects.exists()


def test_the_live_preview_survives_hostile_text(client, symbolic):
    problem, student = symbolic
    client.force_login(student)
    url = reverse("problem_preview", args=[problem.pk])
    for name, text in HOSTILE.items():
        response = client.post(url, {"text": text}, headers={"HX-Request": "true"})
        assert response.status_code == 200, name
    response = client.post(url, {"text": "1" * 200_000}, headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert "the limit is" in response.content.decode()


class CrashingVerifier:
    """A real backend with a bug: every call raises something that is not a VerifierUnavailable."""

    name = "crashing"

    def __init__(self, **options: Any) -> None:
        self.options = options

    def verify_batch(self, requests: Sequence[VerificationRequest]) -> list[VerificationResult]:
        raise RecursionError("maximum recursion depth exceeded while parsing")


def test_a_backend_that_crashes_leaves_the_submission_in_review_with_a_reason_not_stuck(
    client, symbolic, settings, django_capture_on_commit_callbacks
):
    # Given an assignment graded by a backend that raises an unexpected exception
    settings.VERIFIER_EXTRA_BACKENDS = {"crashing": f"{__name__}:CrashingVerifier"}
    problem, student = symbolic
    problem.assignment.verifier_backend = "crashing"
    problem.assignment.save()
    # When a student submits
    response = submit(client, problem, student, "3x = 15\nx = 5", django_capture_on_commit_callbacks)
    # Then the submission is kept and waits for a teacher, with the reason recorded on the run
    assert response.status_code == 302
    submission = Submission.objects.get()
    assert submission.status == Status.NEEDS_REVIEW
    assert "could not check this solution (RecursionError)" in submission.status_reason
    assert "RecursionError" in submission.runs.get().error
    assert client.get(response["Location"]).status_code == 200


def test_a_solution_that_kills_its_worker_every_time_ends_in_review_not_an_endless_redelivery(symbolic):
    # Given a saved submission whose grading is claimed and then lost (the worker dies at its hard time limit
    # before storing anything) every time the broker redelivers it
    problem, student = symbolic
    submission = services.submission_create(student=student, problem=problem, text="3x = 15\nx = 5")
    claims = 0
    while services.submission_claim(submission.pk, submission.grading_version) is not None:
        claims += 1
        assert claims <= services.MAX_GRADING_RESTARTS + 1, "redelivered forever"
    # Then after the allowed restarts it waits for a teacher, with the reason
    submission.refresh_from_db()
    assert claims == services.MAX_GRADING_RESTARTS + 1
    assert submission.status == Status.NEEDS_REVIEW
    assert "Grading was interrupted" in submission.status_reason
    # And a transient-error retry budget still fits inside the allowance
    assert services.MAX_GRADING_RESTARTS > services.MAX_GRADING_ATTEMPTS - 1
