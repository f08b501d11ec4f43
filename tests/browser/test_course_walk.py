"""Issue 13's walk, in real Chromium, without the Django admin: a teacher imports a roster and a Moodle question bank
(preview, then confirm), edits the assignment and a problem, gives one student an extension; that student logs in
with the temporary password, submits, and asks for a regrade of a step; the teacher answers from the review queue;
the student reads the answer; the teacher exports the gradebook as CSV. Screenshots at desktop and phone width."""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from grading.models import RegradeRequest, StudentException, Submission
from tests.factories import UserFactory, grant_create_classes
from tutor.classroom import services
from tutor.classroom.models import Assignment

pytestmark = pytest.mark.browser
MOODLE = Path(__file__).resolve().parents[2] / "examples" / "moodle" / "questions.xml"
ROSTER = "username,name,email\nalice,Alice Moreau,alice@example.org\nbob,Bob Nakamura,\n"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1200, "height": 900}


def log_in(page, username: str, password: str = "pass12345") -> None:
    page.goto("/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("heading", level=1).wait_for()


def log_out(page) -> None:
    page.get_by_role("button", name="Log out").click()
    page.get_by_role("heading", name="Log in").wait_for()


# The innermost elements that stick out past the screen's right edge (outside any scrolling box), for the message.
WIDER_THAN_THE_SCREEN = """(width) => [...document.querySelectorAll('body *')]
  .filter(e => e.getBoundingClientRect().right > width + 1 && !e.closest('.table-scroll, .fb-scroll'))
  .filter(e => ![...e.children].some(c => c.getBoundingClientRect().right > width + 1))
  .slice(0, 5).map(e => e.tagName + '.' + e.className + ': ' + (e.textContent || '').trim().slice(0, 40))"""


def on_phone(page, screenshot, name: str) -> None:
    page.set_viewport_size(PHONE)
    screenshot(page, f"{name}-phone")
    wide = page.evaluate(WIDER_THAN_THE_SCREEN, PHONE["width"])
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], f"{name} scrolls sideways: {wide}"
    page.set_viewport_size(DESKTOP)


