"""Teachers are offered only the checkers that can run on this server (the registry says which), in plain words;
a checker that cannot run fails with a message a teacher can act on (issue 9, defect 7)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tutor.classroom import backends
from tutor.classroom.importers import ProblemSetError, parse_problem_set

pytestmark = pytest.mark.django_db

NO_SERVER = {"base_url": "", "model": "", "model_path": "", "llm_backend": ""}


def test_with_no_model_server_only_the_step_checker_is_offered(client, teacher, course, settings):
    # Given a server with no model server and no local model
    settings.VERIFIER_OPTIONS = {**settings.VERIFIER_OPTIONS, **NO_SERVER}
    client.force_login(teacher)
    # When the teacher opens the new-assignment form
    page = client.get(reverse("assignment_create", args=[course.pk])).content.decode()
    # Then the symbolic checker is offered, and none of the four AI backends (they used to be, and then failed)
    assert 'value="symbolic"' in page
    for name in ("cascade", "openai", "vllm", "transformers"):
        assert f'value="{name}"' not in page, name
    # And the labels are plain words, with help for the AI-only settings
    assert "Step checker (arithmetic and algebra, no AI model)" in page
    assert "Parallel verifications (K)" not in page
    assert "Independent checks per solution" in page
    assert "Test-time budget" not in page


def test_the_importer_refuses_a_checker_that_cannot_run_here(settings):
    settings.VERIFIER_OPTIONS = {**settings.VERIFIER_OPTIONS, **NO_SERVER}
    text = "---\ntitle: HW\nverifier_backend: openai\n---\n## One\nWhat is 1 + 1?\n### Answer\n2\n"
    with pytest.raises(ProblemSetError) as info:
        parse_problem_set(text.encode(), "hw.md")
    assert any("verifier_backend" in error and "openai" in error for error in info.value.errors)


def test_a_configured_model_server_adds_the_ai_checkers(settings):
    settings.VERIFIER_OPTIONS = {
        **settings.VERIFIER_OPTIONS,
        **NO_SERVER,
        "base_url": "http://127.0.0.1:8001/v1",
        "model": "prm",
        "llm_backend": "openai",
    }
    names = [name for name, _ in backends.backend_choices()]
    assert "openai" in names
    assert "cascade" in names
    assert "vllm" not in names


def test_an_assignment_keeps_its_checker_listed_even_if_it_no_longer_runs_here(settings):
    settings.VERIFIER_OPTIONS = {**settings.VERIFIER_OPTIONS, **NO_SERVER}
    choices = dict(backends.backend_choices(current="openai"))
    assert "not set up on this server" in choices["openai"]


def test_a_failing_checker_tells_the_teacher_what_to_do(settings):
    settings.VERIFIER_OPTIONS = {**settings.VERIFIER_OPTIONS, **NO_SERVER}
    reason = backends.not_available_reason("openai")
    assert "not set up on this server" in reason
    assert "Choose another checker" in reason
    assert "tokenizer_path" not in reason
