"""The tutoring walk in real Chromium, by keyboard: a student submits a wrong solution, asks for two hints (each
announced by the panel's live region), fixes the solution from the first error with the kept step locked, and
gets it right; the teacher sees that path. axe-core (npm, read from node_modules: never a CDN) runs on the
problem, feedback, hint and fix pages with no serious or critical violations. Screenshots at desktop width and
at 390 px."""

from __future__ import annotations

import json
import re
from decimal import Decimal
from pathlib import Path

import pytest

from grading.models import Hint, Submission
from tests.factories import UserFactory
from tutor.classroom import services
from tutor.classroom.models import Enrollment
from verifier_worker.checkers import analysis

from .conftest import ARTIFACTS

pytestmark = pytest.mark.browser

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
STATEMENT = (
    "A class of 27 students and 3 teachers goes on a trip. A bus ticket costs \\$4 for a student and \\$6 for a "
    "teacher. How many dollars do the tickets cost in total?"
)
WRONG = "27 × 4 = 108\n3 × 4 = 12\n108 + 12 = 120"
FIXED_REST = "3 × 6 = 18\n108 + 18 = 126"
SERIOUS = ("serious", "critical")
# Elements that stick out of the viewport and are not inside a scrolling box (what makes a page scroll sideways).
WIDE = """() => [...document.querySelectorAll('body *')].filter(e => {
  if (e.getBoundingClientRect().right <= window.innerWidth + 1) return false;
  for (let p = e.parentElement; p; p = p.parentElement) {
    if (['auto', 'scroll', 'hidden'].includes(getComputedStyle(p).overflowX)) return false;
  }
  return true;
}).map(e => e.tagName + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right))"""


def axe(page, name: str) -> list[dict]:
    """Run axe-core on the page; return its serious and critical violations (all are saved for reading)."""
    if not AXE.exists():
        pytest.fail(f"axe-core is not installed at {AXE}: run `make assets` (npm ci)")
    # Evaluated through the DevTools protocol, so a Content-Security-Policy without inline scripts does not block it.
    page.evaluate("() => {\n" + AXE.read_text() + "\n}")
    result = page.evaluate("() => axe.run(document, {resultTypes: ['violations']})")
    violations = result["violations"]
    folder = ARTIFACTS / "axe"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{name}.json").write_text(
        json.dumps(
            [{"id": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in v["nodes"]]} for v in violations],
            indent=1,
        )
    )
    return [v for v in violations if v["impact"] in SERIOUS]


