"""The Celery app: JSON only, late acks, two queues, a periodic sweep.

`cpu` runs segmentation and the symbolic checker; `gpu` runs model-backed verification with prefetch 1 so one
worker never hoards long inference tasks. Grading tasks are routed per submission by the assignment's backend
(`verifier_worker.registry.queue_for`), at enqueue time.
"""

from __future__ import annotations

import logging
import os
from typing import Any

from celery import Celery
from celery.signals import celeryd_init, worker_process_init
from kombu import Exchange, Queue

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tutor.settings.base")

app = Celery("verifier_worker")
app.config_from_object("django.conf:settings", namespace="CELERY")

# The longest task may run this long; the broker must not redeliver before it is over.
TASK_SOFT_TIME_LIMIT = int(os.environ.get("GRADING_SOFT_TIME_LIMIT", 300))
TASK_TIME_LIMIT = TASK_SOFT_TIME_LIMIT + int(os.environ.get("GRADING_TIME_LIMIT_GRACE", 60))
# Redis redelivers unacked tasks after the visibility timeout; it must stay above the hard time limit, or a task
# still running would be handed to a second worker.
VISIBILITY_TIMEOUT = int(os.environ.get("CELERY_VISIBILITY_TIMEOUT", TASK_TIME_LIMIT * 4))
if VISIBILITY_TIMEOUT <= TASK_TIME_LIMIT:
    raise ValueError(
        f"CELERY_VISIBILITY_TIMEOUT={VISIBILITY_TIMEOUT}s must be above the task time limit ({TASK_TIME_LIMIT}s)."
    )
SWEEP_EVERY_SECONDS = float(os.environ.get("GRADING_SWEEP_EVERY_SECONDS", 5))

app.conf.update(
    task_serializer="json",
    result_serializer="json",
    accept_content=["json"],
    task_ignore_result=True,
    task_acks_late=True,
    task_reject_on_worker_lost=True,
    task_soft_time_limit=TASK_SOFT_TIME_LIMIT,
    task_time_limit=TASK_TIME_LIMIT,
    # Each queue gets its own exchange and routing key; a bare Queue("gpu") would inherit the default
    # exchange and key, and gpu tasks would land on the cpu queue.
    task_queues=tuple(Queue(name, Exchange(name, type="direct"), routing_key=name) for name in ("cpu", "gpu")),
    task_default_exchange="cpu",
    task_default_routing_key="cpu",
    task_default_queue="cpu",
    task_routes={"grading.sweep": {"queue": "cpu"}},
    worker_prefetch_multiplier=int(os.environ.get("CELERY_WORKER_PREFETCH_MULTIPLIER", 1)),
    broker_connection_retry_on_startup=True,
    worker_hijack_root_logger=False,
    beat_schedule={
        # Re-enqueue submissions stuck in a non-final state (broker down at submit time, lost tasks).
        # Every few seconds (leases expire in seconds); a sweep still waiting when the next is due is dropped.
        "grading-sweep": {
            "task": "grading.sweep",
            "schedule": SWEEP_EVERY_SECONDS,
            "options": {"queue": "cpu", "expires": SWEEP_EVERY_SECONDS},
        },
    },
)
app.conf.broker_transport_options = {
    **(app.conf.broker_transport_options or {}),
    "visibility_timeout": VISIBILITY_TIMEOUT,
}
if os.environ.get("CELERY_REDIS_KEY_PREFIX"):
    # Several deployments (or test runs) can share one Redis database without seeing each other's tasks.
    app.conf.broker_transport_options["global_keyprefix"] = os.environ["CELERY_REDIS_KEY_PREFIX"]
if os.environ.get("CELERY_UNACKED_RESTORE_INTERVAL"):
    # How often a Redis worker looks for tasks abandoned by a dead worker (kombu's default is about 100 s).
    app.conf.broker_transport_options.update(
        unacked_restore_interval=int(os.environ["CELERY_UNACKED_RESTORE_INTERVAL"]), unacked_restore_throttle=1
    )
app.autodiscover_tasks(["grading"])


@celeryd_init.connect
def _gpu_workers_prefetch_one(sender: Any = None, conf: Any = None, options: Any = None, **_: Any) -> None:
    """A worker that consumes the gpu queue takes one task at a time, whatever the cpu workers are tuned to."""
    queues = (options or {}).get("queues") or ()
    if isinstance(queues, str):
        queues = queues.split(",")
    if "gpu" in queues and conf is not None:
        conf.worker_prefetch_multiplier = 1


@worker_process_init.connect
def _warm_up_symbolic_checker(**_: Any) -> None:
    """Pay sympy's and math-verify's lazy imports (about 0.7 s) when a worker process starts, not on the
    first student's submission."""
    from verifier_worker import registry
    from verifier_worker.types import Problem, StepInput, VerificationRequest

    request = VerificationRequest(
        problem=Problem(statement="Solve $2x + 1 = 7$.", reference_answer="3", reference_steps=("2x = 6", "x = 3")),
        steps=(StepInput(0, "2x + 1 = 7"), StepInput(1, "2x = 6"), StepInput(2, "x = 3")),
    )
    try:
        registry.get_verifier("symbolic").verify_batch([request])
    except Exception:  # a warm-up must never stop a worker from starting
        logging.getLogger(__name__).exception("Warming up the symbolic checker failed")
