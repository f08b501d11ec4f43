"""The notification list: open one (marks it read and follows its link), or mark them all read."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST, require_safe

from . import selectors, services


class AuthedRequest(HttpRequest):
    user: User


@login_required
@require_safe
def notification_list(request: AuthedRequest) -> HttpResponse:
    items = list(selectors.recent(user=request.user))
    return render(request, "notifications/list.html", {"notifications": items, "limit": selectors.LIST_LIMIT})


@login_required
@require_safe
def notification_open(request: AuthedRequest, pk: int) -> HttpResponse:
    notification = selectors.own(user=request.user, pk=pk)
    if notification is None:
        raise Http404("No such notification.")
    services.notifications_mark_read(user=request.user, notification_ids=[notification.pk])
    # Links are paths this site wrote; anything else (a bad row) goes back to the list.
    if notification.url and url_has_allowed_host_and_scheme(notification.url, allowed_hosts=None):
        return redirect(notification.url)
    return redirect("notification_list")


@login_required
@require_POST
def notifications_read_all(request: AuthedRequest) -> HttpResponse:
    count = services.notifications_mark_read(user=request.user)
    messages.success(request, f"Marked {count} notification{'s' if count != 1 else ''} as read.")
    return redirect("notification_list")
