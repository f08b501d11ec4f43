"""The analytics, agreement and audit pages in real Chromium, on the demo's reviewed history (load_demo with the
symbolic checker), at desktop width and at 390 px. Screenshots land in tests/artifacts/<test name>/."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from tests.browser.conftest import ARTIFACTS

pytestmark = pytest.mark.browser


@pytest.fixture
def demo(page, settings):
    settings.VERIFIER_DEFAULT_BACKEND = "symbolic"
    call_command("load_demo", stdout=StringIO())
    return page


def log_in(page, username: str, password: str) -> None:
    page.goto("/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("heading", level=1).wait_for()


def log_out(page) -> None:
    page.get_by_role("button", name="Log out").click()
    page.get_by_role("heading", name="Log in").wait_for()


def phone(page) -> None:
    page.set_viewport_size({"width": 390, "height": 844})


def desktop(page) -> None:
    page.set_viewport_size({"width": 1200, "height": 900})


def view(page, request, name: str, locator=None) -> None:
    """What one screen shows (the full-page shots of a phone are too tall to read): tests/artifacts/.../view-*.png."""
    if locator is None:
        page.evaluate("window.scrollTo(0, 0)")
    else:
        locator.scroll_into_view_if_needed()
    page.screenshot(path=str(ARTIFACTS / request.node.name / f"view-{name}.png"))


def no_horizontal_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


def test_teacher_sees_where_the_class_went_wrong_and_admin_sees_agreement(demo, screenshot, request):
    page = demo
    # A teacher opens the assignment's common errors from the assignment page
    log_in(page, "teacher", "teacher-demo-1")
    page.get_by_role("link", name="Algebra 1 (demo)").first.click()
    page.get_by_role("link", name="Warm-up: word problems, equations and percents").first.click()
    page.get_by_role("link", name="Common errors").click()
    page.get_by_role("heading", name="Common errors: Warm-up: word problems, equations and percents").wait_for()
    assert page.get_by_test_id("item-table").locator("tbody tr").count() == 4  # one row per problem
    charts = page.locator("svg.chart-svg[role=img]")
    assert charts.count() == 3
    # Every chart has a text alternative and a data table
    for i in range(charts.count()):
        assert charts.nth(i).locator("desc").text_content().strip()
    page.get_by_text("Data table").first.click()
    assert page.locator("details.chart-data[open] table tbody tr").count() >= 1
    screenshot(page, "assignment-analytics-desktop")
    # One problem: where the first errors were, what kind, the most frequent explanations
    page.get_by_role("link", name="Problem 1: Bus tickets").click()
    page.get_by_test_id("headline").wait_for()
    assert "Most attempts first went wrong at" in page.get_by_test_id("headline").inner_text()
    screenshot(page, "problem-analytics-desktop")
    phone(page)
    assert no_horizontal_scroll(page)
    screenshot(page, "problem-analytics-390")
    view(page, request, "problem-analytics-390-charts", page.locator("figure[data-chart=problem-positions]"))
    desktop(page)
    log_out(page)

    # The site admin opens the agreement dashboard from the navigation
    log_in(page, "admin", "admin-demo-1")
    page.get_by_role("link", name="Insight", exact=True).first.click()
    page.get_by_role("link", name="Verifier agreement").first.click()
    page.get_by_role("heading", name="Verifier agreement").wait_for()
    assert page.locator("[data-figure=reviewed]").inner_text().strip() != "0"
    assert page.get_by_test_id("bands").locator("tbody tr").count() == 3
    assert page.locator("#bands-desc").text_content().startswith("Flags on the teacher's first error")
    screenshot(page, "agreement-desktop")
    phone(page)
    assert no_horizontal_scroll(page)
    screenshot(page, "agreement-390")
    view(page, request, "agreement-390-top")
    view(page, request, "agreement-390-bands", page.locator("#bands-heading"))
    desktop(page)

    # The audit log, filtered to the teacher's overrides, and one grade's story from there
    page.get_by_role("link", name="Audit log").first.click()
    page.get_by_label("Event type").select_option("override.step")
    page.get_by_role("button", name="Filter").click()
    page.get_by_test_id("audit-events").wait_for()
    assert page.get_by_test_id("audit-events").locator("tbody tr").count() >= 3
    screenshot(page, "audit-log-desktop")
    page.get_by_test_id("audit-events").locator("tbody tr a").first.click()
    page.get_by_role("heading", name="Every override, and who made it").wait_for()
    assert page.get_by_test_id("story-overrides").locator("tbody tr").count() >= 1
    page.get_by_role("button", name="Replay").click()
    page.get_by_test_id("replay-diff").wait_for()
    screenshot(page, "replay-diff-desktop")
    page.go_back()
    page.reload()
    screenshot(page, "why-this-grade-desktop")
    phone(page)
    screenshot(page, "why-this-grade-390")
    view(page, request, "why-this-grade-390-top")
    view(page, request, "why-this-grade-390-steps", page.get_by_test_id("story-steps"))
    assert page.js_errors == []
