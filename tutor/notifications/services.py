"""Writing notifications. `notify` is called inside the transaction of the change it tells about; email, when it
is switched on (NOTIFICATIONS_EMAIL), is sent only after that transaction commits."""

from __future__ import annotations

import logging
from collections.abc import Iterable

from django.conf import settings
from django.contrib.auth.models import User
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from .models import MESSAGE_MAX_CHARS, Notification, NotificationKind

logger = logging.getLogger(__name__)


def notify(
    *,
    recipient_ids: Iterable[int],
    kind: NotificationKind,
    message: str,
    url: str = "",
    key: str,
    course_id: int | None = None,
) -> int:
    """Tell each recipient; an unread notification with the same key is updated and counted up instead of added.
    Returns how many people were notified."""
    if not isinstance(kind, NotificationKind):
        raise TypeError(f"kind must be a NotificationKind, not {kind!r}")
    message = message.strip()[:MESSAGE_MAX_CHARS]
    ids = sorted(set(recipient_ids))
    if not ids:
        return 0
    now = timezone.now()
    with transaction.atomic():
        unread = Notification.objects.select_for_update().filter(recipient_id__in=ids, key=key, read_at__isnull=True)
        existing = set(unread.values_list("recipient_id", flat=True))
        if existing:
            unread.update(kind=kind, message=message, url=url, count=F("count") + 1, created_at=now)
        Notification.objects.bulk_create(
            Notification(
                recipient_id=user_id, kind=kind, message=message, url=url, key=key, course_id=course_id, created_at=now
            )
            for user_id in ids
            if user_id not in existing
        )
    if settings.NOTIFICATIONS_EMAIL:
        transaction.on_commit(lambda: _email(ids, message, url))
    return len(ids)


def _email(recipient_ids: list[int], message: str, url: str) -> None:
    link = f"{settings.SITE_URL.rstrip('/')}{url}" if url and settings.SITE_URL else ""
    body = f"{message}\n\n{link}\n" if link else f"{message}\n"
    for user in User.objects.filter(pk__in=recipient_ids, is_active=True).exclude(email=""):
        try:
            send_mail("Stepwise Tutor: " + message[:80], body, None, [user.email])
        except Exception:  # the change is committed; a mail server that is down must not undo or hide it
            logger.exception("Could not email notification to user %s", user.pk)


@transaction.atomic
def notifications_mark_read(*, user: User, notification_ids: Iterable[int] | None = None) -> int:
    """Mark the user's own notifications read (all of them when `notification_ids` is None)."""
    unread = Notification.objects.filter(recipient_id=user.pk, read_at__isnull=True)
    if notification_ids is not None:
        unread = unread.filter(pk__in=list(notification_ids))
    return unread.update(read_at=timezone.now())
