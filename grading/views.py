"""Grading pages: the feedback page (student and teacher), teacher actions, review queue, gradebook."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from . import selectors


@login_required
def submission_detail(request: HttpRequest, pk: int) -> HttpResponse:
    submission = selectors.submission_for_user(user=request.user, pk=pk)
    return render(request, "grading/submission_detail.html", {"submission": submission})
