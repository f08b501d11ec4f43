"""Template context every page needs: whether the teacher tools belong in the navigation, and how many grades
wait for review. The rules are the access module's."""

from __future__ import annotations

from django.http import HttpRequest

from tutor.classroom import access

from . import selectors


def teaching(request: HttpRequest) -> dict[str, object]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    if not access.teaches_anywhere(user):
        return {"teaches": False}
    # Regrade requests are answered from the review queue, so they count as waiting there too.
    waiting = selectors.review_queue(user=user).count() + selectors.open_regrade_requests(user=user).count()
    return {"teaches": True, "review_count": waiting}
