"""Project-wide request handling: the time zone a page is shown in, and friendly error pages."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone


class ResetTimeZoneMiddleware:
    """Class pages switch to their class's time zone (`tutor.classroom.timezones.use_class_time_zone`); every
    request starts from the site's, so one page's zone never leaks into the next request on the same thread."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        timezone.deactivate()
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()


class FriendlyNotFoundMiddleware:
    """With DEBUG on (as `make run` keeps it, for tracebacks), Django answers an unknown URL with its debug page,
    which lists every URL of the site. People see the app's own 404 page instead; only 500s keep the debug page."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if settings.DEBUG and response.status_code == 404 and "text/html" in response.get("Content-Type", ""):
            return render(request, "404.html", status=404)
        return response
