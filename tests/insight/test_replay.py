"""Replay: the same input on the current or another configured backend, a step-by-step diff, the grade untouched."""

from __future__ import annotations

import pytest
from django.urls import reverse

from grading.models import Override, Step, Submission, VerificationRun
from tutor.audit.models import AuditEvent
from tutor.insight import services
from tutor.insight.errors import InsightError
from tutor.insight.models import ReplayRun
from verifier_worker import registry
from verifier_worker.registry import BackendSpec

pytestmark = pytest.mark.django_db


@pytest.fixture
def backends():
    registry.register(
        [
            BackendSpec("second", "tests.insight.backends:SecondOpinionVerifier", label="Second opinion",
                        teacher_visible=True),
            BackendSpec("broken", "tests.insight.backends:BrokenVerifier", label="Broken", teacher_visible=True),
        ]
    )  # fmt: skip
    yield
    registry.reset()


def snapshot(submission: Submission) -> tuple:
    submission.refresh_from_db()
    steps = list(Step.objects.filter(submission=submission).order_by("index").values_list(
        "verdict", "confidence", "teacher_verdict", "explanation"))  # fmt: skip
    return (
        submission.score, submission.first_error_index, submission.auto_first_error_index, submission.status,
        submission.grading_version, steps, VerificationRun.objects.filter(submission=submission).count(),
        Override.objects.filter(submission=submission).count(),
    )  # fmt: skip


def ask(client, submission, backend):
    return client.post(reverse("insight:replay_create", args=[submission.pk]), {"backend": backend})


def test_replay_on_another_backend_shows_the_diff_and_leaves_the_grade_alone(
    client, history, backends, django_capture_on_commit_callbacks
):
    # Given S3: fake flagged step 1 (WRONG a = 1); the teacher cleared it and marked step 3
    s3 = history.subs["S3"]
    before = snapshot(s3)
    client.force_login(history.admin)
    # When the admin replays it on the second-opinion backend (the task runs on commit, eagerly here)
    with django_capture_on_commit_callbacks(execute=True):
        response = ask(client, s3, "second")
    replay = ReplayRun.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("insight:replay", args=[replay.pk])
    # Then the replay is done with its own verdicts: step 1 now correct, step 2 incorrect
    replay.refresh_from_db()
    assert replay.status == "done"
    assert replay.first_error_index == 1
    assert (replay.model_id, replay.prompt_version, replay.prompt_tokens, replay.latency_ms) == (
        "second-opinion-1", "second-v1", 40, 12.5)  # fmt: skip
    # And nothing about the grade changed
    assert snapshot(s3) == before
    # And the page shows the step-by-step diff and the chain per step
    html = client.get(reverse("insight:replay", args=[replay.pk])).content.decode()
    assert 'data-testid="replay-changed"' in html
    assert "2 step verdicts changed." in html
    assert "First error: step 1 on record, step 2 now." in html
    assert html.count('data-changed="yes"') == 2
    assert html.count('data-changed="no"') == 1
    assert "Step 2: incorrect" in html
    # And the request is in the audit log
    event = AuditEvent.objects.get(event_type="replay.requested")
    assert event.actor == history.admin
    assert event.details == {"replay_id": replay.pk, "backend": "second", "grading_version": 1}


def test_replay_on_the_same_backend_says_the_verdicts_are_the_same(client, history, django_capture_on_commit_callbacks):
    client.force_login(history.admin)
    with django_capture_on_commit_callbacks(execute=True):
        ask(client, history.subs["S2"], "fake")
    replay = ReplayRun.objects.get()
    html = client.get(reverse("insight:replay", args=[replay.pk])).content.decode()
    assert 'data-testid="replay-same"' in html


def test_the_replay_runs_the_frozen_input_even_after_the_submission_changes(
    client, history, backends, django_capture_on_commit_callbacks
):
    s3 = history.subs["S3"]
    client.force_login(history.admin)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        ask(client, s3, "second")
    # Meanwhile the problem is edited
    s3.problem.reference_answer = "changed"
    s3.problem.save()
    for callback in callbacks:
        callback()
    replay = ReplayRun.objects.get()
    assert replay.request["problem"]["reference_answer"] == "5"
    assert [s["text"] for s in replay.request["steps"]] == ["WRONG a = 1", "b = 2", "c = 3"]
    assert replay.status == "done"


def test_a_failing_backend_reports_its_error_and_changes_nothing(
    client, history, backends, django_capture_on_commit_callbacks
):
    s2 = history.subs["S2"]
    before = snapshot(s2)
    client.force_login(history.admin)
    with django_capture_on_commit_callbacks(execute=True):
        ask(client, s2, "broken")
    replay = ReplayRun.objects.get()
    assert replay.status == "failed"
    assert "no model at /models/none" in replay.error
    html = client.get(reverse("insight:replay", args=[replay.pk])).content.decode()
    assert 'data-testid="replay-error"' in html
    assert snapshot(s2) == before


def test_unconfigured_backend_is_refused_with_the_reason(client, history):
    client.force_login(history.admin)
    with pytest.raises(InsightError, match="cannot run a replay here: no model server is configured"):
        services.replay_request(submission=history.subs["S2"], actor=history.admin, backend="openai")
    response = ask(client, history.subs["S2"], "openai")  # not among the form's choices
    assert response.status_code == 302
    assert not ReplayRun.objects.exists()


def test_one_replay_at_a_time_per_submission(client, history, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        services.replay_request(submission=history.subs["S2"], actor=history.admin, backend="fake")
        with pytest.raises(InsightError, match="already running"):
            services.replay_request(submission=history.subs["S2"], actor=history.admin, backend="fake")
    assert ReplayRun.objects.count() == 1


def test_a_redelivered_replay_does_nothing(history, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        replay = services.replay_request(submission=history.subs["S2"], actor=history.admin, backend="fake")
    replay.refresh_from_db()
    finished = replay.finished_at
    assert services.replay_run(replay_id=replay.pk) is None
    assert services.replay_run(replay_id=987654) is None  # gone
    replay.refresh_from_db()
    assert replay.finished_at == finished


def test_the_replay_page_polls_until_done_then_stops_with_286(client, history, django_capture_on_commit_callbacks):
    client.force_login(history.admin)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        ask(client, history.subs["S2"], "fake")
    replay = ReplayRun.objects.get()
    url = reverse("insight:replay", args=[replay.pk])
    pending = client.get(url, headers={"HX-Request": "true"})
    assert pending.status_code == 200
    assert 'hx-trigger="every 2s"' in pending.content.decode()
    for callback in callbacks:
        callback()
    done = client.get(url, headers={"HX-Request": "true"})
    assert done.status_code == 286
    assert 'data-status="done"' in done.content.decode()


def test_only_site_staff_can_replay(client, history):
    s2 = history.subs["S2"]
    for who in (history.teacher, s2.student):
        client.force_login(who)
        assert ask(client, s2, "fake").status_code == 404
        assert client.get(reverse("insight:submission", args=[s2.pk])).status_code == 404
    with pytest.raises(InsightError, match="Only site staff"):
        services.replay_request(submission=s2, actor=history.teacher, backend="fake")
    assert not ReplayRun.objects.exists()