def test_a_teacher_runs_an_assignment_from_import_to_export(page, screenshot, tmp_path):
    teacher = grant_create_classes(UserFactory(username="teacher", first_name="Ms. Rivera", last_name=""))
    course = services.course_create(teacher=teacher, name="Algebra 1")
    roster = tmp_path / "roster.csv"
    roster.write_text(ROSTER)

    # --- The teacher imports the roster: a preview, then the accounts with their temporary passwords
    log_in(page, "teacher")
    page.get_by_role("link", name="Algebra 1").click()
    page.get_by_role("link", name="Import students from a CSV file").click()
    page.get_by_label("Roster file").set_input_files(str(roster))
    page.get_by_role("button", name="Check the file").click()
    page.get_by_test_id("roster-preview").wait_for()
    assert page.get_by_role("row", name=re.compile("alice")).get_by_text("New account").is_visible()
    screenshot(page, "roster-preview")
    page.get_by_role("button", name="Add 2 students").click()
    result = page.get_by_test_id("roster-result")
    result.wait_for()
    alice_password = result.get_by_role("row", name=re.compile("alice")).locator("code.password").inner_text()
    bob_password = result.get_by_role("row", name=re.compile("bob")).locator("code.password").inner_text()
    assert re.fullmatch(r"[A-Z2-9]{4}-[A-Z2-9]{4}", alice_password)
    screenshot(page, "roster-passwords")

    # --- It imports a Moodle question bank: it sees what is imported and what is skipped, then confirms
    page.get_by_role("link", name="Back to the class").click()
    page.get_by_role("link", name="Import a question bank export (Moodle XML)").click()
    page.get_by_label("Moodle XML file").set_input_files(str(MOODLE))
    page.get_by_role("button", name="Show what will be imported").click()
    preview = page.get_by_test_id("moodle-preview")
    preview.wait_for()
    assert preview.get_by_text("image bike.png left out").is_visible()
    assert (
        "Pick the prime (question 5 in the file, multichoice): multiple choice"
        in preview.get_by_test_id("skipped").inner_text()
    )
    assert not Assignment.objects.filter(course=course).exists()
    screenshot(page, "moodle-preview")
    on_phone(page, screenshot, "moodle-preview")
    page.get_by_role("button", name="Import 3 problems").click()
    page.get_by_role("heading", name="Week 5: Rates and equations").wait_for()
    assignment = Assignment.objects.get(course=course)
    screenshot(page, "assignment-imported")

    # --- Edits: the real step checker, due yesterday with no late work; a problem's statement; the order
    page.get_by_role("link", name="Edit settings").click()
    page.get_by_label("How steps are checked").select_option("symbolic")
    yesterday = timezone.localtime(timezone.now() - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    page.get_by_label("Due at").fill(yesterday)
    page.get_by_label("Late policy").select_option("refuse")
    screenshot(page, "assignment-edit")
    page.get_by_role("button", name="Save changes").click()
    page.get_by_text("Assignment saved.").wait_for()
    page.locator("article.problem-summary", has_text="1. Cycling speed").get_by_role("link", name="Edit").click()
    statement = page.get_by_label("Statement")
    statement.fill(statement.input_value() + "\n\n(Round to a whole number.)")
    page.get_by_role("button", name="Save problem").click()
    page.get_by_text("Problem 1 saved.").wait_for()
    page.get_by_role("button", name="Move 3. Explain a discount up").click()
    page.get_by_role("heading", name="2. Explain a discount").wait_for()

    # --- One student's extension, from the assignment page
    # (the form is open while nobody has an exception)
    page.get_by_label("Student", exact=True).select_option(label="Alice Moreau (alice)")
    in_three_days = timezone.localtime(timezone.now() + timedelta(days=3)).strftime("%Y-%m-%dT%H:%M")
    page.get_by_label("Extension: this student's due date").fill(in_three_days)
    page.get_by_label("Note (optional)").fill("Back from a field trip")
    page.get_by_role("button", name="Save the exception").click()
    page.get_by_text("Saved the exception for Alice Moreau.").wait_for()
    assert StudentException.objects.get().student.username == "alice"
    page.locator("#exceptions").scroll_into_view_if_needed()
    screenshot(page, "assignment-staff")
    on_phone(page, screenshot, "assignment-staff")
    log_out(page)

    # --- Bob's deadline has passed; Alice's has not
    log_in(page, "bob", bob_password)
    page.get_by_role("link", name="Week 5: Rates and equations").first.click()
    page.get_by_role("link", name="1. Cycling speed").click()
    assert page.get_by_text("late work is not accepted").is_visible()
    log_out(page)
    log_in(page, "alice", alice_password)
    assert page.get_by_role("link", name=re.compile("Notifications")).get_by_text("1").is_visible()
    page.get_by_role("link", name="Week 5: Rates and equations").first.click()
    assert page.get_by_test_id("my-exception").is_visible()
    screenshot(page, "student-assignment-with-extension")
    page.get_by_role("link", name="1. Cycling speed").click()
    assert page.get_by_text("(your extension)").is_visible()
    page.get_by_label("Write one step per line").fill("Speed = distance ÷ time\n36 ÷ 1.5 = 25\nShe rides at 25 km/h")
    page.get_by_role("button", name=re.compile(r"^Submit attempt 1 of 3")).click()
    page.wait_for_url(re.compile(r"/submissions/\d+/$"))
    page.locator("#feedback [data-status='graded']").wait_for()
    submission = Submission.objects.get(student__username="alice")
    assert (submission.is_late, submission.first_error_index) == (False, 1)
    screenshot(page, "student-feedback")

    # --- She asks for a regrade of step 2 (the step marked wrong is chosen already)
    page.get_by_text("Think the grade is wrong? Ask your teacher to look again").click()
    assert page.get_by_label("What should your teacher look at again?").input_value() == "1"
    page.get_by_label("Why do you think it should change?").fill(
        "I typed 25 by mistake. On my paper it is 36 ÷ 1.5 = 24. Can I get the points for my method?"
    )
    page.get_by_role("button", name="Send the request").click()
    page.get_by_text("Your regrade request is sent.").wait_for()
    screenshot(page, "student-regrade-requested")
    on_phone(page, screenshot, "student-regrade-requested")
    log_out(page)

    # --- The teacher answers from the review queue
    log_in(page, "teacher")
    page.get_by_role("link", name=re.compile("^Review queue")).click()
    request_card = page.locator("article.regrade-request")
    request_card.get_by_text("I typed 25 by mistake.").wait_for()
    assert request_card.get_by_text("36 ÷ 1.5 = 25").is_visible()
    screenshot(page, "review-queue-request")
    on_phone(page, screenshot, "review-queue-request")
    request_card.get_by_label("Accept: change the grade").check()
    request_card.get_by_label("New score (of 2)").fill("1")
    request_card.get_by_label("Reply to the student").fill(
        "Your method is right, so you get 1 of the 2 points. Check the division next time."
    )
    request_card.get_by_role("button", name="Send the answer").click()
    page.get_by_text("Answered Alice Moreau's regrade request (accepted).").wait_for()
    answered = RegradeRequest.objects.get()
    assert (answered.status, answered.answered_by.username) == ("accepted", "teacher")
    assert Submission.objects.get(pk=submission.pk).score == 1
    log_out(page)

    # --- Alice reads the answer
    log_in(page, "alice", alice_password)
    page.get_by_role("link", name=re.compile("Notifications")).click()
    page.get_by_role("link", name=re.compile("accepted your regrade request")).click()
    page.locator("#regrade").get_by_text("Your method is right, so you get 1 of the 2 points.").wait_for()
    assert page.locator("[data-score]").first.get_attribute("data-score") == "1.00"
    screenshot(page, "student-reads-answer")
    on_phone(page, screenshot, "student-reads-answer")
    log_out(page)

    # --- The teacher exports the gradebook
    log_in(page, "teacher")
    page.get_by_role("link", name="Algebra 1").first.click()
    page.get_by_role("link", name="Gradebook", exact=True).click()
    page.get_by_test_id("class-gradebook").wait_for()
    screenshot(page, "class-gradebook")
    on_phone(page, screenshot, "class-gradebook")
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download gradebook (.csv)").click()
    download = download_info.value
    assert download.suggested_filename == "algebra-1-gradebook.csv"
    text = Path(download.path()).read_text(encoding="utf-8-sig")
    rows = {row["username"]: row for row in csv.DictReader(io.StringIO(text))}
    column = f"Week 5: Rates and equations [{assignment.pk}]"
    assert (rows["alice"][column], rows["alice"]["total"], rows["alice"]["possible"]) == ("1.00", "1.00", "7.00")
    assert rows["bob"][column] == ""
    assert page.js_errors == []
