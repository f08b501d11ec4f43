"""The feedback page in real Chromium, graded by a real worker over Redis: progress, then the first error.

Needs Chromium, Redis (TEST_REDIS_URL) and PostgreSQL, as the integration tests do; skips without them off CI.
"""

from __future__ import annotations

import re

import pytest

from tests.factories import EnrollmentFactory, ProblemFactory, UserFactory
from tests.integration import harness
from tutor.classroom.models import Enrollment

pytestmark = [pytest.mark.browser, pytest.mark.integration]

# Fixtures shared with the integration tests: a real Redis and real worker processes.
redis_broker = harness.redis_broker
celery_workers = harness.celery_workers

STATEMENT = "A phone plan costs a fixed fee plus a price per gigabyte. Solve $3x + 5 = 20$ for $x$."
# The fake backend flags steps containing WRONG; SLOW holds the verification for a moment so progress shows.
SOLUTION = "$3x + 5 = 20$\n$3x = 20 + 5$ WRONG\n$3x = 25$\n$x = \\frac{25}{3}$ SLOW"


@pytest.fixture
def problem(transactional_db):
    problem = ProblemFactory(
        statement=STATEMENT,
        reference_answer="5",
        points=4,
        title="Linear equation",
        assignment__title="Week 2: Equations",
        assignment__verifier_backend="fake",
        assignment__reveal_corrections=False,
    )
    student = UserFactory(username="ada", first_name="Ada", last_name="")
    EnrollmentFactory(course=problem.assignment.course, user=student, role=Enrollment.Role.STUDENT)
    return problem


def log_in(page, username: str) -> None:
    page.goto("/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill("pass12345")
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("heading", level=1).wait_for()


def test_student_sees_progress_then_the_highlighted_first_error(page, problem, celery_workers, screenshot):
    # Given a worker whose verifier takes a few seconds, and a student on the problem page
    celery_workers("browser", slow_seconds=3)
    log_in(page, "ada")
    page.goto(f"/problems/{problem.pk}/")
    # When the student submits a solution with a deliberate error in step 2
    page.get_by_label("Write one step per line").fill(SOLUTION)
    page.get_by_role("button", name=re.compile(r"^Submit attempt")).click()
    page.wait_for_url(re.compile(r"/submissions/\d+/$"))
    # Then a progress indicator names the stage while the worker checks the steps
    page.locator('[data-status="verifying"]').wait_for(timeout=20_000)
    progress = page.locator(".fb-progress")
    assert "Grading: Checking steps" in progress.inner_text()
    assert "Steps checked: 0 of 4" in progress.inner_text()
    screenshot(page, "progress")
    # And, without a reload, the graded steps replace it (htmx polling, stopped by HTTP 286)
    page.locator('[data-status="graded"]').wait_for(timeout=30_000)
    first_error = page.locator("li[data-first-error]")
    assert first_error.get_attribute("data-step-index") == "1"
    assert first_error.get_attribute("data-verdict") == "incorrect"
    assert "First error" in first_error.inner_text()
    assert "Check this step again." in first_error.locator(".fb-explanation").inner_text()  # the hint
    # the red accent is not colour-only: an icon and the words
    assert first_error.locator(".fb-icon").inner_text().strip() == "✗"
    steps = page.locator("ol.fb-steps > li")
    assert steps.count() == 4
    assert "Checked: correct" in steps.nth(0).inner_text()
    # Confidence is for teachers (a "99% confident" beside a correct step reads as doubt to a student)
    assert "% confident" not in steps.nth(0).inner_text()
    # focus moved to the first error for screen-reader and keyboard users
    assert page.evaluate("document.activeElement && document.activeElement.hasAttribute('data-first-error')")
    # score and final answer are shown, and the math went through KaTeX
    summary = page.locator(".fb-summary").inner_text()
    assert "Incorrect" in summary
    assert "1 / 4" in summary
    assert page.locator("ol.fb-steps .katex").count() == 4
    screenshot(page, "graded-first-error")
    assert page.js_errors == []


def test_without_javascript_a_refresh_shows_the_state(browser, live_server, problem, celery_workers, screenshot):
    # Given a browser with JavaScript off, and a running worker
    celery_workers("nojs", slow_seconds=2)
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False)
    page = context.new_page()
    try:
        log_in(page, "ada")
        page.goto(f"/problems/{problem.pk}/")
        page.get_by_label("Write one step per line").fill(SOLUTION)
        # When the plain form is submitted
        page.get_by_role("button", name=re.compile(r"^Submit attempt")).click()
        page.wait_for_url(re.compile(r"/submissions/\d+/$"))
        status = page.locator("[data-status]").get_attribute("data-status")
        assert status in {"queued", "segmenting", "verifying"}
        assert "reload it to see the progress" in page.content()
        # Then the page refreshes itself (meta refresh in <noscript>) until the result is shown
        page.locator('[data-status="graded"]').wait_for(timeout=30_000)
        assert page.locator("li[data-first-error]").get_attribute("data-step-index") == "1"
        screenshot(page, "no-js-graded")
    finally:
        context.close()


