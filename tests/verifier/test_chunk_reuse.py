"""The verdict-cache contract on the model path: the chunk judge takes known verdicts of a verified prefix as they
are and sends only the later steps to the model; whole-solution formats do not take part."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from verifier_worker import reuse
from verifier_worker.backends.openai import OpenAIVerifier
from verifier_worker.types import Problem, StepInput, StepVerdict, VerificationRequest

from .openai_server import LoopbackServer, write_tokenizer


@pytest.fixture
def judge_server() -> Iterator[LoopbackServer]:
    def handle(path: str, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        chunk = body["prompt"].split("[New step]\n")[1].split("\n")[0]
        label = "Negative" if "28" in chunk else "Positive"
        choice = {"index": 0, "text": f"Checked {chunk}. \\boxed{{{label}}}", "finish_reason": "stop"}
        return 200, {"choices": [choice], "usage": {"prompt_tokens": 30, "completion_tokens": 9}}

    server = LoopbackServer(handle)
    yield server
    server.close()


def judge(url: str, folder, format: str = "chunkjudge") -> OpenAIVerifier:
    return OpenAIVerifier(base_url=url, model="verifier", tokenizer_path=str(folder), format=format, max_retries=0)


STEPS = (StepInput(0, "4 + 5 = 9"), StepInput(1, "9 + 1 = 10"), StepInput(2, "3 * 10 = 28"))


def test_known_verdicts_are_not_sent_to_the_model(judge_server, tmp_path):
    verifier = judge(judge_server.url, write_tokenizer(tmp_path))
    known = (StepVerdict(0, "correct", 1.0, "ok", checker="chunkjudge"), StepVerdict(1, "correct", 1.0, "ok"))
    request = VerificationRequest(problem=Problem("P"), steps=STEPS, known_verdicts=known)
    result = verifier.verify_batch([request])[0]
    # Then only step 3 went to the model, with the kept steps as its history
    assert len(judge_server.requests) == 1
    assert "[Steps accepted so far]\n4 + 5 = 9\n9 + 1 = 10\n" in judge_server.requests[0][1]["prompt"]
    assert result.steps[:2] == known
    assert result.first_error_index == 2
    # and the run says what was reused and what the judged step cost
    assert result.run.parameters["reuse"] == {"steps": [0, 1], "how": "verdict cache"}
    assert [c["index"] for c in result.run.parameters["step_costs"]] == [2]
    assert result.run.parameters["step_costs"][0]["tokens"] == 39


def test_without_known_verdicts_every_step_is_judged_and_costed(judge_server, tmp_path):
    result = judge(judge_server.url, write_tokenizer(tmp_path)).verify_batch(
        [VerificationRequest(Problem("P"), STEPS)]
    )[0]
    assert len(judge_server.requests) == 3
    assert [c["index"] for c in result.run.parameters["step_costs"]] == [0, 1, 2]
    assert "reuse" not in result.run.parameters


def test_only_a_prefix_local_format_has_a_reuse_identity(tmp_path):
    folder = write_tokenizer(tmp_path)
    assert reuse.reuse_identity(judge("http://127.0.0.1:9/v1", folder)) == (
        "openai|verifier|chunkjudge-v1|None|False|None"
    )
    assert reuse.reuse_identity(judge("http://127.0.0.1:9/v1", folder, format="thinkprm")) is None


def test_prefix_keys_pin_the_context_and_the_exact_prefix():
    def keys(**change: Any) -> tuple[str, ...]:
        base: dict[str, Any] = {
            "identity": "x",
            "problem_id": 1,
            "problem": Problem("P", "1", ("a",)),
            "steps": STEPS,
            "reveal_corrections": False,
            "budget": VerificationRequest(Problem("P"), ()).budget,
        }
        return reuse.prefix_keys(**(base | change))

    plain = keys()
    assert len(set(plain)) == 3
    # a later step changed: earlier keys are the same, later ones differ
    changed = keys(steps=(STEPS[0], StepInput(1, "9 + 1 = 11"), STEPS[2]))
    assert changed[0] == plain[0]
    assert changed[1:] != plain[1:]
    # a new reference, another backend or another problem: every key differs
    for other in (keys(problem=Problem("P", "1", ("b",))), keys(identity="y"), keys(problem_id=2)):
        assert not set(other) & set(plain)
