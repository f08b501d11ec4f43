from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django import template

register = template.Library()


@register.filter
def lookup(mapping: Mapping[Any, Any] | None, key: Any) -> Any:
    """`{{ forms|lookup:step.index }}`: an item of a dict the view built, or None."""
    return (mapping or {}).get(key)


@register.filter
def step_at(steps: Iterable[Any], index: int | None) -> Any:
    """The step with this index among a submission's steps, or None."""
    return next((step for step in steps if step.index == index), None)
