"""Why did this student get this grade? The story page, the run detail (raw output per step) and the link to it."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from grading.models import VerificationRun
from tutor.insight.runlog import MAX_PARTS, chain_parts

pytestmark = pytest.mark.django_db

THINKPRM = (
    "Let's check each step.\n"
    "**Step 1:** 3x = 15 divides correctly. The step is \\boxed{correct}\n"
    "Step 2: x = 6 contradicts 3x = 15. The step is \\boxed{incorrect}\n"
    "Is the solution correct? No"
)


def test_a_chain_of_thought_is_cut_into_one_part_per_step():
    parts = chain_parts(THINKPRM)
    assert [(p.step, p.verdict) for p in parts] == [(1, "correct"), (2, "incorrect"), (None, "")]
    assert parts[0].text.startswith("Let's check each step.")
    assert parts[0].text.endswith("\\boxed{correct}")
    assert parts[2].text == "Is the solution correct? No"


def test_parts_without_headers_follow_the_previous_one_and_chunk_judge_labels_are_read():
    parts = chain_parts("ok \\boxed{Positive} then \\boxed{\\text{Negative}}")
    assert [(p.step, p.verdict) for p in parts] == [(1, "correct"), (2, "incorrect")]


def test_an_output_without_verdicts_is_one_part_and_hostile_output_is_bounded():
    assert [(p.step, p.text) for p in chain_parts("The earliest error is in \\boxed{2}.")] == [
        (None, "The earliest error is in \\boxed{2}.")
    ]
    many = chain_parts("\\boxed{correct}" * 10_000)
    assert len(many) == MAX_PARTS
    assert chain_parts("") == [chain_parts("")[0]]
    assert chain_parts("")[0].text == ""


def test_the_story_page_answers_why_this_grade(client, history):
    s3 = history.subs["S3"]
    client.force_login(history.admin)
    html = client.get(reverse("insight:submission", args=[s3.pk])).content.decode()
    # The grade, and the verifier's first error beside the one in force
    assert "step 3" in html
    assert "(the verifier said step 1)" in html
    # Every step: the verifier's verdict and the teacher's, with who and why
    assert "Sign error." in html
    assert "by teacher1" in html
    # Every override and who made it, and the runs with a link to each
    assert html.count("<td>teacher1</td>") == 2
    run = VerificationRun.objects.get(submission=s3)
    assert reverse("insight:run", args=[run.pk]) in html
    # The events, and the replay form offering the configured backends
    assert "Step verdict changed" in html
    assert 'name="backend"' in html


def test_the_run_detail_shows_how_the_verdicts_were_made(client, history):
    s3 = history.subs["S3"]
    # Given a failed attempt before the run that stored the verdicts (a retry of the same version)
    VerificationRun.objects.create(
        submission=s3,
        grading_version=1,
        backend="openai",
        error="unavailable: connection refused",
        started_at=timezone.now().replace(year=2020),
    )
    run = VerificationRun.objects.filter(submission=s3, error="").get()
    run.raw_output, run.prompt, run.model_id, run.prompt_version = THINKPRM, "PROMPT TEXT", "m-1", "thinkprm-v1"
    run.prompt_tokens, run.completion_tokens, run.latency_ms = 120, 80, 431.0
    run.chains = [{"text": THINKPRM, "tokens": 80, "first_error_index": 1, "score": 0.1, "finish_reason": "stop"}]
    run.save()
    client.force_login(history.admin)
    html = client.get(reverse("insight:run", args=[run.pk])).content.decode()
    for text in ("m-1", "thinkprm-v1", "120 prompt + 80 completion", "431.0 ms", "PROMPT TEXT",
                 "attempt 2 of 2 for this version", "unavailable: connection refused", "Chain 1 · 80 tokens"):  # fmt: skip
        assert text in html, text
    # The chain of thought is collapsible per step, the incorrect step open
    assert html.count("<summary>Step 2: incorrect</summary>") == 2
    assert '<details class="insight-part insight-part-incorrect" open>' in html


def test_story_and_run_pages_are_for_site_staff_only(client, history):
    s2 = history.subs["S2"]
    run = VerificationRun.objects.filter(submission=s2).first()
    for who in (history.teacher, s2.student):
        client.force_login(who)
        assert client.get(reverse("insight:submission", args=[s2.pk])).status_code == 404
        assert client.get(reverse("insight:run", args=[run.pk])).status_code == 404
    client.force_login(history.admin)
    assert client.get(reverse("insight:submission", args=[999999])).status_code == 404
    assert client.get(reverse("insight:run", args=[999999])).status_code == 404


def test_the_feedback_page_links_site_staff_to_the_story(client, history):
    s2 = history.subs["S2"]
    link = reverse("insight:submission", args=[s2.pk])
    client.force_login(history.teacher)
    assert link not in client.get(reverse("submission_detail", args=[s2.pk])).content.decode()
    client.force_login(history.admin)
    assert link in client.get(reverse("submission_detail", args=[s2.pk])).content.decode()
    assert reverse("insight:index") in client.get(reverse("home")).content.decode()
