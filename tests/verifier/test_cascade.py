"""The cascade: the real symbolic checker first, the LLM stage (the deterministic fake here) only where needed."""

from __future__ import annotations

import pytest

from verifier_worker import registry
from verifier_worker.backends.cascade import NO_LLM_NOTE, CascadeVerifier
from verifier_worker.types import Problem, StepInput, VerificationRequest, VerifierUnavailable


def request(*steps: str) -> VerificationRequest:
    return VerificationRequest(
        problem=Problem(statement="Compute (2 + 3) * 2.", reference_answer="10"),
        steps=tuple(StepInput(i, text) for i, text in enumerate(steps)),
    )


@pytest.fixture(autouse=True)
def fresh_registry():
    registry.clear_cache()
    yield
    registry.clear_cache()


def test_confident_symbolic_error_settles_it_without_the_llm():
    # given an arithmetic slip at step 2; the fake LLM would raise if it were asked about anything
    cascade = CascadeVerifier(llm_backend="fake")
    result = cascade.verify_batch([request("2 + 3 = 5", "5 * 2 = 11", "RAISE_UNAVAILABLE so the answer is 11")])[0]
    # then
    assert result.first_error_index == 1
    assert result.steps[1].checker == "arithmetic"
    assert result.run.backend == "cascade"
    assert result.run.prompt_version == "cascade-v1(symbolic-v1)"
    assert any("not asked" in note for note in result.run.notes)


def test_llm_decides_the_steps_the_symbolic_checker_left_unverified():
    # given prose steps the symbolic checker cannot check, and a wrong final answer it can
    solution = request("Let x be the number of apples.", "Then x doubles WRONG", "x = 5")
    result = CascadeVerifier(llm_backend="fake").verify_batch([solution])[0]
    # then the earliest confident error is the LLM's, and each step says who decided it
    assert result.first_error_index == 1
    assert [v.checker for v in result.steps] == ["fake", "fake", "final_answer"]
    assert [v.verdict for v in result.steps] == ["correct", "incorrect", "incorrect"]
    assert result.run.prompt_version == "cascade-v1(symbolic-v1+fake-v1)"
    assert any("left unverified" in note for note in result.run.notes)


def test_llm_sees_the_solution_only_up_to_the_first_confident_symbolic_error():
    seen = []

    class Recorder:
        name = "recorder"

        def verify_batch(self, requests):
            seen.extend(requests)
            return registry.get_verifier("fake").verify_batch(requests)

    cascade = CascadeVerifier(llm_backend="fake")
    cascade._stage = lambda name: Recorder() if name == "fake" else registry.get_verifier(name)  # record the batch
    cascade.verify_batch([request("Let n be the count.", "5 * 2 = 11", "n is 11", "so 11")])
    assert [s.text for s in seen[0].steps] == ["Let n be the count.", "5 * 2 = 11"]


def test_without_an_llm_the_cascade_is_the_symbolic_result_with_a_note():
    result = CascadeVerifier().verify_batch([request("Let x be the number of apples.", "x = 5")])[0]
    assert NO_LLM_NOTE in result.run.notes
    assert result.run.backend == "cascade"
    assert all(v.checker != "fake" for v in result.steps)


def test_an_unavailable_llm_is_not_papered_over():
    with pytest.raises(VerifierUnavailable):
        CascadeVerifier(llm_backend="fake").verify_batch([request("Let x be RAISE_UNAVAILABLE.", "x = 5")])


def test_registry_builds_the_cascade_from_settings_style_options():
    cascade = registry.get_verifier("cascade", {"llm_backend": "", "model": "m", "timeout": 3.0})
    assert isinstance(cascade, CascadeVerifier)