def test_teacher_sees_details_and_overrides_a_step(page, problem, screenshot):
    # Given a graded submission (graded in-process: this test needs no broker)
    from grading import services
    from grading.models import Submission

    student = problem.assignment.course.enrollments.get(role="student").user
    teacher = UserFactory(username="rivera", first_name="Ms. Rivera", last_name="")
    EnrollmentFactory(course=problem.assignment.course, user=teacher, role=Enrollment.Role.TEACHER)
    submission = Submission.objects.create(
        problem=problem, student=student, attempt_number=1, text=SOLUTION.replace(" SLOW", ""), backend="fake"
    )
    services.submission_grade(submission_id=submission.pk, grading_version=1)
    # When the teacher opens it
    log_in(page, "rivera")
    page.goto(f"/submissions/{submission.pk}/")
    first_error = page.locator("li[data-first-error]")
    # Then they see the full explanation, the checker and the run, with an override form per step
    assert "The fake verifier marks steps containing WRONG as incorrect." in first_error.inner_text()
    assert "Checker: fake" in first_error.inner_text()
    assert page.get_by_text("Latest verification run: fake").is_visible()
    screenshot(page, "teacher-view")
    # When the teacher marks step 2 correct, with a reason
    first_error.get_by_label("Verdict for step 2").select_option("correct")
    first_error.get_by_label("Reason").fill("Moving 5 across is fine here")
    first_error.get_by_role("button", name="Override").click()
    # Then the grade follows, and the override is on record; with the final answer still marked incorrect the
    # score stays below full marks (it used to read 4 / 4 beside "Final answer: Incorrect")
    page.get_by_text("Step 2 is now marked correct.").wait_for()
    assert page.locator("li[data-first-error]").count() == 0
    summary = page.locator(".fb-summary").inner_text()
    assert "Incorrect" in summary
    assert "4 / 4" not in summary
    assert page.locator(".fb-teacher-note", has_text="Moving 5 across is fine here").is_visible()
    screenshot(page, "teacher-after-override")


def test_teacher_review_queue_and_gradebook(page, problem, screenshot):
    # Given one confident grade and one the verifier was unsure about
    from grading import services
    from grading.models import Submission

    assignment = problem.assignment
    assignment.review_threshold = 0.8
    assignment.save()
    student = assignment.course.enrollments.get(role="student").user
    teacher = UserFactory(username="rivera", first_name="Ms. Rivera", last_name="")
    EnrollmentFactory(course=assignment.course, user=teacher, role=Enrollment.Role.TEACHER)
    for attempt, text in ((1, "$3x = 15$\n$x = 5$"), (2, "$3x = 15$\n$x = 6$ UNSURE")):
        submission = Submission.objects.create(
            problem=problem, student=student, attempt_number=attempt, text=text, backend="fake"
        )
        services.submission_grade(submission_id=submission.pk, grading_version=1)
    # When the teacher opens the review queue
    log_in(page, "rivera")
    page.goto("/review/")
    rows = page.locator("tr[data-submission]")
    # Then only the unsure attempt is there, with the reason
    assert rows.count() == 1
    assert "below the review threshold" in rows.first.inner_text()
    screenshot(page, "review-queue")
    # And the gradebook shows the best score per student and problem
    page.goto(f"/assignments/{assignment.pk}/gradebook/")
    row = page.get_by_role("row", name=re.compile("Ada"))
    assert "4" in row.locator("td").first.inner_text()
    assert "2 attempts" in row.inner_text()
    screenshot(page, "gradebook")
