"""The walk from the issue, in real Chromium: a teacher uploads the example problem set; a student joins with
the code, opens a problem, sees the live step preview and submits; the teacher sees the submission."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from grading.models import Submission
from tests.factories import UserFactory
from tutor.classroom import services

pytestmark = pytest.mark.browser
EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "problem_set.md"
SOLUTION = "4 packs × 12 stickers = 48 stickers\n48 − 15 = 33\n33 ÷ 3 = 11"


def log_in(page, username: str) -> None:
    page.goto("/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill("pass12345")
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("heading", level=1).wait_for()


def log_out(page) -> None:
    page.get_by_role("button", name="Log out").click()
    page.get_by_role("heading", name="Log in").wait_for()


def test_teacher_uploads_student_submits_teacher_sees_it(page, screenshot):
    # Given a teacher with an empty class and a student who is in no class yet
    teacher = UserFactory(username="teacher", first_name="Ms. Rivera", last_name="", can_create_classes=True)
    UserFactory(username="alice", first_name="Alice", last_name="")
    course = services.course_create(teacher=teacher, name="Algebra 1")

    # When the teacher logs in and uploads the example problem set on the class page
    log_in(page, "teacher")
    screenshot(page, "teacher-home")
    page.get_by_role("link", name="Algebra 1").click()
    assert page.get_by_text("No assignments yet.").is_visible()
    page.get_by_label("Problem set file (.md or .json)").set_input_files(str(EXAMPLE))
    screenshot(page, "teacher-class-before-upload")
    page.get_by_role("button", name="Upload and create assignment").click()

    # Then the assignment page shows the imported assignment and its three problems
    page.get_by_role("heading", name="Week 4: Equations, fractions and percents").wait_for()
    assert page.get_by_text("with 3 problems").is_visible()
    assert page.locator(".problem-summary").count() == 3
    screenshot(page, "teacher-assignment-imported")
    page.get_by_role("link", name="Algebra 1").first.click()
    code = page.get_by_test_id("join-code").inner_text().strip()
    assert code == course.join_code
    log_out(page)

    # When the student logs in and joins with the code
    log_in(page, "alice")
    assert page.get_by_text("You haven't joined a class yet.").is_visible()
    page.get_by_label("Join a class with the code from your teacher").fill(code.lower())
    screenshot(page, "student-home-joining")
    page.get_by_role("button", name="Join class").click()
    page.get_by_text("You joined Algebra 1.").wait_for()
    screenshot(page, "student-class")

    # and opens the first problem and types a solution
    page.get_by_role("link", name="1. Stickers for the school fair").click()
    page.get_by_role("heading", name="Problem 1: Stickers for the school fair").wait_for()
    assert page.get_by_text("0 of 3 used").is_visible()
    page.get_by_label("Write one step per line").press_sequentially(SOLUTION, delay=15)

    # Then the live preview shows the solution split into numbered steps, without a page load
    steps = page.locator("#step-preview ol.steps > li")
    steps.nth(2).wait_for()
    assert steps.all_inner_texts() == ["4 packs × 12 stickers = 48 stickers", "48 − 15 = 33", "33 ÷ 3 = 11"]
    screenshot(page, "student-live-preview")

    # When the student submits
    page.get_by_role("button", name=re.compile(r"^Submit attempt 1 of 3")).click()
    page.wait_for_url(re.compile(r"/submissions/\d+/$"))
    submission = Submission.objects.get(student__username="alice")
    assert page.url.endswith(f"/submissions/{submission.pk}/")
    screenshot(page, "student-submission")
    page.get_by_role("link", name="Stepwise Tutor").click()
    assert page.get_by_role("heading", name="Your assignments").is_visible()
    screenshot(page, "student-home-with-status")
    log_out(page)

    # Then the teacher sees the submission in the assignment's table, linked to it
    log_in(page, "teacher")
    page.get_by_role("link", name="Algebra 1").first.click()
    page.get_by_role("link", name="Week 4: Equations, fractions and percents").click()
    row = page.get_by_role("row", name=re.compile("Alice"))
    link = row.locator(f'a[href="/submissions/{submission.pk}/"]')
    link.wait_for()
    submission.refresh_from_db()
    assert link.inner_text() == submission.get_status_display()
    screenshot(page, "teacher-sees-submission")
    assert page.js_errors == []


def test_broken_problem_set_lists_every_error_and_imports_nothing(page, screenshot, tmp_path):
    # Given a teacher and a copy of the example with a missing answer and a bad points value
    teacher = UserFactory(username="teacher", first_name="Ms. Rivera", last_name="", can_create_classes=True)
    services.course_create(teacher=teacher, name="Algebra 1")
    broken = tmp_path / "week4.md"
    text = EXAMPLE.read_text().replace("### Answer\n54\n", "").replace("Points: 2\n\nSolve", "Points: two\n\nSolve")
    broken.write_text(text)
    # When they upload it
    log_in(page, "teacher")
    page.get_by_role("link", name="Algebra 1").click()
    page.get_by_label("Problem set file (.md or .json)").set_input_files(str(broken))
    page.get_by_role("button", name="Upload and create assignment").click()
    # Then the page names each problem and field, and the class still has no assignment
    alert = page.get_by_role("alert")
    alert.wait_for()
    assert "Nothing was imported" in alert.inner_text()
    items = page.locator(".import-errors li").all_inner_texts()
    assert items == [
        "Problem 2 (line 30), field 'points': 'two' is not a number.",
        "Problem 3 (line 45), field 'answer': the reference answer is missing (add a '### Answer' section).",
    ]
    screenshot(page, "upload-errors")
    page.get_by_role("link", name="How to write one").click()
    page.get_by_role("heading", name="Writing a problem set").wait_for()
    screenshot(page, "format-help")
    page.go_back()
    page.get_by_role("link", name="Back to the class").click()
    assert page.get_by_text("No assignments yet.").is_visible()
    assert page.js_errors == []


def test_teacher_creates_an_assignment_by_form_and_removes_a_student(page, screenshot):
    teacher = UserFactory(username="teacher", first_name="Ms. Rivera", last_name="", can_create_classes=True)
    student = UserFactory(username="bob", first_name="Bob", last_name="")
    course = services.course_create(teacher=teacher, name="Algebra 1")
    services.course_join(student=student, join_code=course.join_code)
    log_in(page, "teacher")
    page.get_by_role("link", name="Algebra 1").click()
    page.get_by_role("link", name="New assignment").click()
    page.get_by_label("Title", exact=True).fill("Quiz 1")
    page.get_by_label("Due at").fill("2027-05-01T09:00")
    screenshot(page, "assignment-form")
    page.get_by_role("button", name="Create assignment", exact=True).click()
    page.get_by_role("heading", name="Quiz 1").wait_for()
    page.get_by_text("Add a problem").click()
    page.get_by_label("Statement").fill("Solve $2x = 10$.")
    page.get_by_label("Reference answer").fill("5")
    page.get_by_role("button", name="Add problem").click()
    page.get_by_text("Added problem 1.").wait_for()
    screenshot(page, "assignment-with-problem")
    # When the teacher removes Bob (confirming the dialog)
    page.get_by_role("link", name="Algebra 1").first.click()
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("row", name=re.compile("bob")).get_by_role("button", name="Remove").click()
    page.get_by_text("Removed bob from the class.").wait_for()
    screenshot(page, "roster-after-removal")
    assert page.get_by_text("No students yet.").is_visible()
    assert page.js_errors == []


def test_without_javascript_the_preview_button_and_submit_still_work(
    browser, live_server, transactional_db, screenshot
):
    # Given a student in a class with one problem, and a browser with JavaScript off
    teacher = UserFactory(username="teacher", can_create_classes=True)
    student = UserFactory(username="alice", first_name="Alice", last_name="")
    course = services.course_create(teacher=teacher, name="Algebra 1")
    services.course_join(student=student, join_code=course.join_code)
    problem = services.assignment_create(
        actor=teacher,
        course=course,
        fields={"title": "HW"},
        problems=[services.ProblemInput(statement="Solve $3x + 5 = 20$.", reference_answer="5")],
    ).problems.get()
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False)
    page = context.new_page()
    try:
        log_in(page, "alice")
        page.goto(f"/problems/{problem.pk}/")
        # When they type and press "Preview steps"
        page.get_by_label("Write one step per line").fill("3x + 5 = 20\n3x = 15\nx = 5")
        page.get_by_role("button", name="Preview steps").click()
        # Then the page comes back with the numbered steps and their text kept
        page.locator("#step-preview ol.steps > li").nth(2).wait_for()
        assert page.get_by_label("Write one step per line").input_value() == "3x + 5 = 20\n3x = 15\nx = 5"
        screenshot(page, "no-js-preview")
        # and submitting lands on the submission page
        page.get_by_role("button", name=re.compile("^Submit attempt 1")).click()
        page.wait_for_url(re.compile(r"/submissions/\d+/$"))
        assert Submission.objects.filter(student=student, problem=problem).count() == 1
    finally:
        context.close()


def test_live_preview_renders_latex_in_steps(page, screenshot):
    teacher = UserFactory(username="teacher", can_create_classes=True)
    student = UserFactory(username="alice", first_name="Alice", last_name="")
    course = services.course_create(teacher=teacher, name="Algebra 1")
    services.course_join(student=student, join_code=course.join_code)
    problem = services.assignment_create(
        actor=teacher,
        course=course,
        fields={"title": "HW"},
        problems=[services.ProblemInput(statement="Solve $7x - 4 = 3x + 18$.", reference_answer="11/2")],
    ).problems.get()
    log_in(page, "alice")
    page.goto(f"/problems/{problem.pk}/")
    # the statement's LaTeX is typeset on load
    assert page.locator(".statement .katex").count() == 1
    # (pasted in one go: the preview follows `input` events, not only key presses)
    page.get_by_label("Write one step per line").fill("$4x = 22$\n$x = \\frac{11}{2}$")
    page.locator("#step-preview ol.steps > li").nth(1).wait_for()
    # and the steps' LaTeX is typeset after each htmx swap
    page.locator("#step-preview .katex").nth(1).wait_for()
    screenshot(page, "latex-preview")
    assert page.js_errors == []
