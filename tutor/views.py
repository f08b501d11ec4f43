"""Site-wide endpoints that belong to no app."""

from __future__ import annotations

import logging

from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

logger = logging.getLogger("tutor.csp")

REPORT_MAX_BYTES = 8 * 1024


@csrf_exempt  # browsers send violation reports without a token
@require_POST
def csp_report(request: HttpRequest) -> HttpResponse:
    """A browser's Content-Security-Policy violation report: logged (cut to 8 KB), never stored."""
    body = request.read(REPORT_MAX_BYTES).decode("utf-8", "replace")
    logger.warning("Content-Security-Policy violation: %s", body)
    return HttpResponse(status=204)
