"""Reads of a person's notifications. Nobody reads another person's."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import QuerySet

from .models import Notification

LIST_LIMIT = 50


def unread_count(*, user: AbstractBaseUser | AnonymousUser) -> int:
    if not user.is_authenticated:
        return 0
    return Notification.objects.filter(recipient_id=user.pk, read_at__isnull=True).count()


def recent(*, user: AbstractBaseUser | AnonymousUser, limit: int = LIST_LIMIT) -> QuerySet[Notification]:
    """The newest notifications, unread first."""
    if not user.is_authenticated:
        return Notification.objects.none()
    return Notification.objects.filter(recipient_id=user.pk).order_by("-created_at", "-id")[:limit]


def own(*, user: AbstractBaseUser | AnonymousUser, pk: int) -> Notification | None:
    if not user.is_authenticated:
        return None
    return Notification.objects.filter(recipient_id=user.pk, pk=pk).first()
