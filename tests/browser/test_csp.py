"""The Content-Security-Policy in real Chromium: the header is strict (scripts only from this site, no inline
script, nothing may frame the site), the pages still work under it (math, the live preview, polling, focus, the
confirm dialog), and the browser reports no violation. (Every other browser test checks the last point too: the
`page` fixture fails a test on any violation.) A control proves a violation would be caught."""

from __future__ import annotations

import re

import pytest

from grading import services as grading_services
from tests.factories import EnrollmentFactory, ProblemFactory, SubmissionFactory, UserFactory
from tutor.classroom.models import Enrollment

pytestmark = pytest.mark.browser


@pytest.fixture
def classroom(transactional_db):
    problem = ProblemFactory(
        statement="Solve $3x + 5 = 20$ for $x$.", reference_answer="5", assignment__verifier_backend="fake"
    )
    course = problem.assignment.course
    teacher = UserFactory(username="ms-rivera", can_create_classes=True)
    student = UserFactory(username="ada")
    EnrollmentFactory(course=course, user=teacher, role=Enrollment.Role.TEACHER)
    EnrollmentFactory(course=course, user=student, role=Enrollment.Role.STUDENT)
    EnrollmentFactory(course=course, user=UserFactory(username="bob"), role=Enrollment.Role.STUDENT)
    return problem


def log_in(page, username: str) -> None:
    page.goto("/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill("pass12345")
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("heading", level=1).wait_for()


def test_the_policy_header_is_strict(page, classroom):
    response = page.goto("/login/")
    policy = response.headers["content-security-policy"]
    directives = dict(part.strip().split(" ", 1) for part in policy.split(";") if part.strip())
    assert directives["script-src"] == "'self'"
    assert directives["style-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'"
    assert directives["object-src"] == "'none'"
    assert "unsafe-inline" not in policy
    assert "unsafe-eval" not in policy


def test_a_student_works_through_a_problem_with_no_violation(page, classroom, screenshot):
    # Given a student on the problem page
    problem = classroom
    log_in(page, "ada")
    page.goto(f"/problems/{problem.pk}/")
    # Then the statement's math went through KaTeX
    page.locator(".statement .katex").first.wait_for()
    # When they type, the live preview (htmx) splits the steps
    page.get_by_label("Write one step per line").fill("$3x + 5 = 20$\n$3x = 15$\n$x = 5$")
    page.locator("#step-preview ol.steps li").nth(2).wait_for()
    assert page.locator("#step-preview .katex").count() == 3
    # And a submission waiting for a worker is polled until it is graded, then focus moves to the result
    waiting = SubmissionFactory(
        problem=problem,
        student=Enrollment.objects.get(user__username="ada").user,
        text="3x = 15\nx = 6 WRONG",
        backend="fake",
    )
    page.goto(f"/submissions/{waiting.pk}/")
    page.locator('[data-status="queued"]').wait_for()
    page.wait_for_timeout(1200)  # a few polls answered 304
    grading_services.submission_grade(submission_id=waiting.pk, grading_version=1)
    page.locator('[data-status="graded"]').wait_for(timeout=15_000)
    page.wait_for_function("document.activeElement && document.activeElement.hasAttribute('data-first-error')")
    screenshot(page, "graded-under-csp")
    assert page.js_errors == []
    assert page.csp_violations == []


def test_a_teacher_removes_a_student_through_the_confirm_dialog_with_no_violation(page, classroom):
    # Given the teacher on the class page
    log_in(page, "ms-rivera")
    page.goto(f"/classes/{classroom.assignment.course_id}/")
    questions: list[str] = []

    def answer(dialog):
        questions.append(dialog.message)
        dialog.dismiss() if len(questions) == 1 else dialog.accept()

    page.on("dialog", answer)
    bob_row = page.locator("tr", has_text="bob")
    # When they press Remove and cancel, nothing happens; when they confirm, bob is removed
    bob_row.get_by_role("button", name="Remove").click()
    page.wait_for_timeout(300)
    assert page.locator("tr", has_text="bob").count() == 1
    bob_row.get_by_role("button", name="Remove").click()
    page.get_by_text("Removed bob from the class.").wait_for()
    assert re.match(r"Remove bob from .+\? Their past work is kept\.", questions[0])
    assert page.csp_violations == []


def test_an_inline_script_would_be_blocked_and_reported(page, classroom):
    # The control: the listener does see violations, and the policy does block inline code
    page.goto("/login/")
    page.evaluate(
        "() => { const s = document.createElement('script'); s.textContent = 'window.ran = 1'; document.body.append(s); }"
    )
    page.wait_for_timeout(300)
    assert page.evaluate("window.ran") is None
    assert any("script-src" in v for v in page.csp_violations), page.csp_violations
    page.csp_violations.clear()  # expected here; the fixture checks the rest
