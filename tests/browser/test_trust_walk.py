"""Issue 9's walk in real Chromium: grades a teacher can trust.

A teacher overrides a step and the score and regrades (the decisions are kept); the student sees the teacher's
verdict and reason; a non-answer waits for review with no score shown; a failed grading is in the review queue and
uses no attempt; the student sees which attempt counts. Screenshots land in tests/artifacts/.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from grading import services as grading
from tests.browser.test_walk import log_in, log_out
from tests.factories import UserFactory
from tutor.classroom import services

pytestmark = pytest.mark.browser


@pytest.fixture
def world(settings):
    # No model server here: an assignment set to the AI verifier cannot be graded.
    settings.VERIFIER_OPTIONS = {**settings.VERIFIER_OPTIONS, "base_url": "", "model": "", "llm_backend": ""}
    teacher = UserFactory(username="rivera", first_name="Ms. Rivera", last_name="", can_create_classes=True)
    student = UserFactory(username="alice", first_name="Alice", last_name="")
    course = services.course_create(teacher=teacher, name="Algebra 1")
    services.course_join(student=student, join_code=course.join_code)
    assignment = services.assignment_create(
        actor=teacher,
        course=course,
        fields={"title": "Eggs", "verifier_backend": "symbolic", "max_attempts": 3},
        problems=[
            services.ProblemInput(
                title="Egg boxes",
                statement="A box holds 6 rows of 7 eggs. How many eggs are in the box?",
                reference_answer="42",
                reference_solution=("6 × 7 = 42", "The box holds 42 eggs."),
                points=Decimal(2),
            )
        ],
    )
    return {"teacher": teacher, "student": student, "course": course, "problem": assignment.problems.get()}


def submit_in_browser(page, problem, text: str) -> None:
    page.goto(f"/problems/{problem.pk}/")
    page.get_by_label("Write one step per line").fill(text)
    page.get_by_role("button", name="Submit attempt").click()
    page.locator("#feedback [data-status]").first.wait_for()
    page.wait_for_function(
        "() => ['graded','needs_review','failed'].includes(document.querySelector('#feedback [data-status]')"
        "?.getAttribute('data-status'))",
        timeout=30_000,
    )


def test_grades_a_teacher_can_trust(page, world, screenshot):
    problem = world["problem"]
    # A non-answer: waits for the teacher, with no score shown to the student
    log_in(page, "alice")
    submit_in_browser(page, problem, "I don't know how to do this one, sorry.")
    assert page.get_by_test_id("waiting").is_visible()
    summary = page.locator(".fb-summary").inner_text()
    assert "Waiting for your teacher" in summary
    assert "/ 2" not in summary
    screenshot(page, "student-non-answer-waits")

    # A wrong answer, then a right one: the best attempt counts, and the student is told so
    submit_in_browser(page, problem, "6 × 7 = 48\nThe box holds 48 eggs.")
    assert page.locator("li[data-first-error]").get_attribute("data-step-index") == "0"
    submit_in_browser(page, problem, "6 × 7 = 42\nThe box holds 42 eggs.")
    assert "2 / 2" in page.locator(".fb-summary").inner_text()
    assert "The best attempt counts" in page.get_by_test_id("counts").inner_text()
    page.goto(f"/problems/{problem.pk}/")
    assert "2 / 2" in page.get_by_test_id("counted").inner_text()
    assert page.locator("tr[data-counts]").count() == 1
    screenshot(page, "student-which-attempt-counts")
    log_out(page)

    # The teacher marks step 1 of the wrong attempt correct with a reason, sets the score, and regrades
    from grading.models import Submission

    wrong = Submission.objects.get(student=world["student"], attempt_number=2)
    log_in(page, "rivera")
    page.goto(f"/submissions/{wrong.pk}/")
    step = page.locator("li#step-1")
    step.get_by_label("Verdict for step 1").select_option("correct")
    step.get_by_label("Reason").fill("You wrote 48 but your working shows 42: a copying slip.")
    step.get_by_role("button", name="Override").click()
    page.get_by_text("Step 1 is now marked correct.").wait_for()
    page.get_by_label("Score (of 2)").fill("1.5")
    page.locator("form[action$='override-score/']").get_by_label("Reason").fill("Method right, answer copied wrong.")
    page.get_by_role("button", name="Set score").click()
    page.get_by_text("Score changed.").wait_for()
    page.get_by_role("button", name="Regrade").click()
    page.get_by_text("Regrading started. Your decisions are kept.").wait_for()
    page.wait_for_function(
        "() => document.querySelector('#feedback [data-status]')?.getAttribute('data-status') === 'graded'",
        timeout=30_000,
    )
    page.reload()
    decisions = page.get_by_test_id("decisions").inner_text()
    assert "Step 1: correct" in decisions
    assert "the checker says incorrect" in decisions
    assert "1.50 / 2" in page.locator(".fb-summary").inner_text()
    screenshot(page, "teacher-decisions-kept-after-regrade")

    # The non-answer is in the review queue
    page.goto("/review/")
    assert page.get_by_text("Nothing in this solution could be checked").is_visible()
    screenshot(page, "teacher-review-queue")
    log_out(page)

    # The student sees the teacher's verdict and reason, marked as the teacher's
    log_in(page, "alice")
    page.goto(f"/submissions/{wrong.pk}/")
    step = page.locator("li#step-1")
    assert "Your teacher: correct" in step.inner_text()
    assert "You wrote 48 but your working shows 42" in step.inner_text()
    assert "1.50 / 2" in page.locator(".fb-summary").inner_text()
    screenshot(page, "student-sees-teachers-verdict")
    page.set_viewport_size({"width": 390, "height": 844})
    screenshot(page, "student-sees-teachers-verdict-phone")
    page.set_viewport_size({"width": 1200, "height": 900})
    log_out(page)

    # A grading that fails (the assignment is set to an AI verifier that is not set up) reaches the teacher and
    # uses no attempt
    assignment = problem.assignment
    assignment.verifier_backend = "openai"
    assignment.max_attempts = 4
    assignment.save()
    log_in(page, "alice")
    submit_in_browser(page, problem, "6 × 7 = 42")
    assert "does not use up one of your attempts" in page.locator("#feedback").inner_text()
    page.goto(f"/problems/{problem.pk}/")
    assert page.get_by_test_id("attempts").inner_text().startswith("3 of 4")
    screenshot(page, "student-failed-grading-no-attempt-used")
    log_out(page)
    log_in(page, "rivera")
    page.goto("/review/")
    row = page.locator("tr[data-submission]", has_text="grading failed")
    assert "not set up on this server" in row.inner_text()
    assert row.get_by_role("button", name="Regrade").is_visible()
    screenshot(page, "teacher-review-queue-with-failed-grading")
    assert page.js_errors == []


@pytest.mark.django_db
def test_grading_service_agrees_with_the_walk(world):
    # The walk's numbers from the services, without a browser: best attempt 2, the decisions make attempt 2 1.5
    first = grading.submission_create(student=world["student"], problem=world["problem"], text="6 × 7 = 42\n42 eggs")
    grading.submission_grade(submission_id=first.pk, grading_version=1)
    first.refresh_from_db()
    assert first.score == Decimal("2.00")
