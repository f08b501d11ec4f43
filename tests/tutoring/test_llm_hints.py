"""Hints written by a language model (HINT_LLM_BACKEND), against a small local OpenAI-compatible server: the
versioned prompt grounded in the verifier's critique, every run recorded, and every draft through the same
no-leak filter, with the templated hint shown when a draft leaks or the server fails."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from grading import services
from grading.models import Hint, HintRun
from tests.verifier.openai_server import LoopbackServer, write_tokenizer
from tutor.audit.models import AuditEvent
from verifier_worker import registry

from .conftest import BUS_SLIP, submit


@pytest.fixture
def model_server(settings, tmp_path) -> Iterator[dict[str, Any]]:
    """A server whose reply is whatever the test puts in `state["reply"]` (or an HTTP status in `state["status"]`)."""
    state: dict[str, Any] = {"reply": "Hint: Check the multiplication in step 2.", "status": 200}

    def handle(path: str, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        if state["status"] != 200:
            return state["status"], {"error": {"message": "overloaded"}}
        choice = {"index": 0, "text": state["reply"], "finish_reason": "stop"}
        return 200, {"choices": [choice], "usage": {"prompt_tokens": 321, "completion_tokens": 12}}

    server = LoopbackServer(handle)
    settings.HINT_LLM_BACKEND = "openai"
    settings.HINT_LLM_MODEL = "tutor-model"
    settings.HINT_LLM_TIMEOUT = 5
    settings.VERIFIER_OPTIONS = {
        **settings.VERIFIER_OPTIONS,
        "base_url": server.url,
        "model": "verifier",
        "tokenizer_path": str(write_tokenizer(tmp_path)),
    }
    registry.clear_cache()
    state["server"] = server
    yield state
    server.close()
    registry.clear_cache()


def ask(bus, submission, django_capture_on_commit_callbacks) -> Hint:
    with django_capture_on_commit_callbacks(execute=True):
        hint = services.hint_request(student=bus.student, problem=bus.problem, submission=submission)
    hint.refresh_from_db()
    return hint


def test_the_models_hint_is_shown_when_it_passes_the_filter(bus, model_server, django_capture_on_commit_callbacks):
    submission = submit(bus.problem, bus.student, BUS_SLIP)
    hint = ask(bus, submission, django_capture_on_commit_callbacks)
    assert (hint.status, hint.source, hint.level, hint.text) == (
        "ready",
        "llm",
        1,
        "Check the multiplication in step 2.",
    )
    # and the run is recorded like a verification run: backend, model, prompt version, prompt, output, tokens
    run = HintRun.objects.get(hint=hint)
    assert (run.backend, run.model_id, run.prompt_version, run.passed) == ("openai", "tutor-model", "hint-v1", True)
    assert (run.prompt_tokens, run.completion_tokens) == (321, 12)
    assert run.latency_ms is not None
    assert run.finished_at is not None
    # The prompt is rendered with the model's chat template, grounded in the checker's critique of step 2
    path, body = model_server["server"].requests[0]
    assert path == "/v1/completions"
    assert body["model"] == "tutor-model"
    assert "<|im_start|>user" in body["prompt"]
    assert "3 × 6 is 18, not 24." in body["prompt"]
    assert "Step 2: 3 × 6 = 24" in body["prompt"]
    assert "Level 1: say only where to look" in body["prompt"]
    assert AuditEvent.objects.filter(event_type="hint.written", details__source="llm").count() == 1


@pytest.mark.parametrize(
    "reply",
    ["Hint: The tickets cost 126 dollars in all.", "Hint: Step 2 should be eighteen.", "Hint: It is 3 × 6 = 18."],
)
def test_a_draft_that_leaks_is_refused_and_the_templated_hint_shown(
    bus, model_server, django_capture_on_commit_callbacks, reply
):
    model_server["reply"] = reply
    submission = submit(bus.problem, bus.student, BUS_SLIP)
    hint = ask(bus, submission, django_capture_on_commit_callbacks)
    assert hint.source == "template"
    assert hint.text == "Check the multiplication in step 2."
    assert hint.refused[0]["source"] == "llm"
    run = HintRun.objects.get(hint=hint)
    assert not run.passed
    assert run.refused_because


def test_a_server_that_fails_leaves_the_templated_hint_and_records_the_error(
    bus, model_server, django_capture_on_commit_callbacks
):
    model_server["status"] = 503
    submission = submit(bus.problem, bus.student, BUS_SLIP)
    hint = ask(bus, submission, django_capture_on_commit_callbacks)
    assert (hint.status, hint.source) == ("ready", "template")
    run = HintRun.objects.get(hint=hint)
    assert "VerifierUnavailable" in run.error
    # One attempt only: the hint does not wait on retries
    assert len(model_server["server"].requests) == 1


def test_writing_a_hint_twice_changes_nothing(bus, model_server, django_capture_on_commit_callbacks):
    submission = submit(bus.problem, bus.student, BUS_SLIP)
    hint = ask(bus, submission, django_capture_on_commit_callbacks)
    assert services.hint_write(hint_id=hint.pk) is None
    assert HintRun.objects.count() == 1


def test_the_hint_prompt_parser_keeps_only_a_short_hint():
    from verifier_worker.tutoring.prompt import MAX_HINT_CHARS, parse_hint

    assert parse_hint("<think>blah</think> Hint: **Look** at step 2. Then more. And more.") == (
        "Look at step 2. Then more."
    )
    assert len(parse_hint("Hint: " + "word " * 200)) <= MAX_HINT_CHARS + 1


def test_the_audit_page_shows_each_hint_with_its_model_run(
    bus, model_server, django_capture_on_commit_callbacks, client
):
    model_server["reply"] = "Hint: The answer is 126."
    submission = submit(bus.problem, bus.student, BUS_SLIP)
    ask(bus, submission, django_capture_on_commit_callbacks)
    client.force_login(bus.teacher)
    from django.urls import reverse

    html = client.get(reverse("submission_audit", args=[submission.pk])).content.decode()
    assert "asked level 1, shown level 1" in html
    assert "Refused (level 1, llm)" in html
    assert "prompt hint-v1" in html
    assert "refused</h4>" in html
