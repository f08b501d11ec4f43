"""The `openai` backend against a small real HTTP server written here: payloads, parsing, @K, error mapping."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from verifier_worker.backends.openai import OpenAIVerifier
from verifier_worker.formats import thinkprm
from verifier_worker.types import (
    Budget,
    Problem,
    StepInput,
    VerificationRequest,
    VerifierMisconfigured,
    VerifierUnavailable,
)

from .openai_server import CHATML, Handler, vllm_like
from .openai_server import LoopbackServer as _Server

ERROR_AT_2 = (
    "\nStep 1: 4 + 5 = 9 is right. The step is \\boxed{correct}\n"
    "Step 2: 3 * 9 is 27, not 28. The step is \\boxed{incorrect}\n"
)
ALL_CORRECT = ERROR_AT_2.replace("not 28", "as written").replace("{incorrect}", "{correct}")


@pytest.fixture
def serve() -> Iterator[Callable[[Handler], _Server]]:
    servers: list[_Server] = []

    def start(handle: Handler) -> _Server:
        servers.append(_Server(handle))
        return servers[-1]

    yield start
    for server in servers:
        server.close()


@pytest.fixture
def tokenizer_dir(tmp_path: Path) -> Path:
    (tmp_path / "tokenizer_config.json").write_text(json.dumps({"chat_template": CHATML, "eos_token": "<|im_end|>"}))
    return tmp_path


def request(k: int = 1, rounds: int = 1) -> VerificationRequest:
    return VerificationRequest(
        problem=Problem(statement="Compute 3 * (4 + 5)."),
        steps=(StepInput(0, "4 + 5 = 9"), StepInput(1, "3 * 9 = 28")),
        budget=Budget(parallel=k, rounds=rounds),
    )


def verifier(url: str, tokenizer_dir: Path, **options: Any) -> OpenAIVerifier:
    return OpenAIVerifier(
        base_url=url, model="verifier", tokenizer_path=str(tokenizer_dir), timeout=5, max_retries=1, **options
    )


def test_thinkprm_verification_sends_the_exact_prompt_and_reads_the_score(serve, tokenizer_dir):
    # given a server that finds an error at step 2 and puts P(yes) at 0.1
    server = serve(vllm_like([ERROR_AT_2], p_yes=0.1))
    # when
    result = verifier(server.url, tokenizer_dir, structured_outputs=True).verify_batch([request()])[0]
    # then the generation call used the completions API with the rendered prompt, stops and the regex
    path, body = server.requests[0]
    assert path == "/v1/completions"
    assert body["prompt"].startswith("<|im_start|>user\nYou are given a math problem")
    assert body["prompt"].endswith("<|im_start|>assistant\n\nLet's verify step by step:")
    assert body["stop"] == list(thinkprm.STOP)
    assert body["n"] == 1
    assert body["temperature"] == 0.0
    assert body["structured_outputs"] == {"regex": thinkprm.structured_regex(2)}
    # and the scoring call appended the question to prompt + chain
    score_body = server.requests[1][1]
    assert score_body["prompt"] == body["prompt"] + ERROR_AT_2 + "\nIs the solution correct? "
    assert score_body["logprobs"] == 20
    assert score_body["structured_outputs"] == {"choice": ["yes", "no"]}
    # and the result
    assert result.first_error_index == 1
    assert result.solution_score == pytest.approx(0.1)
    assert result.steps[1].verdict == "incorrect"
    assert "not 28" in result.steps[1].explanation
    assert result.steps[1].checker == "thinkprm"
    assert result.steps[1].confidence == pytest.approx(0.9)
    run = result.run
    assert run.backend == "openai"
    assert run.model == "verifier"
    assert run.prompt_version == "thinkprm-v1"
    assert run.prompt == body["prompt"]
    assert run.raw_output == ERROR_AT_2
    assert run.chains[0].tokens == 10
    assert run.completion_tokens == 11
    assert run.prompt_tokens == 90


def test_parallel_k4_votes_on_the_first_error(serve, tokenizer_dir):
    # given 4 chains: 3 find the error at step 2, one clears the solution
    server = serve(vllm_like([ERROR_AT_2, ERROR_AT_2, ALL_CORRECT, ERROR_AT_2], p_yes=0.2))
    result = verifier(server.url, tokenizer_dir).verify_batch([request(k=4)])[0]
    # then one generation request with n=4 at T=0.6 and four scoring requests
    generation = [b for _, b in server.requests if b["max_tokens"] != 1]
    assert len(generation) == 1
    assert generation[0]["n"] == 4
    assert generation[0]["temperature"] == 0.6
    assert len(server.requests) == 5
    assert result.first_error_index == 1
    assert result.steps[1].confidence == pytest.approx(0.75 * 0.8)
    assert [c.tokens for c in result.run.chains] == [10, 11, 12, 13]
    assert [c.first_error_index for c in result.run.chains] == [1, 1, None, 1]


def test_sequential_rounds_continue_each_chain_after_the_trigger(serve, tokenizer_dir):
    server = serve(vllm_like([ALL_CORRECT]))
    result = verifier(server.url, tokenizer_dir).verify_batch([request(rounds=2)])[0]
    first, second = server.requests[0][1], server.requests[1][1]
    assert second["prompt"] == first["prompt"] + ALL_CORRECT + thinkprm.ROUND_TRIGGER
    assert result.run.chains[0].text == ALL_CORRECT + thinkprm.ROUND_TRIGGER + ALL_CORRECT
    assert result.run.chains[0].tokens == 20
    assert result.first_error_index is None
    assert result.final_answer_verdict == "correct"


def test_critic_without_a_template_falls_back_to_chat_completions(serve, tmp_path):
    def handle(path: str, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        message = {"role": "assistant", "content": "Paragraph 1 is wrong: 3 * 9 = 27. \\boxed{1}"}
        return 200, {
            "choices": [{"index": 0, "message": message, "finish_reason": "stop"}],
            "usage": {"prompt_tokens": 30, "completion_tokens": 12},
        }

    server = serve(handle)
    backend = OpenAIVerifier(base_url=server.url, model="some/instruct-model", format="critic", timeout=5)
    result = backend.verify_batch([request()])[0]
    path, body = server.requests[0]
    assert path == "/v1/chat/completions"
    assert "<paragraph_1>" in body["messages"][0]["content"]
    assert result.first_error_index == 1
    assert result.run.prompt_version == "critic-v1"
    assert result.run.chains[0].tokens == 12


def test_thinkprm_without_a_template_is_misconfigured(serve):
    server = serve(vllm_like([ALL_CORRECT]))
    backend = OpenAIVerifier(base_url=server.url, model="nobody/not-cached", timeout=5)
    with pytest.raises(VerifierMisconfigured, match="chat template"):
        backend.verify_batch([request()])


def test_server_error_is_unavailable_after_bounded_retries(serve, tokenizer_dir):
    server = serve(lambda path, body: (500, {"error": "engine dead"}))
    with pytest.raises(VerifierUnavailable, match="500"):
        verifier(server.url, tokenizer_dir).verify_batch([request()])
    assert len(server.requests) == 2  # max_retries=1: one try, one retry, then give up


def test_unknown_model_is_misconfigured_without_retry(serve, tokenizer_dir):
    server = serve(vllm_like([ALL_CORRECT]))
    backend = OpenAIVerifier(base_url=server.url, model="wrong-name", tokenizer_path=str(tokenizer_dir), timeout=5)
    with pytest.raises(VerifierMisconfigured, match="does not exist"):
        backend.verify_batch([request()])
    assert len(server.requests) == 1


def test_refused_port_is_unavailable(tokenizer_dir):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    # the port is closed again here: nothing listens on it
    backend = verifier(f"http://127.0.0.1:{port}/v1", tokenizer_dir)
    with pytest.raises(VerifierUnavailable, match="cannot reach"):
        backend.verify_batch([request()])


def test_concurrency_cap_bounds_requests_in_flight(serve, tokenizer_dir):
    import time

    in_flight = 0
    peak = 0
    lock = threading.Lock()

    def handle(path: str, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        nonlocal in_flight, peak
        with lock:
            in_flight += 1
            peak = max(peak, in_flight)
        time.sleep(0.05)
        with lock:
            in_flight -= 1
        return vllm_like([ALL_CORRECT])(path, body)

    server = serve(handle)
    results = verifier(server.url, tokenizer_dir, concurrency=2).verify_batch([request() for _ in range(6)])
    assert len(results) == 6
    assert all(r.first_error_index is None for r in results)
    assert peak == 2


def test_chunk_judge_calls_once_per_step_and_stops_at_the_first_negative(serve, tokenizer_dir):
    # given a judge that rejects any chunk containing 28
    def handle(path: str, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        chunk = body["prompt"].split("[New step]\n")[1].split("\n")[0]
        label = "Negative" if "28" in chunk else "Positive"
        choices = [
            {"index": k, "text": f"Checked {chunk}. \\boxed{{{label}}}", "finish_reason": "stop"}
            for k in range(body["n"])
        ]
        return 200, {"choices": choices, "usage": {"prompt_tokens": 20, "completion_tokens": 8 * body["n"]}}

    server = serve(handle)
    three = VerificationRequest(
        problem=Problem(statement="Compute 3 * (4 + 5)."),
        steps=(StepInput(0, "4 + 5 = 9"), StepInput(1, "3 * 9 = 28"), StepInput(2, "The answer is 28.")),
        budget=Budget(parallel=2),
    )
    result = verifier(server.url, tokenizer_dir, format="chunkjudge").verify_batch([three])[0]
    # then two calls (steps 1 and 2), the second with step 1 as history, and step 3 never judged
    assert len(server.requests) == 2
    assert "[Steps accepted so far]\n4 + 5 = 9\n" in server.requests[1][1]["prompt"]
    assert [v.verdict for v in result.steps] == ["correct", "incorrect", "unverified"]
    assert result.first_error_index == 1
    assert result.steps[1].confidence == 1.0
    assert result.run.prompt_version == "chunkjudge-v1"
    assert len(result.run.chains) == 4


def test_a_server_slower_than_the_timeout_is_unavailable(serve, tokenizer_dir):
    import time

    def handle(path: str, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        time.sleep(1.0)
        return vllm_like([ALL_CORRECT])(path, body)

    server = serve(handle)
    backend = OpenAIVerifier(
        base_url=server.url, model="verifier", tokenizer_path=str(tokenizer_dir), timeout=0.3, max_retries=0
    )
    with pytest.raises(VerifierUnavailable, match="timed out"):
        backend.verify_batch([request()])
