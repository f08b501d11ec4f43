"""Step status a student can act on: on the reference path or another route, could not be read as math, and an
unfinished solution told so instead of flagged as a wrong final answer."""

from __future__ import annotations

from django.urls import reverse

from grading.feedback import submission_feedback
from grading.tutoring import hints as composing
from grading.tutoring.findings import step_facts

from .conftest import submit


def test_checker_v2_fields_are_stored_and_shown(bus, v2_backend, client):
    # Given an assignment checked by a backend that reports routes, reason codes and findings (like symbolic v2)
    bus.assignment.verifier_backend = v2_backend
    bus.assignment.save()
    submission = submit(bus.problem, bus.student, "27 × 4 = 108\n3 × 2 = 6 OTHER\nI add UNREADABLE things\nWORDS only")
    steps = list(submission.steps.order_by("index"))
    # Then the rows keep what the checker said
    assert [s.route for s in steps] == ["reference", "other", "", ""]
    assert [s.reason_code for s in steps] == ["", "", "unreadable", "no_math"]
    # and the student reads it in words they can act on
    client.force_login(bus.student)
    html = client.get(reverse("submission_detail", args=[submission.pk])).content.decode()
    assert "A valid step on a different route than expected." in html
    assert "Couldn&#x27;t read as math" in html
    assert "I couldn&#x27;t read step 3 as math. Write the calculation, e.g. 12 × 3 = 36." in html
    assert "In words: not checked" in html


def test_an_unfinished_solution_is_told_so_not_flagged(bus, client):
    # Given a solution whose steps are right but that stops before the answer (graded by the symbolic checker)
    submission = submit(bus.problem, bus.student, "27 × 4 = 108\n3 × 6 = 18")
    assert submission.unfinished
    assert submission.first_error_index is None
    client.force_login(bus.student)
    html = client.get(reverse("submission_detail", args=[submission.pk])).content.decode()
    # Then the page says the steps so far are right, not that the final answer is wrong
    assert "Your steps so far are right; you haven't reached the answer yet." in html
    assert "Not reached yet" in html
    assert "has the first error" not in html
    # and the next hint goes where the solution stops, and "continue" locks every step so far
    steps = list(submission.steps.order_by("index"))
    assert composing.target_for(submission, steps) == composing.HintTarget("next_step", 2)
    assert "Continue from step 3" in html


def test_a_correct_solution_by_another_route_is_told_so(bus):
    # Given a correct solution that takes another route than the reference (graded by the symbolic checker)
    submission = submit(bus.problem, bus.student, "27 + 3 = 30\n30 × 4 = 120\n3 × 2 = 6\n120 + 6 = 126")
    feedback = submission_feedback(submission=submission, viewer=bus.student)
    # Then the steps whose values the reference never computes are "another route", the last one on the path
    assert [s.route for s in feedback.steps] == ["other", "other", "other", "reference"]
    assert feedback.steps[0].note == "A valid step on a different route than expected."


def test_rows_without_a_route_fall_back_to_the_reference_values():
    # Given a correct step from a backend that reports no route (a language-model verifier)
    def facts(text: str):
        return step_facts(
            index=0, text=text, verdict="correct", checker="thinkprm", explanation="", hint="", finding=None,
            route="", reason_code="", by_teacher=False, statement="", reference_steps=["27 × 4 = 108", "3 × 6 = 18"],
            earlier_steps=[],
        )  # fmt: skip

    # Then a step that arrives at a value the reference computes is on the path, another calculation is another
    # route, and a step that only restates the problem's data is neither
    assert facts("27 × 4 = 108").route == "reference"
    assert facts("27 + 3 = 30").route == "other"
    assert facts("x = 30").route == ""


def test_the_unreadable_example_goes_through_the_no_leak_filter(bus, v2_backend, client):
    # Given a problem whose reference solution keeps back 36 (so the first example, 12 × 3 = 36, would leak it)
    bus.problem.reference_solution = ["12 × 3 = 36", "36 + 90 = 126"]
    bus.problem.save()
    bus.assignment.verifier_backend = v2_backend
    bus.assignment.save()
    submission = submit(bus.problem, bus.student, "UNREADABLE stuff\n27 × 4 = 108")
    client.force_login(bus.student)
    html = client.get(reverse("submission_detail", args=[submission.pk])).content.decode()
    # Then the page shows the next example instead
    assert "e.g. 12 × 3 = 36" not in html
    assert "e.g. 10 + 5 = 15" in html
