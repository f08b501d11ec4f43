"""The dates an assignment may carry (opens_at, due_at): the one rule, used by the model, the form and the
problem-set importer, and enforced by a database constraint.

Dates must fall in the years 2000 to 2100 *after* conversion to UTC, and a written UTC offset must be within
±15:59 (PostgreSQL's range). Outside them a date either cannot be stored (an offset of +16:00) or cannot be read
back (9999-12-31 23:59 at -01:00 is year 10000 in UTC: every page that loads the assignment would fail).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from django.core.exceptions import ValidationError
from django.utils import timezone

EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
LATEST = datetime(2100, 12, 31, 23, 59, 59, tzinfo=UTC)
MAX_UTC_OFFSET = timedelta(hours=15, minutes=59)
RANGE_TEXT = "from 2000-01-01 to 2100-12-31 (UTC)"


class DateOutOfRange(ValueError):
    """A date this site does not accept; `message` says which part is wrong and what is allowed."""

    def __init__(self, message: str, code: str) -> None:
        super().__init__(message)
        self.message = message
        self.code = code


def _offset_text(offset: timedelta) -> str:
    sign = "-" if offset < timedelta(0) else "+"
    minutes = int(abs(offset).total_seconds()) // 60
    return f"{sign}{minutes // 60:02d}:{minutes % 60:02d}"


def schedule_date(value: datetime) -> datetime:
    """`value` as an aware datetime in UTC, or `DateOutOfRange`. A naive value is in the site's time zone."""
    offset = value.utcoffset()
    if offset is not None and abs(offset) > MAX_UTC_OFFSET:
        raise DateOutOfRange(
            f"the UTC offset {_offset_text(offset)} is out of range; offsets go from -15:59 to +15:59.",
            code="offset_out_of_range",
        )
    out_of_range = DateOutOfRange(
        f"{value:%Y-%m-%d %H:%M} is outside the dates this site accepts: {RANGE_TEXT}.", code="date_out_of_range"
    )
    # Checked before converting: a year-9999 date may not survive the conversion to UTC at all.
    if not EARLIEST.year <= value.year <= LATEST.year:
        raise out_of_range
    aware = timezone.make_aware(value) if timezone.is_naive(value) else value
    utc = aware.astimezone(UTC)
    if not EARLIEST <= utc <= LATEST:
        raise out_of_range
    return utc


def validate_schedule_date(value: datetime | None) -> None:
    """Model field validator for opens_at and due_at."""
    if value is None:
        return
    try:
        schedule_date(value)
    except DateOutOfRange as exc:
        raise ValidationError(exc.message, code=exc.code) from exc
