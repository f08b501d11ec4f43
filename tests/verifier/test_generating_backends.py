"""The base class of the generating backends: settings parsing, one driver, the lock policy, `verify_batch`."""

from __future__ import annotations

import threading
from collections.abc import Sequence

import pytest

from verifier_worker.backends.generating import GeneratingVerifier
from verifier_worker.backends.hf_transformers import TransformersVerifier
from verifier_worker.backends.openai import OpenAIVerifier
from verifier_worker.backends.vllm_engine import VLLMVerifier
from verifier_worker.formats.chat_template import ChatTemplate
from verifier_worker.formats.driver import Completion, Generation, Sample
from verifier_worker.formats.registry import FORMATS
from verifier_worker.types import Problem, StepInput, VerificationRequest, VerifierMisconfigured

REQUEST = VerificationRequest(problem=Problem(statement="Compute 2 + 2."), steps=(StepInput(0, "2 + 2 = 4"),))
CRITIC_ANSWER = "Paragraph 0 checks out. \\boxed{-1}"


class Scripted(GeneratingVerifier):
    """A generator that answers every sample with the critic's 'no error', and counts what happens."""

    name = "scripted"

    def __init__(self, *, barrier: threading.Barrier | None = None, **options) -> None:
        super().__init__(model_name="scripted-model", format="critic", **options)
        self.barrier = barrier
        self.templates_loaded = 0
        self.in_flight = 0
        self.peak = 0
        self.counter = threading.Lock()

    def chat_template(self) -> ChatTemplate | None:
        self.templates_loaded += 1
        return None

    def generate(self, samples: Sequence[Sample]) -> list[Completion]:
        with self.counter:
            self.in_flight += 1
            self.peak = max(self.peak, self.in_flight)
        if self.barrier is not None:
            self.barrier.wait()  # both threads must be generating at once, or this times out
        with self.counter:
            self.in_flight -= 1
        return [Completion(generations=(Generation(text=CRITIC_ANSWER, tokens=5),)) for _ in samples]


class Concurrent(Scripted):
    exclusive = False


def run_in_two_threads(backend: Scripted) -> list[object]:
    results: list[object] = []
    threads = [threading.Thread(target=lambda: results.append(backend.verify_batch([REQUEST]))) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return results


def test_an_exclusive_backend_runs_one_verification_at_a_time_and_builds_one_driver():
    backend = Scripted()
    results = run_in_two_threads(backend)
    assert len(results) == 2
    assert backend.peak == 1
    assert backend.templates_loaded == 1


def test_a_non_exclusive_backend_runs_verifications_concurrently():
    backend = Concurrent(barrier=threading.Barrier(2, timeout=20))
    results = run_in_two_threads(backend)
    assert len(results) == 2
    assert backend.peak == 2
    assert backend.templates_loaded == 1


def test_the_base_class_parses_the_driver_settings_and_notes_unsupported_structured_outputs():
    backend = Scripted(max_tokens="300", structured_outputs=True, round_trigger="", score_top_logprobs=5)
    assert backend.settings.max_tokens == 300
    assert backend.settings.structured_outputs is True
    assert backend.settings.round_trigger is None
    assert backend.settings.score_top_logprobs == 5
    result = backend.verify_batch([REQUEST])[0]
    assert result.first_error_index is None
    assert result.run.backend == "scripted"
    assert result.run.model == "scripted-model"
    assert not any("structured outputs" in note for note in result.run.notes)

    class NoGrammar(Scripted):
        supports_structured_outputs = False

    plain = NoGrammar(structured_outputs=True)
    assert plain.settings.structured_outputs is False
    assert "structured outputs are not applied by the scripted backend" in plain.verify_batch([REQUEST])[0].run.notes


def test_an_unknown_format_is_refused_when_any_generating_backend_is_built(tmp_path):
    with pytest.raises(VerifierMisconfigured, match="Unknown verifier format 'prm800k'"):
        OpenAIVerifier(base_url="http://127.0.0.1:9/v1", model="m", format="prm800k")
    with pytest.raises(VerifierMisconfigured, match="Unknown verifier format"):
        VLLMVerifier(model="m", format="prm800k")
    with pytest.raises(VerifierMisconfigured, match="Unknown verifier format"):
        TransformersVerifier(model_path=str(tmp_path), format="prm800k")


def test_openai_without_a_server_address_is_misconfigured():
    with pytest.raises(VerifierMisconfigured, match="VERIFIER_BASE_URL"):
        OpenAIVerifier(base_url="", model="m")


def test_every_format_is_registered_under_its_own_name():
    assert sorted(FORMATS) == ["chunkjudge", "critic", "thinkprm"]
    assert all(fmt.name == name for name, fmt in FORMATS.items())
    assert [name for name, fmt in FORMATS.items() if fmt.needs_chat_template] == ["thinkprm"]
