"""The site-wide audit log: its filters, and its export as CSV or JSON Lines. Read-only: nothing here writes to
the log (the export itself is recorded by `services.audit_log_export`).

Filters: the class, a user (events they made, or events on their own submissions), the event type, and a date
range (whole days in the site's time zone, both ends included). One row per event:
`id, created_at (ISO 8601, UTC), event_type, event_label, actor (username or empty), target_type, target_id,
course_id (or empty), details (JSON)`. The JSON Lines export has the same keys with `details` as an object and
`course_id` as a number or null. In the CSV, a cell that a spreadsheet would run as a formula (starting with
= + - @, a tab or a carriage return) gets a leading apostrophe; `unescape_cell` takes it off again.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from django.contrib.auth.models import User
from django.db.models import CharField, Q, QuerySet
from django.db.models.functions import Cast
from django.utils import timezone

from grading.models import Submission
from tutor.audit.models import AuditEvent

COLUMNS = (
    "id", "created_at", "event_type", "event_label", "actor", "target_type", "target_id", "course_id", "details",
)  # fmt: skip
PAGE_SIZE = 50
# An export holds at most this many events; a larger one is refused with a request to narrow the filters.
EXPORT_MAX_ROWS = 100_000
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class AuditFilter:
    course_id: int | None = None
    user: User | None = None
    event_type: str = ""
    since: date | None = None
    until: date | None = None

    def as_details(self) -> dict[str, Any]:
        """JSON-friendly, for the export's own audit event."""
        return {
            "course_id": self.course_id,
            "user": self.user.username if self.user else "",
            "event_type": self.event_type,
            "since": self.since.isoformat() if self.since else "",
            "until": self.until.isoformat() if self.until else "",
        }


def _start_of(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min), timezone.get_current_timezone())


def events(audit_filter: AuditFilter) -> QuerySet[AuditEvent]:
    """The events the filter selects, newest first."""
    found = AuditEvent.objects.select_related("actor")
    if audit_filter.course_id is not None:
        found = found.filter(course_id=audit_filter.course_id)
    if audit_filter.user is not None:
        own_work = (
            Submission.objects.filter(student=audit_filter.user)
            .annotate(target=Cast("pk", CharField()))
            .values("target")
        )
        found = found.filter(
            Q(actor=audit_filter.user)
            | Q(target_type=Submission._meta.label_lower, target_id__in=own_work)
            | Q(target_type=User._meta.label_lower, target_id=str(audit_filter.user.pk))
        )
    if audit_filter.event_type:
        found = found.filter(event_type=audit_filter.event_type)
    if audit_filter.since is not None:
        found = found.filter(created_at__gte=_start_of(audit_filter.since))
    if audit_filter.until is not None:
        found = found.filter(created_at__lt=_start_of(audit_filter.until + timedelta(days=1)))
    return found.order_by("-created_at", "-id")


def row(event: AuditEvent) -> dict[str, Any]:
    return {
        "id": event.pk,
        "created_at": event.created_at.astimezone(UTC).isoformat(),
        "event_type": event.event_type,
        "event_label": event.event_label,
        "actor": event.actor.username if event.actor else "",
        "target_type": event.target_type,
        "target_id": event.target_id,
        "course_id": event.course_id,
        "details": event.details,
    }


def escape_cell(value: str) -> str:
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def unescape_cell(value: str) -> str:
    return value[1:] if value.startswith("'") and value[1:].startswith(FORMULA_STARTS) else value


def csv_lines(found: Iterable[AuditEvent]) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)

    def flush() -> str:
        text = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate(0)
        return text

    writer.writerow(COLUMNS)
    yield flush()
    for event in found:
        values = row(event)
        values["details"] = json.dumps(values["details"], sort_keys=True, ensure_ascii=False)
        values["course_id"] = "" if values["course_id"] is None else values["course_id"]
        writer.writerow([escape_cell(str(values[column])) for column in COLUMNS])
        yield flush()


def jsonl_lines(found: Iterable[AuditEvent]) -> Iterator[str]:
    for event in found:
        yield json.dumps(row(event), sort_keys=True, ensure_ascii=False) + "\n"
