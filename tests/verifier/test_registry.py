"""The backend registry: one table (path, queue, label, teacher visibility, configured or not) and extra backends."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from verifier_worker import config, registry
from verifier_worker.backends.cascade import CascadeVerifier
from verifier_worker.types import Problem, StepInput, VerificationRequest, VerifierMisconfigured

REPO = Path(__file__).resolve().parents[2]
FAKE = "verifier_worker.backends.fake:FakeVerifier"
SERVER = {"base_url": "http://127.0.0.1:9/v1", "model": "m"}


@pytest.fixture(autouse=True)
def builtin_table():
    registry.reset()
    yield
    registry.reset()


def prose_request() -> VerificationRequest:
    # Prose the symbolic checker leaves unverified, so the cascade must ask its LLM stage.
    return VerificationRequest(
        problem=Problem(statement="Compute (2 + 3) * 2.", reference_answer="10"),
        steps=(
            StepInput(0, "Let x be the number of apples."),
            StepInput(1, "Then x doubles WRONG"),
            StepInput(2, "x = 5"),
        ),
    )


def test_each_builtin_backend_has_one_spec_with_its_queue_label_and_visibility():
    assert registry.spec("symbolic").queue == "cpu"
    assert {name: registry.queue_for(name) for name in ("openai", "vllm", "transformers", "cascade")} == dict.fromkeys(
        ("openai", "vllm", "transformers", "cascade"), "gpu"
    )
    assert registry.queue_for("fake") == "cpu"
    assert not registry.spec("fake").teacher_visible
    assert registry.queue_for("no-such-backend") == "cpu"
    assert [name for name, _ in registry.TEACHER_CHOICES] == ["symbolic", "cascade", "openai", "vllm", "transformers"]
    with pytest.raises(VerifierMisconfigured, match="Unknown verifier backend 'nope'"):
        registry.spec("nope")


def test_teachers_are_offered_only_the_backends_this_deployment_configured():
    # Given no model server, no model folder and no cascade LLM stage
    assert registry.teacher_choices({}) == [("symbolic", "Symbolic checker (CPU, no model)")]
    assert not registry.is_configured("openai", {"model": "m"})
    assert "VERIFIER_BASE_URL" in registry.not_configured_reason("openai", {"model": "m"})
    assert "VERIFIER_CASCADE_LLM" in registry.not_configured_reason("cascade", SERVER)
    # When a model server is named, openai is offered; the cascade only once its LLM stage is that server
    assert [name for name, _ in registry.teacher_choices(SERVER)] == ["symbolic", "openai"]
    both = {**SERVER, "llm_backend": "openai"}
    assert [name for name, _ in registry.teacher_choices(both)] == ["symbolic", "cascade", "openai"]
    assert "not configured" in registry.not_configured_reason("cascade", {"llm_backend": "openai"})
    assert "not a known backend" in registry.not_configured_reason("cascade", {"llm_backend": "nope"})
    # And the in-process model backends need a local model folder
    with_folder = [name for name, _ in registry.teacher_choices({"model_path": "/models/x"})]
    assert with_folder == ["symbolic", "vllm", "transformers"]


def test_extra_backends_parse_with_queue_label_and_visibility_and_the_old_form_still_works():
    specs = registry.parse_extra_backends(
        f"judge={FAKE};queue=gpu;label=Our judge (GPU);teachers=yes, plain={FAKE}, openai=acme.prm:Client"
    )
    judge, plain, openai = specs
    assert (judge.name, judge.path, judge.queue, judge.label, judge.teacher_visible) == (
        "judge",
        FAKE,
        "gpu",
        "Our judge (GPU)",
        True,
    )
    assert (plain.queue, plain.shown, plain.teacher_visible) == ("cpu", "plain", False)
    # an extra overriding a built-in keeps its queue, label, visibility and requirement
    assert (openai.path, openai.queue, openai.teacher_visible) == ("acme.prm:Client", "gpu", True)
    assert "VERIFIER_BASE_URL" in openai.requirement({})
    # registered, they are in the one table: routing and the teacher form see them
    registry.register(specs)
    assert registry.queue_for("judge") == "gpu"
    assert ("judge", "Our judge (GPU)") in registry.teacher_choices({})
    assert "plain" not in dict(registry.teacher_choices({}))


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("judge", "is not 'name=module:Class"),
        ("judge=no_colon", "is not 'name=module:Class"),
        (f"judge={FAKE};queue=tpu", "queue 'tpu'"),
        (f"judge={FAKE};colour=red", "'colour=red'"),
        (f"judge={FAKE};teachers=maybe", "'teachers=maybe'"),
        (f"judge={FAKE};label", "not key=value"),
        (f"judge={FAKE},judge={FAKE}", "twice"),
        (f"Symbolic, then the LLM={FAKE}", "is not 'name=module:Class"),
    ],
)
def test_a_malformed_extra_backend_is_a_named_error_not_silently_dropped(text, message):
    with pytest.raises(VerifierMisconfigured, match=message):
        registry.parse_extra_backends(text)


def test_a_cascade_whose_llm_is_an_extra_backend_works_with_an_empty_instance_cache():
    # Given an extra backend registered at start-up, and nothing cached
    registry.register(registry.parse_extra_backends(f"judge={FAKE};queue=gpu"))
    registry.clear_cache()
    # When a cascade is built with it as its LLM stage
    cascade = registry.get_verifier("cascade", {"llm_backend": "judge"})
    result = cascade.verify_batch([prose_request()])[0]
    # Then the LLM stage ran: the prose steps are decided by it
    assert isinstance(cascade, CascadeVerifier)
    assert result.first_error_index == 1
    assert [v.checker for v in result.steps][:2] == ["fake", "fake"]
    assert registry.is_configured("cascade", {"llm_backend": "judge"})


def test_at_django_start_up_the_extra_backends_setting_registers_into_the_table():
    # Given a fresh process whose environment names an extra backend and makes it the cascade's LLM stage
    code = (
        "import django, json\n"
        "django.setup()\n"
        "from django.conf import settings\n"
        "from verifier_worker import registry\n"
        "registry.clear_cache()\n"
        "from verifier_worker.types import Problem, StepInput, VerificationRequest\n"
        "request = VerificationRequest(problem=Problem('Compute (2 + 3) * 2.', '10'), steps=(\n"
        "    StepInput(0, 'Let x be the number of apples.'), StepInput(1, 'Then x doubles WRONG'), StepInput(2, 'x = 5')))\n"
        "verifier = registry.get_verifier('cascade', settings.VERIFIER_OPTIONS, settings.VERIFIER_EXTRA_BACKENDS)\n"
        "result = verifier.verify_batch([request])[0]\n"
        "print(json.dumps({'checkers': [v.checker for v in result.steps], 'queue': registry.queue_for('judge'),\n"
        "    'choices': registry.teacher_choices(settings.VERIFIER_OPTIONS)}))\n"
    )
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tutor.settings.test",
        "VERIFIER_EXTRA_BACKENDS": f"judge={FAKE};queue=gpu;label=Judge;teachers=yes",
        "VERIFIER_CASCADE_LLM": "judge",
    }
    # When the grading service's own call builds the cascade there
    done = subprocess.run([sys.executable, "-c", code], cwd=REPO, env=env, capture_output=True, text=True, timeout=120)
    # Then the extra backend is a whole backend: its queue, its label, and the cascade's LLM stage
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert report["checkers"][:2] == ["fake", "fake"]
    assert report["queue"] == "gpu"
    assert ["cascade", "Symbolic checker, then the LLM verifier for what it cannot decide"] in report["choices"]
    assert ["judge", "Judge"] in report["choices"]


def test_the_environment_is_parsed_once_for_django_and_the_plain_cli():
    parsed = config.from_environ(
        {
            "VERIFIER_BASE_URL": "http://gpu:8001/v1",
            "VERIFIER_MODEL": "launch/ThinkPRM-1.5B",
            "VERIFIER_MAX_RETRIES": "3",
            "VERIFIER_STRUCTURED_OUTPUTS": "yes",
            "VERIFIER_CASCADE_LLM": "openai",
            "VERIFIER_EXTRA_BACKENDS": f"judge={FAKE}",
        }
    )
    assert parsed.options["base_url"] == "http://gpu:8001/v1"
    assert parsed.options["structured_outputs"] is True
    assert parsed.options["max_retries"] == 3
    assert parsed.grading_options["max_retries"] == 0
    assert parsed.options["llm_backend"] == "openai"
    assert [s.name for s in parsed.extra_backends] == ["judge"]
    assert config.from_environ({}).options["base_url"] == ""
    with pytest.raises(VerifierMisconfigured, match="VERIFIER_TIMEOUT='soon' is not a number"):
        config.from_environ({"VERIFIER_TIMEOUT": "soon"})
    with pytest.raises(VerifierMisconfigured, match="VERIFIER_CONCURRENCY='-1' must not be negative"):
        config.from_environ({"VERIFIER_CONCURRENCY": "-1"})
