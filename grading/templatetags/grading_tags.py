from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django import template

register = template.Library()


@register.filter
def lookup(mapping: Mapping[Any, Any] | None, key: Any) -> Any:
    """`{{ forms|lookup:step.index }}`: an item of a dict the view built, or None."""
    return (mapping or {}).get(key)
