"""The in-process `vllm` backend on the tiny model: one engine, every verification in one generate call.

Runs in .venv-vllm. Starting an engine costs about as much as starting the server, so this is one test.
"""

from __future__ import annotations

import os

import pytest

from verifier_worker.backends.vllm_engine import VLLMVerifier
from verifier_worker.types import Budget, Problem, StepInput, VerificationRequest


@pytest.mark.timeout(900)
def test_in_process_engine_batches_structured_verifications():
    folder = os.environ.get("VLLM_TEST_MODEL_DIR")
    if not folder:
        pytest.skip("VLLM_TEST_MODEL_DIR is not set: run `make test-vllm`")
    backend = VLLMVerifier(
        model_path=folder, model="tiny-thinkprm", structured_outputs=True, max_tokens=300, max_model_len=2048
    )
    steps = (StepInput(0, "4 + 5 = 9"), StepInput(1, "3 * 9 = 27"))
    requests = [
        VerificationRequest(problem=Problem(statement="Compute 3 * (4 + 5)."), steps=steps),
        VerificationRequest(problem=Problem(statement="Compute 3 * (4 + 5)."), steps=steps, budget=Budget(parallel=4)),
    ]
    results = backend.verify_batch(requests)
    assert [len(r.run.chains) for r in results] == [1, 4]
    for result in results:
        assert not result.undecided_reason
        assert result.solution_score is not None
        assert 0.0 < result.solution_score < 1.0
        assert all(chain.tokens > 0 and chain.score is not None for chain in result.run.chains)
        assert result.run.backend == "vllm"
        assert result.run.prompt_version == "thinkprm-v1"
