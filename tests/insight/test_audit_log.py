"""The site-wide audit log page: filters, pagination, read-only, and exports that round-trip."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.factories import UserFactory
from tutor.audit.events import AuditEventType
from tutor.audit.models import AuditEvent
from tutor.audit.services import record
from tutor.insight import audit_log
from tutor.insight.audit_log import AuditFilter, unescape_cell

pytestmark = pytest.mark.django_db
URL = reverse("insight:audit_log")


def shown_ids(response) -> set[int]:
    page = response.context["page"]
    return {event.pk for event in page.object_list}


def test_only_site_staff_see_the_log_and_nothing_on_it_writes(client, history):
    for who in (history.teacher, history.students[0]):
        client.force_login(who)
        assert client.get(URL).status_code == 404
    client.force_login(history.admin)
    assert client.get(URL).status_code == 200
    assert client.post(URL).status_code == 405
    assert client.delete(URL).status_code == 405


def test_filter_by_class(client, history):
    # Given an event in another class
    other = UserFactory(username="other_teacher")
    outside = record(event_type=AuditEventType.COURSE_CREATED, target=other, actor=other, course_id=987654)
    client.force_login(history.admin)
    course_id = history.problems[0].assignment.course_id
    response = client.get(URL, {"course": course_id})
    ids = shown_ids(response)
    assert outside.pk not in ids
    assert ids
    assert all(AuditEvent.objects.get(pk=i).course_id == course_id for i in ids)


def test_filter_by_user_shows_their_actions_and_events_on_their_work(client, history):
    client.force_login(history.admin)
    s3 = history.subs["S3"]
    ids = {e.pk for e in audit_log.events(AuditFilter(user=s3.student))}
    on_s3 = set(
        AuditEvent.objects.filter(target_type="grading.submission", target_id=str(s3.pk)).values_list("pk", flat=True)
    )
    assert on_s3
    assert on_s3 <= ids
    assert not ids & set(
        AuditEvent.objects.filter(target_id=str(history.subs["S2"].pk), target_type="grading.submission").values_list(
            "pk", flat=True
        )
    )
    teacher_ids = {e.pk for e in audit_log.events(AuditFilter(user=history.teacher))}
    assert teacher_ids == set(AuditEvent.objects.filter(actor=history.teacher).values_list("pk", flat=True))
    response = client.get(URL, {"user": s3.student.username, "event_type": "override.step"})
    assert len(shown_ids(response)) == 2


def test_filter_by_event_type_and_date_range(client, history):
    client.force_login(history.admin)
    old = AuditEvent.objects.filter(event_type="override.step").order_by("id").first()
    AuditEvent.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=10))
    today = timezone.localdate()
    response = client.get(URL, {"event_type": "override.step", "since": today.isoformat(), "until": today.isoformat()})
    ids = shown_ids(response)
    assert old.pk not in ids
    assert ids == set(
        AuditEvent.objects.filter(event_type="override.step").exclude(pk=old.pk).values_list("pk", flat=True)
    )
    response = client.get(URL, {"until": (today - timedelta(days=9)).isoformat()})
    assert shown_ids(response) == {old.pk}


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"since": "2026-05-02", "until": "2026-05-01"}, "The end date is before the start date."),
        ({"user": "nobody-here"}, "No user is called"),
        ({"event_type": "not.a.type"}, "Select a valid choice"),
        ({"since": "0202-01-01"}, "Give a date from 2000"),
    ],
)
def test_bad_filters_are_refused_clearly(client, history, query, message):
    client.force_login(history.admin)
    response = client.get(URL, query)
    assert response.status_code == 400
    assert message in response.content.decode()


def test_the_log_is_paginated_and_pages_keep_the_filters(client, history, monkeypatch):
    monkeypatch.setattr(audit_log, "PAGE_SIZE", 10)
    client.force_login(history.admin)
    total = AuditEvent.objects.count()
    assert total > 20  # the fixture's grading history alone
    first = client.get(URL)
    assert len(first.context["page"].object_list) == 10
    second = client.get(URL, {"page": 2})
    assert not shown_ids(first) & shown_ids(second)
    assert 'rel="next"' in first.content.decode()
    last = client.get(URL, {"page": 999})  # past the end: the last page, not an error
    assert last.status_code == 200
    assert last.context["page"].number == -(-total // 10)
    filtered = client.get(URL, {"event_type": "submission.graded"})
    assert "page=" not in filtered.context["query"]
    assert "event_type=submission.graded" in filtered.context["query"]


def test_csv_export_round_trips(client, history):
    # Given an event whose fields would run as a spreadsheet formula
    formula = UserFactory(username="-sum")
    record(
        event_type=AuditEventType.ADMIN_CHANGE,
        target=formula,
        actor=formula,
        details={"reason": '=HYPERLINK("x")', "n": 3},
    )
    client.force_login(history.admin)
    response = client.get(URL, {"export": "csv"})
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    events = list(AuditEvent.objects.exclude(event_type="audit_log.exported").order_by("-created_at", "-id"))
    assert [int(r["id"]) for r in rows] == [e.pk for e in events]
    for r, e in zip(rows, events, strict=True):
        assert json.loads(unescape_cell(r["details"])) == e.details
        assert unescape_cell(r["actor"]) == (e.actor.username if e.actor else "")
        assert (r["event_type"], r["target_type"], r["target_id"]) == (e.event_type, e.target_type, e.target_id)
        assert r["course_id"] == ("" if e.course_id is None else str(e.course_id))
        assert datetime.fromisoformat(r["created_at"]) == e.created_at
        assert r["created_at"] == e.created_at.astimezone(UTC).isoformat()
    # The formula-like cell is defused with an apostrophe
    assert any(r["actor"] == "'-sum" for r in rows)


def test_jsonl_export_round_trips_with_the_filters(client, history):
    client.force_login(history.admin)
    response = client.get(URL, {"export": "jsonl", "event_type": "override.step"})
    rows = [json.loads(line) for line in b"".join(response.streaming_content).decode().splitlines()]
    events = AuditEvent.objects.filter(event_type="override.step").order_by("-created_at", "-id")
    assert rows == [audit_log.row(e) for e in events]
    assert {r["actor"] for r in rows} == {"teacher1"}
    assert all(isinstance(r["details"], dict) and r["details"]["reason"] for r in rows)


def test_an_export_is_itself_recorded(client, history):
    client.force_login(history.admin)
    b"".join(client.get(URL, {"export": "jsonl", "event_type": "override.step"}).streaming_content)
    event = AuditEvent.objects.get(event_type="audit_log.exported")
    assert event.actor == history.admin
    assert event.details["filters"]["event_type"] == "override.step"
    assert event.details["rows"] == 4


def test_an_export_over_the_bound_is_refused(client, history, monkeypatch):
    monkeypatch.setattr(audit_log, "EXPORT_MAX_ROWS", 5)
    client.force_login(history.admin)
    response = client.get(URL, {"export": "csv"})
    assert response.status_code == 400
    assert "an export holds at most 5" in response.content.decode()
    assert not AuditEvent.objects.filter(event_type="audit_log.exported").exists()


def test_an_unknown_export_format_changes_nothing(client, history):
    client.force_login(history.admin)
    response = client.get(URL, {"export": "xlsx"})
    assert response.status_code == 400
    assert "Unknown export format" in response.content.decode()
    assert not AuditEvent.objects.filter(event_type="audit_log.exported").exists()