def log_in(page, username: str) -> None:
    page.goto("/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill("pass12345")
    page.get_by_label("Password").press("Enter")
    page.get_by_role("heading", level=1).wait_for()


def press_on(locator) -> None:
    """Activate by keyboard: focus the control, then Enter."""
    locator.focus()
    locator.press("Enter")


def test_wrong_to_right_with_two_hints_and_one_fix_by_keyboard(page, screenshot):
    analysis.MEMO.clear()  # a cold worker: step 1 is reused only because Jun submitted it before
    # Given a class, its teacher, and a problem checked by the symbolic checker
    teacher = UserFactory(username="teacher", first_name="Ms. Rivera", last_name="", can_create_classes=True)
    jun = UserFactory(username="jun", first_name="Jun", last_name="")
    course = services.course_create(teacher=teacher, name="Algebra 1")
    Enrollment.objects.create(course=course, user=jun, role=Enrollment.Role.STUDENT)
    assignment = services.assignment_create(
        actor=teacher,
        course=course,
        fields={"title": "Trips", "verifier_backend": "symbolic", "max_attempts": 3},
        problems=(
            services.ProblemInput(
                title="Bus tickets",
                statement=STATEMENT,
                reference_answer="126",
                reference_solution=("27 × 4 = 108", "3 × 6 = 18", "108 + 18 = 126"),
                points=Decimal(2),
            ),
        ),
    )
    problem = assignment.problems.get()
    violations: dict[str, list[dict]] = {}

    # When Jun opens the problem and types a solution, by keyboard only
    log_in(page, "jun")
    page.goto(f"/problems/{problem.pk}/")
    page.get_by_role("heading", name="Problem 1: Bus tickets").wait_for()
    violations["problem"] = axe(page, "problem")
    box = page.get_by_label("Write one step per line")
    box.focus()
    page.keyboard.type(WRONG, delay=5)
    page.locator("#step-preview ol.steps > li").nth(2).wait_for()
    screenshot(page, "problem-typed")
    press_on(page.get_by_role("button", name=re.compile(r"^Submit attempt 1 of 3")))
    page.wait_for_url(re.compile(r"/submissions/\d+/$"))
    first = Submission.objects.get(student=jun)

    # Then the feedback page points at step 2, and offers a hint and a fix from step 2
    page.locator("#step-2[data-first-error]").wait_for()
    assert page.get_by_test_id("get-hint").is_visible()
    assert page.get_by_test_id("fix-from-here").first.inner_text() == "Fix from step 2"
    violations["feedback"] = axe(page, "feedback")
    screenshot(page, "feedback-attempt-1")

    # When Jun asks for a hint by keyboard
    press_on(page.get_by_test_id("get-hint"))
    live = page.locator("#hint-live")
    live.locator(".hint").first.wait_for()
    # Then it appears in the live region (announced), names step 2, and focus is on the button for the next one
    assert live.get_attribute("aria-live") == "polite"
    first_hint = live.locator(".hint-text").first.inner_text()
    assert first_hint == "Check which amount step 2 works out."
    page.wait_for_function("document.activeElement && document.activeElement.dataset.testid === 'get-hint'")
    # and pressing Enter again gives the level 2 hint, in terms of the quantities
    page.keyboard.press("Enter")
    live.locator(".hint").nth(1).wait_for()
    second_hint = live.locator(".hint-text").nth(1).inner_text()
    assert (
        second_hint == "Step 2 multiplies 3 teachers by $4 for a student. Is that the amount the question needs here?"
    )
    assert [h.level for h in Hint.objects.filter(submission=first).order_by("id")] == [1, 2]
    violations["hints"] = axe(page, "hints")
    screenshot(page, "feedback-two-hints")

    # When Jun fixes the solution from step 2
    press_on(page.get_by_test_id("fix-from-here").first)
    page.get_by_role("heading", name="Fix attempt 1 from step 2").wait_for()
    locked = page.get_by_test_id("locked-steps")
    assert locked.locator("li").all_inner_texts() == ["27 × 4 = 108 kept"]
    editor = page.get_by_label("Your steps from here on")
    assert editor.input_value() == "3 × 4 = 12\n108 + 12 = 120"
    violations["fix"] = axe(page, "fix")
    editor.focus()
    page.keyboard.press("Control+A")
    page.keyboard.type(FIXED_REST, delay=5)
    page.locator("#step-preview ol.steps > li", has_text="108 + 18 = 126").wait_for()
    screenshot(page, "fix-editor")
    press_on(page.get_by_role("button", name=re.compile(r"^Submit attempt 2 of 3")))
    page.wait_for_url(re.compile(r"/submissions/\d+/$"))
    second = Submission.objects.get(student=jun, attempt_number=2)

    # Then the new attempt is right, says which step was checked before, and the path shows both attempts
    page.locator("[data-final-answer='correct']").wait_for()
    assert page.get_by_text("All steps checked: no error found.").is_visible()
    assert "Step 1: checked before" in page.get_by_test_id("reuse").inner_text()
    attempts = page.locator("table.attempts tbody tr")
    assert attempts.count() == 2
    assert "fixed from step 2" in attempts.nth(0).inner_text()
    assert "2 (levels 1, 2)" in attempts.nth(1).inner_text()
    assert second.fixed_from_id == first.pk
    assert second.score == Decimal(2)
    violations["feedback-fixed"] = axe(page, "feedback-fixed")
    screenshot(page, "feedback-attempt-2")

    # And at 390 px the same pages read without sideways scrolling
    page.set_viewport_size({"width": 390, "height": 844})
    for url, name in ((f"/submissions/{first.pk}/", "phone-hints"), (f"/submissions/{second.pk}/", "phone-fixed")):
        page.goto(url)
        page.locator("#feedback").wait_for()
        wide = page.evaluate(WIDE)
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1"), (name, wide)
        violations[name] = axe(page, name)
        screenshot(page, name)
    page.goto(f"/submissions/{first.pk}/fix/")
    page.get_by_test_id("locked-steps").wait_for()
    screenshot(page, "phone-fix-editor")
    assert page.js_errors == []

    # When the teacher opens Jun's attempts, they see the same path: the hints, their levels, the fix
    page.set_viewport_size({"width": 1200, "height": 900})
    page.get_by_role("button", name="Log out").click()
    log_in(page, "teacher")
    page.goto(f"/submissions/{first.pk}/")
    panel = page.get_by_test_id("hints")
    assert "Hints this student asked for" in panel.inner_text()
    assert panel.get_by_text("Asked for level 2, shown level 2").is_visible()
    assert page.get_by_test_id("get-hint").count() == 0
    violations["teacher-hints"] = axe(page, "teacher-hints")
    screenshot(page, "teacher-sees-hints")
    page.goto(f"/submissions/{second.pk}/")
    assert "2 (levels 1, 2)" in page.locator("table.attempts").inner_text()
    screenshot(page, "teacher-sees-path")
    assert {name: found for name, found in violations.items() if found} == {}
    assert page.js_errors == []
