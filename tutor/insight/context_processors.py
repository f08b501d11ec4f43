"""Whether the site-wide insight pages belong in this user's navigation (the access module's site-staff rule)."""

from __future__ import annotations

from django.http import HttpRequest

from tutor.classroom import access


def site_staff(request: HttpRequest) -> dict[str, object]:
    return {"site_staff": access.is_site_staff(getattr(request, "user", None))}
