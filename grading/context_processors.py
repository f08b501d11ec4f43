"""Template context every page needs: whether the user teaches, and how many grades wait for review."""

from __future__ import annotations

from django.http import HttpRequest

from tutor.classroom.models import Enrollment

from . import selectors


def teaching(request: HttpRequest) -> dict[str, object]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    teaches = Enrollment.objects.filter(user_id=user.pk, role__in=selectors.STAFF_ROLES).exists()
    if not teaches:
        return {"teaches": False}
    return {"teaches": True, "review_count": selectors.review_queue(user=user).count()}
