"""The `transformers` backend on the tiny random model, and our chat-template rendering against transformers'.

Runs in .venv-vllm (torch and transformers); scripts/test_vllm.sh builds the model and passes its folder.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.skipping import skip_unless_ci
from verifier_worker.backends.hf_transformers import TransformersVerifier
from verifier_worker.formats import thinkprm
from verifier_worker.formats.chat_template import load_chat_template
from verifier_worker.types import Budget, Problem, StepInput, VerificationRequest


@pytest.fixture(scope="module")
def model_dir() -> Path:
    folder = os.environ.get("VLLM_TEST_MODEL_DIR")
    if not folder:
        skip_unless_ci("VLLM_TEST_MODEL_DIR is not set: run `make test-vllm`")
    return Path(folder)


REQUEST = VerificationRequest(
    problem=Problem(statement="Compute 3 * (4 + 5)."),
    steps=(StepInput(0, "4 + 5 = 9"), StepInput(1, "3 * 9 = 27")),
)


def test_our_jinja_rendering_is_byte_identical_to_transformers(model_dir):
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(model_dir, local_files_only=True)
    message = thinkprm.user_message("Compute 3 * (4 + 5).", ["4 + 5 = 9", "3 * 9 = 27"])
    theirs = tokenizer.apply_chat_template(
        [{"role": "user", "content": message}], tokenize=False, add_generation_prompt=True
    )
    ours = load_chat_template(model_dir).render([{"role": "user", "content": message}])
    assert ours == theirs


def test_gibberish_gives_unverified_with_a_parse_reason_and_a_recorded_run(model_dir):
    # given the tiny random model, whose text is gibberish
    backend = TransformersVerifier(model_path=str(model_dir), max_tokens=48)
    # when two requests are verified in one batch, one of them with K=2
    k2 = VerificationRequest(problem=REQUEST.problem, steps=REQUEST.steps, budget=Budget(parallel=2))
    results = backend.verify_batch([REQUEST, k2])
    # then nothing is guessed: every step is unverified and the reason is a parse failure
    for result in results:
        assert [v.verdict for v in result.steps] == ["unverified", "unverified"]
        assert result.first_error_index is None
        assert result.final_answer_verdict == "unverified"
        assert "verdict" in result.undecided_reason
        run = result.run
        assert run.backend == "transformers"
        assert run.prompt_version == "thinkprm-v1"
        assert run.prompt.endswith("<|im_start|>assistant\n\nLet's verify step by step:")
        assert run.prompt_tokens > 50
        assert run.completion_tokens > 0
        assert all(0 < chain.tokens <= 48 for chain in run.chains)
        # the yes/no score is read from the real next-token distribution
        assert result.solution_score is not None
        assert 0.0 < result.solution_score < 1.0
    assert len(results[1].run.chains) == 2
    assert results[1].run.parameters["temperature"] == 0.6
