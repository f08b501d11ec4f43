"""What the polling feedback page needs to know whether anything changed: a submission's progress, kept in the
shared cache so that a poll with nothing new costs no database query.

Every write that changes what the polled fragment shows (a state transition, a retry) stores the new progress
(`remember`); a read that misses the cache loads the row and adds it without overwriting (`cache.add`), so a slow
read can never put back an older state over a newer one. Entries expire after PROGRESS_SECONDS, which bounds the
damage of a store that failed, and the cache being unreachable only costs the database query.
"""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass
from datetime import datetime

from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.backends.cached_db import KEY_PREFIX as SESSION_CACHE_PREFIX
from django.core.cache import cache, caches
from django.utils import timezone

from .models import Step, Submission

logger = logging.getLogger(__name__)

PROGRESS_SECONDS = 60


@dataclass(frozen=True)
class PollState:
    status: str
    grading_version: int
    retries: int
    status_changed_at: datetime
    steps_checked: int
    student_id: int = 0
    submitted_at: datetime | None = None

    @property
    def is_final(self) -> bool:
        return self.status in Submission.FINAL_STATUSES


def _key(submission_id: int) -> str:
    return f"grading:progress:{submission_id}"


def cached(submission_id: int) -> PollState | None:
    try:
        value = cache.get(_key(submission_id))
    except Exception:
        logger.warning("Progress cache unreachable", exc_info=True)
        return None
    return PollState(**value) if isinstance(value, dict) else None


def add(submission_id: int, state: PollState) -> None:
    try:
        cache.add(_key(submission_id), asdict(state), PROGRESS_SECONDS)
    except Exception:
        logger.warning("Progress cache unreachable", exc_info=True)


def of(submission: Submission) -> PollState:
    checked = submission.steps.exclude(verdict=Step.Verdict.UNVERIFIED).count()
    return PollState(submission.status, submission.grading_version, submission.retries,
                     submission.status_changed_at, checked, submission.student_id, submission.submitted_at)  # fmt: skip


def remember(submission: Submission) -> None:
    """Store the submission's progress as it is now. Called inside the writing transaction, before it commits:
    a poll that sees this newer state early only takes the slow path (its ETag does not match), whereas storing
    after the commit could leave an older state in place (a failed store), which would answer 304 to a stale page.
    """
    try:
        cache.set(_key(submission.pk), asdict(of(submission)), PROGRESS_SECONDS)
    except Exception:
        logger.warning("Progress cache unreachable", exc_info=True)
        try:
            cache.delete(_key(submission.pk))
        except Exception:
            logger.warning("Progress cache unreachable", exc_info=True)


# --- the polled fragment's ETag ----------------------------------------------------------------------------------

# How long the page waits before polling again, by how long the submission has been in its current stage: soon
# at first (a symbolic grade takes well under a second), backing off for slow model-backed grading.
POLL_DELAYS_MS: tuple[tuple[float, int], ...] = ((3, 250), (10, 500), (30, 1000), (120, 2000))
POLL_DELAY_MAX_MS = 5000
FRAGMENT_VERSION = "1"  # bump when the fragment's markup changes, so browsers drop revalidated copies


def poll_delay_ms(state: PollState) -> int:
    waited = (timezone.now() - state.status_changed_at).total_seconds()
    return next((delay for limit, delay in POLL_DELAYS_MS if waited < limit), POLL_DELAY_MAX_MS)


def is_slow(state: PollState) -> bool:
    """Past GRADING_PATIENCE_SECONDS the fragment tells the student their work is saved (grading.feedback)."""
    waited = timezone.now() - (state.submitted_at or state.status_changed_at)
    return waited.total_seconds() > settings.GRADING_PATIENCE_SECONDS


def poll_etag(state: PollState, viewer_id: int | None) -> str:
    """Everything the polled fragment depends on that can change while grading runs."""
    parts = (FRAGMENT_VERSION, viewer_id, state.status, state.grading_version, state.retries,
             state.status_changed_at.timestamp(), state.steps_checked,
             poll_delay_ms(state), is_slow(state))  # fmt: skip
    return '"' + "-".join(str(part) for part in parts) + '"'


def not_modified_etag(*, submission_id: int, session_key: str, if_none_match: str) -> str | None:
    """The ETag to answer 304 with, when the browser's copy of the polled fragment is current; None to take the
    full path. Decided from the cache alone, in one round trip: the session (cached_db keeps it there) says who is
    asking, and the progress must be that student's own submission, still being graded, in the state the
    browser's ETag names. Anyone else, and any miss, goes through the full login and access checks."""
    if not session_key or not if_none_match or settings.SESSION_ENGINE != "django.contrib.sessions.backends.cached_db":
        return None
    session_cache = caches[settings.SESSION_CACHE_ALIAS]
    session_cache_key = SESSION_CACHE_PREFIX + session_key
    try:
        if session_cache is cache:
            found = cache.get_many([session_cache_key, _key(submission_id)])
            session, value = found.get(session_cache_key), found.get(_key(submission_id))
        else:
            session, value = session_cache.get(session_cache_key), cache.get(_key(submission_id))
    except Exception:
        return None
    if not isinstance(session, dict) or not isinstance(value, dict):
        return None
    try:
        viewer = int(session[SESSION_KEY])
    except (KeyError, TypeError, ValueError):
        return None
    state = PollState(**value)
    if state.student_id != viewer or state.is_final:
        return None
    etag = poll_etag(state, viewer)
    return etag if etag in if_none_match else None
