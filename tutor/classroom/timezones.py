"""Each class shows dates, and reads the dates its teacher types, in the class's own time zone."""

from __future__ import annotations

import zoneinfo
from functools import cache

from django.conf import settings
from django.utils import timezone

from .models import Course


@cache
def choices() -> list[tuple[str, str]]:
    names = sorted(zoneinfo.available_timezones() - {"localtime", "Factory"})
    return [(name, name.replace("_", " ")) for name in names]


def is_valid(name: str) -> bool:
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return False
    return True


def zone_of(course: Course) -> zoneinfo.ZoneInfo:
    name = course.time_zone if course.time_zone and is_valid(course.time_zone) else settings.TIME_ZONE
    return zoneinfo.ZoneInfo(name)


def use_class_time_zone(course: Course) -> None:
    """Render the rest of this request in the class's time zone (the middleware resets it afterwards)."""
    timezone.activate(zone_of(course))
