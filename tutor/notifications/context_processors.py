"""The unread count in the navigation, on every page."""

from __future__ import annotations

from django.http import HttpRequest

from . import selectors


def notifications(request: HttpRequest) -> dict[str, object]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"unread_notifications": selectors.unread_count(user=user)}
