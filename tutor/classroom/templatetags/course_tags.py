"""Template filters for the course-running pages (imports, rosters)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from django import template

register = template.Library()


@register.filter
def sum_points(problems: Iterable[Any]) -> Decimal:
    return sum((Decimal(problem.points) for problem in problems), Decimal(0))


@register.filter
def roster_count(preview: Any, outcome: str) -> int:
    return int(preview.count(outcome))


@register.filter
def get_item(mapping: Mapping[Any, Any], key: Any) -> Any:
    return mapping.get(key) if mapping else None
