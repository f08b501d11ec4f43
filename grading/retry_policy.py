"""How often one grading is retried, in one place: the Celery task and the grading service both read it.

One layer owns retries: the grading task. A transient verifier error (`VerifierUnavailable`: connection
refused, a timeout, 429 or a 5xx) makes the task retry with exponential backoff, and the backends it calls make
one HTTP attempt per request (`VERIFIER_OPTIONS["max_retries"]` is 0, see verifier_worker.config). So a
verifier server that keeps failing sees at most MAX_GRADING_ATTEMPTS requests for one submission's grading
(tests/grading/test_retry_bound.py counts them); after the last one the submission goes to `needs_review`.
"""

from __future__ import annotations

# The first try plus the task's retries.
MAX_GRADING_ATTEMPTS = 6
TASK_MAX_RETRIES = MAX_GRADING_ATTEMPTS - 1
# Backoff between attempts: 2, 4, 8, ... seconds with full jitter, never more than this.
RETRY_BACKOFF_SECONDS = 2
RETRY_BACKOFF_MAX_SECONDS = 120
