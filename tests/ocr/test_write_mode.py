"""The Write mode end to end in real Chromium: the mouse draws Hershey-font paths on the canvas, a real ocr worker
(mathnote-ocr, in .venv-ocr) reads them over Redis, the student corrects one line by typing, confirms, submits,
and a real cpu worker's symbolic checker highlights the first error next to the handwriting.

Then the request path's latency: lines of 5 to 30 strokes sent the way the page sends them (POST, then polls every
100 ms), printed as median and p95. Needs Chromium, Redis (TEST_REDIS_URL) and PostgreSQL.
"""

from __future__ import annotations

import json
import os
import re
import statistics
import subprocess
import time

import pytest

from tests.factories import EnrollmentFactory, ProblemFactory, UserFactory
from tests.integration import harness
from tests.ocr.ink import line
from tutor.classroom.models import Enrollment
from tutor.handwriting.models import HandwrittenLine, LineRecognition

pytestmark = [pytest.mark.browser, pytest.mark.integration]

redis_broker = harness.redis_broker
celery_workers = harness.celery_workers

GLYPH_PX = 50  # the size tests/ocr/test_recognition.py checks these lines at


@pytest.fixture
def ocr_worker(redis_broker, transactional_db, tmp_path, settings):
    """A real `celery worker -Q ocr` (prefork, one process, so the task's time limits hold) on the real model."""
    settings.HANDWRITING_RECOGNISER = "mathnote"
    settings.HANDWRITING_RECOGNITION = "on"
    env = {
        **os.environ,
        **harness.WORKER_ENV,
        "REDIS_URL": redis_broker,
        "DATABASE_URL": harness.worker_database_url(),
        "HANDWRITING_RECOGNISER": "mathnote",
    }
    log = tmp_path / "ocr-worker.log"
    command = [
        str(harness.CELERY), "-A", "tutor", "worker", "-Q", "ocr", "--concurrency", "1",
        "--without-gossip", "--without-mingle", "--without-heartbeat", "-l", "INFO", "-n", "ocr@%h",
    ]  # fmt: skip
    with log.open("wb") as out:
        process = subprocess.Popen(
            command, cwd=harness.REPO, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    deadline = time.monotonic() + 120
    # "ready." comes from the main process; the pool's process loads the model after it (worker_process_init)
    while "Handwriting recogniser mathnote ready" not in log.read_text(errors="replace"):
        if process.poll() is not None or time.monotonic() > deadline:
            pytest.fail(f"ocr worker did not start:\n{log.read_text(errors='replace')[-3000:]}")
        time.sleep(0.2)
    yield log
    os.killpg(process.pid, 15)
    process.wait(timeout=30)


@pytest.fixture
def problem(transactional_db):
    problem = ProblemFactory(
        statement="Solve $2x + 1 = 7$ for $x$.",
        reference_answer="3",
        reference_solution=["2x = 6", "x = 3"],
        points=3,
        title="Solve for x",
        assignment__title="Week 3: Equations by hand",
        assignment__verifier_backend="symbolic",
    )
    student = UserFactory(username="noor", first_name="Noor", last_name="")
    EnrollmentFactory(course=problem.assignment.course, user=student, role=Enrollment.Role.STUDENT)
    teacher = UserFactory(username="mr-t", first_name="Mr", last_name="T")
    EnrollmentFactory(course=problem.assignment.course, user=teacher, role=Enrollment.Role.TEACHER)
    return problem


def log_in(page, username: str) -> None:
    page.goto("/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill("pass12345")
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("heading", level=1).wait_for()


def steady_box(page, canvas) -> dict[str, float]:
    """The canvas in view, measured once the page has stopped moving (fonts and typesetting can shift it)."""
    canvas.scroll_into_view_if_needed()
    page.evaluate("document.fonts.ready.then(() => new Promise(r => requestAnimationFrame(() => r())))")
    box = canvas.bounding_box()
    for _ in range(50):
        page.wait_for_timeout(50)
        again = canvas.bounding_box()
        if again == box:
            break
        box = again
    assert box["y"] >= 0, box
    assert box["y"] + box["height"] <= page.viewport_size["height"], box
    return box


def draw(page, canvas, text: str, size: float = GLYPH_PX) -> int:
    """Draw `text` on the canvas with the mouse along the font's pen paths; returns the number of strokes.

    The canvas is measured again before each stroke, so ink lands where the pen is even if the page moved."""
    strokes, _width, _height = line(text, size=size)
    for stroke in strokes:
        box = steady_box(page, canvas)
        x, y = stroke[0]
        page.mouse.move(box["x"] + x, box["y"] + y)
        page.mouse.down()
        for x, y in stroke[1:]:
            page.mouse.move(box["x"] + x, box["y"] + y)
        page.mouse.up()
    return len(strokes)


def read_line(page, item) -> str:
    """Wait until the line has a reading (or says to type it); returns its state."""
    page.wait_for_function(
        "el => ['read', 'failed', 'error'].includes(el.getAttribute('data-state'))", arg=item.element_handle(),
        timeout=15_000,
    )  # fmt: skip
    return item.get_attribute("data-state")


def test_a_student_writes_corrects_confirms_and_sees_the_first_error_by_their_handwriting(
    page,
    problem,
    celery_workers,
    ocr_worker,
    screenshot,
):
    # Given a cpu worker (symbolic checker) and an ocr worker, and a student on the problem page in Write mode
    celery_workers("cpu")
    log_in(page, "noor")
    page.goto(f"/problems/{problem.pk}/")
    page.get_by_test_id("write-mode").click()
    lines = page.locator("li.hw-line")
    assert not page.locator("form.solution-form").is_visible()
    written = ["2x+1=7", "2x=8", "x=4"]  # a slip in line 2: 2x = 6
    readings = []
    for number, text in enumerate(written):
        if number:
            page.get_by_role("button", name="New line").click()
        item = lines.nth(number)
        # When they write the line with the mouse
        draw(page, item.locator("canvas"), text)
        state = read_line(page, item)
        readings.append(item.locator("[data-hw-text]").input_value())
        if number == 0:
            screenshot(page, "first-line-read")
        # Then the reading is typeset beside the line (KaTeX), or the line says to type it
        if state == "read":
            assert item.locator("[data-hw-typeset] .katex").count() == 1
    print(f"\nRead: {readings}")
    assert readings[1:] == ["2x = 8", "x = 4"]
    # When they correct line 1 by typing (the font's 7 is read as / or ], or not at all), and confirm each line
    first = lines.nth(0)
    first.locator("[data-hw-text]").fill("2x + 1 = 7")
    assert first.locator("[data-hw-typeset] .katex").count() == 1  # the typed line is typeset too
    submit = page.get_by_role("button", name=re.compile(r"^Submit attempt"))
    for number in range(3):
        assert submit.is_disabled()  # nothing is graded until every line is confirmed
        lines.nth(number).get_by_role("button", name="Confirm line").click()
    assert submit.is_enabled()
    screenshot(page, "confirmed")
    submit.click()
    page.wait_for_url(re.compile(r"/submissions/\d+/$"))
    # Then the verifier's feedback arrives, and the first error is highlighted next to the handwriting
    page.locator('[data-status="graded"]').wait_for(timeout=60_000)
    assert page.locator("li.fb-step[data-first-error]").get_attribute("data-step-index") == "1"
    ink = page.locator("li.hw-ink-line")
    assert ink.count() == 3
    assert ink.locator("svg.hw-ink").count() == 3
    assert ink.nth(1).get_attribute("data-first-error") is not None
    assert "First error" in ink.nth(1).inner_text()
    choices = list(HandwrittenLine.objects.order_by("index").values_list("choice", "text"))
    assert choices == [("typed", "2x + 1 = 7"), ("recognised", "2x = 8"), ("recognised", "x = 4")]
    run = LineRecognition.objects.get(text="2x = 8")
    assert run.model_id == "mathnote-ocr"
    assert run.model_version.startswith("0.2.1")
    assert run.latency_ms is not None
    screenshot(page, "feedback-desktop")
    page.set_viewport_size({"width": 390, "height": 844})
    screenshot(page, "feedback-phone")
    # And the teacher sees the handwriting next to the text, and the recognition on the audit page
    submission_url = page.url
    log_in(page, "mr-t")
    page.set_viewport_size({"width": 1200, "height": 900})
    page.goto(submission_url + "audit/")
    audit = page.get_by_test_id("handwriting-audit")
    assert audit.locator("svg.hw-ink").count() == 3
    assert "mathnote-ocr 0.2.1" in audit.inner_text()
    assert "Typed by the student" in audit.inner_text()
    screenshot(page, "audit-teacher")
    assert page.js_errors == []


def test_write_mode_on_a_phone(page, problem, ocr_worker, screenshot):
    # Given a phone-sized screen
    page.set_viewport_size({"width": 390, "height": 844})
    log_in(page, "noor")
    page.goto(f"/problems/{problem.pk}/")
    page.get_by_test_id("write-mode").click()
    item = page.locator("li.hw-line").first
    canvas = item.locator("canvas")
    box = canvas.bounding_box()
    # the canvas fits the screen, and is tall enough to write in
    assert box["x"] >= 0
    assert box["x"] + box["width"] <= 390
    assert box["height"] >= 120
    # When a line is written with the finger's path (mouse events) and read
    draw(page, canvas, "x=3", size=46)
    state = read_line(page, item)
    assert state == "read", (item.locator("[data-hw-message]").inner_text(), list(LineRecognition.objects.values()))
    assert item.locator("[data-hw-text]").input_value() == "x = 3"
    screenshot(page, "write-phone")
    # Undo takes the last stroke away, and a new reading is asked for
    item.get_by_role("button", name="Undo").click()
    assert read_line(page, item) in {"read", "failed"}
    assert page.js_errors == []


def test_request_path_latency(page, problem, ocr_worker):
    """Not a speed assertion: the figures are printed. Every line must end (read or 'type it') within its bound."""
    log_in(page, "noor")
    page.goto(f"/problems/{problem.pk}/")
    token = next(c["value"] for c in page.context.cookies() if c["name"] == "csrftoken")
    url = f"/handwriting/problems/{problem.pk}/recognise/"
    texts = [
        "x=3",
        "2x=6",
        "2x+1=7",
        "12x-34=56",
        "3x+4=2x-15",
        "(8/2)+7x=3x-41",
        "25x+36=47-58x+69",
        "4x+4=x+4x-4+4x+4x",
        "x+4x=x+4x-4+4x+4x",
    ]
    timings: dict[int, list[float]] = {}
    outcomes = []
    for seed in range(6):
        for text in texts:
            strokes, width, height = line(text, size=34, seed=seed + 1)
            payload = json.dumps(
                {"width": max(width, 300), "height": height, "strokes": [[list(p) for p in s] for s in strokes]}
            )
            started = time.perf_counter()
            state = page.request.post(
                url, data=payload, headers={"Content-Type": "application/json", "X-CSRFToken": token}
            ).json()
            while state["status"] == "pending":
                time.sleep(0.1)  # the page polls every 100 ms
                state = page.request.get(state.get("poll") or f"/handwriting/recognitions/{state['id']}/").json()
            elapsed = (time.perf_counter() - started) * 1000
            if seed:  # the first round warms the worker and the connection; it is not counted
                timings.setdefault(len(strokes), []).append(elapsed)
            outcomes.append(state["status"])
    every = sorted(t for ts in timings.values() for t in ts)
    p95 = every[int(0.95 * (len(every) - 1))]
    print(
        f"\nRequest path, POST to reading shown ({len(every)} lines of {min(timings)}-{max(timings)} strokes, polling every 100 ms):"
    )
    print(f"  median {statistics.median(every):.0f} ms, p95 {p95:.0f} ms, max {every[-1]:.0f} ms")
    for n in sorted(timings):
        print(f"  {n:2d} strokes: median {statistics.median(timings[n]):.0f} ms")
    print(f"  outcomes: {dict((s, outcomes.count(s)) for s in set(outcomes))}")
    assert set(outcomes) <= {"done", "failed"}
    assert max(timings) >= 25  # the design case, a line of up to 30 strokes, is in the measured set
