"""Limits on guessing and flooding, with clear messages and an audit event.

- Logins: django-axes locks out a username from one address after AXES_FAILURE_LIMIT wrong passwords for
  AXES_COOLOFF_TIME (settings); the lockout page says when to try again, and `lockout_recorded` writes one
  `login.locked_out` audit event per lockout.
- Joining a class, signing up with a class code and submitting: `rate_limit` counts requests per user (per
  client address for someone not signed in) in fixed windows in the shared cache (Redis when REDIS_URL is set;
  with the local-memory cache each process counts on its own). A refusal says how long to wait and writes one
  `limit.exceeded` audit event per user (or address), action and window.

The cache never decides whether the site works: if it is unreachable, requests are let through (and logged).
"""

from __future__ import annotations

import logging
import re
import time
from dataclasses import dataclass
from typing import Any

from axes.backends import AxesStandaloneBackend
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser, User
from django.core.cache import cache
from django.db import transaction
from django.dispatch import receiver
from django.http import HttpRequest

from tutor.audit.events import AuditEventType
from tutor.audit.services import record

logger = logging.getLogger(__name__)

RATE = re.compile(r"^\s*(?P<count>\d+)\s*/\s*(?P<number>\d*)\s*(?P<unit>[smh])\s*$")
UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600}


@dataclass(frozen=True)
class Rate:
    count: int
    seconds: int

    @classmethod
    def parse(cls, text: str) -> Rate:
        """'10/m', '10/10m', '30/h', '5/30s'."""
        match = RATE.match(text)
        if match is None or int(match["count"]) < 1:
            raise ValueError(f"{text!r} is not a rate like '10/m' or '10/10m'")
        return cls(int(match["count"]), int(match["number"] or 1) * UNIT_SECONDS[match["unit"]])


@dataclass(frozen=True)
class Refusal:
    """A request over its rate: how long until the window resets, and the message to show."""

    action: str
    retry_after: int

    @property
    def wait(self) -> str:
        if self.retry_after < 90:
            return f"{self.retry_after} second{'s' if self.retry_after != 1 else ''}"
        minutes = -(-self.retry_after // 60)
        return f"{minutes} minutes"


def rate_limit(*, action: str, user: AbstractBaseUser | AnonymousUser, rate: str, address: str = "") -> Refusal | None:
    """Count one `action` by `user` (by `address`, the client's IP, when nobody is signed in); None while within
    `rate`, else a Refusal (recorded in the audit log once per window)."""
    limit = Rate.parse(rate)
    now = time.time()
    window = int(now // limit.seconds)
    who = f"user:{user.pk}" if user.is_authenticated else f"address:{address or 'unknown'}"
    key = f"limit:{action}:{who}:{window}"
    try:
        count = 1 if cache.add(key, 1, limit.seconds + 5) else cache.incr(key)
    except Exception:  # the cache is down: never lock everyone out because of it
        logger.warning("Rate limit for %s not checked: the cache is unreachable", action, exc_info=True)
        return None
    if count <= limit.count:
        return None
    refusal = Refusal(action=action, retry_after=max(1, int(limit.seconds - now % limit.seconds)))
    _record_once(f"{key}:recorded", limit.seconds + 5, user, refusal, limit, address)
    return refusal


def _record_once(
    key: str, seconds: int, user: AbstractBaseUser | AnonymousUser, refusal: Refusal, rate: Rate, address: str
) -> None:
    try:
        first = cache.add(key, 1, seconds)
    except Exception:
        first = True
    if not first:
        return
    details: dict[str, Any] = {"action": refusal.action, "limit": rate.count, "per_seconds": rate.seconds}
    account = user if isinstance(user, User) else None
    if account is None:
        details["ip_address"] = address
    with transaction.atomic():
        record(event_type=AuditEventType.LIMIT_EXCEEDED, target=account, actor=account, details=details)


def client_address(request: HttpRequest | None) -> str:
    """The client's address as django-axes worked it out (its proxy settings), else the socket's."""
    address = getattr(request, "axes_ip_address", "") or (request.META.get("REMOTE_ADDR", "") if request else "")
    return str(address or "")


def lockout_recorded(*, request: HttpRequest | None, username: str | None, ip_address: str | None = None) -> bool:
    """Write the `login.locked_out` audit event, once per username, address and lockout."""
    from django.conf import settings

    address = ip_address or client_address(request)
    name = (username or "")[:150]
    cooloff = int(settings.AXES_COOLOFF_TIME.total_seconds())
    try:
        first = cache.add(f"lockout:{name}:{address}", 1, cooloff)
    except Exception:
        first = True
    if not first:
        return False
    account = User.objects.filter(username=name).first()
    with transaction.atomic():
        record(
            event_type=AuditEventType.LOGIN_LOCKED_OUT,
            target=account,
            details={"username": name, "ip_address": address, "cooloff_seconds": cooloff},
        )
    return True


class LockoutBackend(AxesStandaloneBackend):  # type: ignore[misc]
    """django-axes' backend, for logins over HTTP. `authenticate()` without a request (a script, a management
    command) has nothing to lock out by address, so it is left to the next backend instead of raising."""

    def authenticate(self, request: HttpRequest | None, *args: Any, **kwargs: Any) -> Any:
        if request is None:
            return None
        return super().authenticate(request, *args, **kwargs)


def connect() -> None:
    """Hook the lockout signal up (called from the classroom app's ready())."""
    from axes.signals import user_locked_out

    @receiver(user_locked_out, dispatch_uid="tutor.limits.lockout")
    def _on_lockout(sender: Any, request: HttpRequest | None = None, username: str | None = None,
                    ip_address: str | None = None, **_: Any) -> None:  # fmt: skip
        lockout_recorded(request=request, username=username, ip_address=ip_address)
