"""load_demo seeds a reviewed history: the insight pages have something in them, and on a fresh demo database
`export_step_labels` prints records that `evaluate_verifier` loads."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse

from grading.models import Override, RegradeRequest, Submission
from tutor.audit.models import AuditEvent
from tutor.insight import agreement, selectors

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(settings):
    # The demo's own checker, as under `make run` (test settings default to the fake backend)
    settings.VERIFIER_DEFAULT_BACKEND = "symbolic"
    call_command("load_demo", stdout=StringIO())


def counts():
    return [m.objects.count() for m in (Submission, Override, RegradeRequest, AuditEvent)]


SEEDED = ("dan", "erin", "farid", "grace", "hiro", "ines")


def test_load_demo_seeds_a_reviewed_history_once(demo):
    submissions = Submission.objects.filter(student__username__in=SEEDED)
    assert submissions.count() == 21
    assert submissions.values("student").distinct().count() == 6
    assert all(s.status in ("graded", "needs_review") for s in submissions)
    assert submissions.filter(backend="symbolic").count() == 21
    assert Override.objects.filter(action="set").exists()
    assert RegradeRequest.objects.filter(status="open").count() == 1
    assert RegradeRequest.objects.filter(status__in=RegradeRequest.ANSWERED).count() >= 2
    reviewed = selectors.reviewed_grades().solutions
    assert len(reviewed) >= 6
    figures = agreement.agreement(reviewed)
    assert figures.overrides.in_force > 0
    assert figures.first_error_agree > 0
    before = counts()
    call_command("load_demo", stdout=StringIO())
    assert counts() == before


def test_export_step_labels_on_the_demo_prints_records_evaluate_verifier_loads(demo, tmp_path):
    out = StringIO()
    call_command("export_step_labels", stdout=out, stderr=StringIO())
    lines = out.getvalue().splitlines()
    assert lines
    assert all(json.loads(line)["step_labels"] for line in lines)
    path = tmp_path / "demo.jsonl"
    path.write_text(out.getvalue(), encoding="utf-8")
    report = StringIO()
    call_command("evaluate_verifier", "--dataset", str(path), "--backend", "symbolic", "--workers", "0", "--json",
                 stdout=report)  # fmt: skip
    figures = json.loads(report.getvalue())
    assert figures["records"] >= 5
    assert figures["errors"] == 0


def test_the_insight_pages_have_something_in_them(client, demo):
    from django.contrib.auth.models import User

    client.force_login(User.objects.get(username="admin"))
    assert 'data-testid="no-reviews"' not in client.get(reverse("insight:agreement")).content.decode()
    assert "record(s) from" in client.get(reverse("insight:training_data")).content.decode()
    client.force_login(User.objects.get(username="teacher"))
    problem = Submission.objects.filter(student__username="dan").first().problem
    html = client.get(reverse("insight:problem_analytics", args=[problem.pk])).content.decode()
    assert "Most attempts first went wrong at" in html
