"""Rendering is bounded: linear on adversarial Markdown, every rendered field capped, each text rendered once."""

from __future__ import annotations

import time

import pytest
from django.core.cache import cache
from django.template import Context, Template
from django.urls import reverse

from tests.factories import AssignmentFactory, EnrollmentFactory, UserFactory
from tutor.classroom import rendering
from tutor.classroom.importers import ProblemSetError, parse_problem_set
from tutor.classroom.models import Enrollment

# Generous for a shared, loaded 2-core machine: the quadratic renderer took minutes on these, a linear one well
# under a second.
BOUND_SECONDS = 10
ADVERSARIAL_UNITS = {
    "setext_headings": "a\n===\n",
    "atx_headings": "# a\n",
    "open_brackets": "[",
    "half_links": "[a](",
    "open_angles": "<a ",
    "emphasis": "*a ",
    "underscores": "_a ",
    "backticks": "`",
    "quotes": "> ",
    "list_items": "- a\n",
    "nested_lists": "- ",
    "table_rows": "|a|\n",
    "dollars": "$a ",
    "math_openers": "\\(",
    "mixed": "*_[`<$\\[",
}


@pytest.mark.parametrize("name", sorted(ADVERSARIAL_UNITS))
def test_adversarial_markdown_renders_in_linear_time(settings, name):
    # Given 120,000 characters of one pathological pattern (six times the input caps; the render cap lifted)
    settings.MARKDOWN_RENDER_MAX_CHARS = 200_000
    unit = ADVERSARIAL_UNITS[name]
    text = unit * (120_000 // len(unit))
    # When it is rendered / Then it takes well under the bound (Python-Markdown: 20 s for 60,000 of setext)
    started = time.monotonic()
    html = rendering.render_markdown(text)
    elapsed = time.monotonic() - started
    assert elapsed < BOUND_SECONDS, f"{name}: {elapsed:.1f}s"
    assert "<script" not in html


def test_text_past_the_render_cap_is_shown_as_plain_text(settings):
    settings.MARKDOWN_RENDER_MAX_CHARS = 1000
    html = rendering.render_markdown("a\n===\n<b>x</b>" * 500)
    assert "<h1>" not in html
    assert "&lt;b&gt;" in html
    assert "cut at 1,000 characters" in html


def test_the_template_filter_renders_each_text_once_keyed_by_content(monkeypatch):
    # Given a counting renderer and an empty cache
    cache.clear()
    calls: list[str] = []
    real = rendering.render_markdown
    monkeypatch.setattr(rendering, "render_markdown", lambda text: calls.append(text) or real(text))
    template = Template("{% load classroom %}{{ text|markdown }}")
    # When the same statement is shown three times and another one once
    outputs = [template.render(Context({"text": "Solve **$x_1 = 2$**."})) for _ in range(3)]
    other = template.render(Context({"text": "Another *one*."}))
    # Then each distinct text was rendered once, and the cached HTML is the rendered HTML
    assert calls == ["Solve **$x_1 = 2$**.", "Another *one*."]
    assert outputs[0] == outputs[2] == real("Solve **$x_1 = 2$**.")
    assert "<em>one</em>" in other


def test_a_forged_placeholder_in_the_text_is_inert():
    html = rendering.render_markdown("\ue000MATH0\ue001 and $x$")
    assert "MATH0" in html  # the private-use markers are dropped, the rest is plain text
    assert "$x$" in html


def test_the_importer_caps_instructions(settings):
    settings.ASSIGNMENT_INSTRUCTIONS_MAX_CHARS = 100
    text = "---\ntitle: T\ninstructions: '" + "a" * 101 + "'\n---\n## One\nS\n\n### Answer\n1\n"
    with pytest.raises(ProblemSetError) as info:
        parse_problem_set(text.encode(), "set.md")
    assert any("Field 'instructions'" in e and "101 characters; the limit is 100" in e for e in info.value.errors)


@pytest.mark.django_db
def test_the_assignment_form_caps_instructions(client, settings):
    settings.ASSIGNMENT_INSTRUCTIONS_MAX_CHARS = 100
    assignment = AssignmentFactory()
    teacher = UserFactory(username="teacher-cap")
    EnrollmentFactory(course=assignment.course, user=teacher, role=Enrollment.Role.TEACHER)
    client.force_login(teacher)
    page = client.get(reverse("assignment_create", args=[assignment.course_id])).content.decode()
    assert 'maxlength="100"' in page
    form = {"title": "Long", "instructions": "a" * 101, "late_policy": "penalty", "late_penalty_percent": 10,
            "max_attempts": 3, "verifier_backend": "symbolic", "verification_parallel": 1, "verification_rounds": 1,
            "review_threshold": 0.5}  # fmt: skip
    response = client.post(reverse("assignment_create", args=[assignment.course_id]), form)
    assert "101 characters; the limit is 100" in response.content.decode()
    assert not assignment.course.assignments.filter(title="Long").exists()


@pytest.mark.django_db
def test_instructions_stored_before_the_cap_no_longer_slow_every_view(client):
    # Given 60,000 characters of setext headings stored as instructions (20 s a view before)
    assignment = AssignmentFactory(instructions="a\n===\n" * 10_000)
    teacher = UserFactory(username="teacher-slow")
    EnrollmentFactory(course=assignment.course, user=teacher, role=Enrollment.Role.TEACHER)
    client.force_login(teacher)
    # When the assignment page is viewed twice / Then both answer, quickly
    started = time.monotonic()
    for _ in range(2):
        assert client.get(reverse("assignment_detail", args=[assignment.pk])).status_code == 200
    assert time.monotonic() - started < BOUND_SECONDS


def test_an_unreachable_cache_costs_a_render_not_the_page(monkeypatch):
    def down(*args, **kwargs):
        raise ConnectionError("cache down")

    monkeypatch.setattr(rendering.cache, "get", down)
    assert "<strong>x</strong>" in rendering.render_markdown_cached("**x**")
