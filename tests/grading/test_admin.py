"""Every grading model is in the admin; runs and audit events cannot be changed there."""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.urls import reverse

from grading import services
from grading.models import Override, RegradeRequest, Step, Submission, VerificationRun
from tests.factories import SubmissionFactory, UserFactory
from tutor.audit.models import AuditEvent


def test_every_grading_model_is_registered():
    for model in (Submission, Step, VerificationRun, Override, RegradeRequest, AuditEvent):
        assert admin.site.is_registered(model)


@pytest.mark.parametrize("model", [VerificationRun, AuditEvent])
def test_runs_and_audit_events_are_read_only(db, rf, model):
    request = rf.get("/")
    request.user = UserFactory(is_staff=True, is_superuser=True)
    model_admin = admin.site._registry[model]
    assert not model_admin.has_add_permission(request)
    assert not model_admin.has_change_permission(request)
    assert not model_admin.has_delete_permission(request)


def test_admin_pages_render_for_a_graded_submission(client, classroom):
    submission = SubmissionFactory(problem=classroom.problem, student=classroom.student, text="a\nb WRONG")
    services.submission_grade(submission_id=submission.pk, grading_version=1)
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    run = VerificationRun.objects.get()
    for url in (
        reverse("admin:grading_submission_change", args=[submission.pk]),
        reverse("admin:grading_verificationrun_change", args=[run.pk]),
        reverse("admin:audit_auditevent_changelist"),
    ):
        assert client.get(url).status_code == 200
