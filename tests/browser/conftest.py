"""Real Chromium (Debian's) driven by Playwright's sync API against pytest-django's live server.

Without /usr/bin/chromium the browser tests skip, except on CI (CI=true), where that is a failure.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.skipping import skip_unless_ci

# Playwright's sync API runs an event loop in this thread; Django's ORM calls from the test body are still
# synchronous and safe, so Django's async-context guard is switched off for the browser tests only.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = Path(os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"))
ARTIFACTS = Path(__file__).resolve().parent.parent / "artifacts"


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    if not CHROMIUM.exists():
        skip_unless_ci(f"Chromium is not installed at {CHROMIUM} (apt-get install chromium); browser tests need it")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
        )
        yield browser
        browser.close()


# Every Content-Security-Policy violation on any page, reported from inside the page (an init script runs before
# the page's own scripts and is not itself subject to the page's policy).
CSP_LISTENER = """
document.addEventListener("securitypolicyviolation", function (e) {
  window.reportCspViolation([e.violatedDirective, e.blockedURI, e.sourceFile + ":" + e.lineNumber, e.sample].join(" "));
});
"""


def watch_csp(context, page) -> None:
    page.csp_violations = []
    context.expose_binding("reportCspViolation", lambda source, text: page.csp_violations.append(text))
    context.add_init_script(CSP_LISTENER)
    page.on(
        "console",
        lambda message: page.csp_violations.append(message.text) if "Content Security Policy" in message.text else None,
    )


@pytest.fixture
def page(browser, live_server, transactional_db) -> Iterator[object]:
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1200, "height": 900})
    context.set_default_timeout(15_000)
    page = context.new_page()
    page.js_errors = []
    page.on("pageerror", lambda error: page.js_errors.append(str(error)))
    watch_csp(context, page)
    yield page
    violations = list(page.csp_violations)
    context.close()
    # Every browser test doubles as a check that the pages work under the Content-Security-Policy.
    assert violations == [], violations


@pytest.fixture
def screenshot(request):
    """Save a full-page screenshot as tests/artifacts/<test name>/<nn>-<name>.png."""
    folder = ARTIFACTS / request.node.name
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("*.png"):
        old.unlink()
    counter = iter(range(1, 100))

    def take(page, name: str) -> Path:
        path = folder / f"{next(counter):02d}-{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take
