"""The Write mode's endpoints. The page's script asks for readings as JSON; the submit is a plain form post."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_POST, require_safe

from grading.services import GradingError
from grading.views.pages import problem_page_keeping_text
from tutor.classroom.selectors import problem_get
from verifier_worker.handwriting.strokes import DEFAULT_LIMITS

from . import selectors, services
from .forms import parse_confirmed_lines


class AuthedRequest(HttpRequest):
    user: User


def _error(message: str, code: str, status: int) -> JsonResponse:
    return JsonResponse({"status": "error", "error": message, "code": code}, status=status)


@login_required
@require_POST
def recognise(request: AuthedRequest, pk: int) -> JsonResponse:
    """POST one line's ink (JSON body); answers the reading if it is known, else `pending` and where to poll."""
    problem, _access = problem_get(user=request.user, problem_id=pk)
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length > DEFAULT_LIMITS.max_bytes:  # refused before the body is read
        return _error(
            f"This line's ink is {length:,} bytes; the limit is {DEFAULT_LIMITS.max_bytes:,}.", "too_large", 413
        )
    try:
        row = services.recognition_request(student=request.user, problem=problem, payload=request.body)
    except services.HandwritingError as exc:
        return _error(exc.message, exc.code, exc.status)
    state = selectors.recognition_state(row)
    state["poll"] = reverse("handwriting_recognition", args=[row.pk])
    return JsonResponse(state, status=200 if state["status"] != "pending" else 202)


@login_required
@require_safe
def recognition(request: AuthedRequest, recognition_id: int) -> JsonResponse:
    """The page polls this until the reading is done or the deadline has passed. One row read, no rendering."""
    row = selectors.recognition_for_student(user=request.user, recognition_id=recognition_id)
    response = JsonResponse(selectors.recognition_state(row))
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_POST
def submit(request: AuthedRequest, pk: int) -> HttpResponse:
    problem, access = problem_get(user=request.user, problem_id=pk)
    lines = []
    try:
        lines = parse_confirmed_lines(request.POST.get("lines", ""))
        submission = services.handwritten_submission_create(student=request.user, problem=problem, lines=lines)
    except (services.HandwritingError, GradingError) as exc:
        text = "\n".join(line.text.strip() for line in lines if line.text.strip())
        if not text:  # nothing readable came (a malformed payload): back to the Write mode with the reason
            messages.error(request, exc.message)
            return redirect(reverse("problem_detail", args=[problem.pk]) + "#write-mode")
        # The ink cannot be put back on the canvas, but the confirmed lines go into the typing box, kept.
        error = f"{exc.message} Your confirmed lines are in the box below as text, so nothing is lost."
        return problem_page_keeping_text(request, problem, access, text=text, error=error)
    return redirect("submission_detail", pk=submission.pk)
