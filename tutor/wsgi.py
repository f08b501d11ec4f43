"""The WSGI application, with one shortcut in front of Django.

While a class submits, most requests are polls of the feedback fragment whose copy in the browser is still
current. Those are answered 304 here, from the cache alone (grading.progress.not_modified_etag: the session says
who asks, the progress must be their own submission in the state their ETag names), without the middleware stack,
URL resolution or the database. Every other request, and any poll that does not qualify, goes to Django.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterable
from typing import Any

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tutor.settings.base")

django_application = get_wsgi_application()

from django.conf import settings  # noqa: E402  (after Django is set up)
from django.http.cookie import parse_cookie  # noqa: E402

from grading.progress import not_modified_etag  # noqa: E402

POLL_PATH = re.compile(r"^/submissions/(\d+)/$")  # grading.urls: submission_detail
StartResponse = Callable[..., Any]


def application(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
    if (
        environ.get("REQUEST_METHOD") in ("GET", "HEAD")
        and environ.get("HTTP_HX_REQUEST") == "true"
        and environ.get("HTTP_IF_NONE_MATCH")
    ):
        match = POLL_PATH.match(environ.get("PATH_INFO", ""))
        if match:
            cookies = parse_cookie(environ.get("HTTP_COOKIE", ""))
            etag = not_modified_etag(
                submission_id=int(match.group(1)),
                session_key=cookies.get(settings.SESSION_COOKIE_NAME, ""),
                if_none_match=environ["HTTP_IF_NONE_MATCH"],
            )
            if etag is not None:
                headers = [("ETag", etag), ("Cache-Control", "private, no-cache"), ("Vary", "HX-Request, Cookie")]
                start_response("304 Not Modified", headers)
                return [b""]
    response: Iterable[bytes] = django_application(environ, start_response)
    return response
