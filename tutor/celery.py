"""The Celery app (`celery -A tutor worker`): JSON only, late acks, three queues, a periodic sweep.

Its knobs are settings (`CELERY_*` and `GRADING_*` in tutor/settings/base.py, read from the environment); tasks
are found in the installed apps (`grading/tasks.py`). `cpu` runs segmentation and the symbolic checker; `gpu`
runs model-backed verification with prefetch 1, so one worker never hoards long inference tasks; `ocr` reads
handwritten lines (tutor/handwriting/tasks.py, the `handwriting` extra), also with prefetch 1. Grading tasks
are routed per submission by the backend's queue in `verifier_worker.registry`, at enqueue time.

Time limits are the worker's: a task message never carries them (`Task`), and a worker whose broker visibility
timeout is not above its longest hard time limit refuses to start (`CheckTimeLimits`).
"""

from __future__ import annotations

import logging
import os
from typing import TYPE_CHECKING, Any

from celery import Celery, bootsteps
from celery import Task as BaseTask
from celery.result import AsyncResult
from celery.signals import celeryd_init, worker_process_init
from kombu import Exchange, Queue

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tutor.settings.base")

logger = logging.getLogger(__name__)


if TYPE_CHECKING:
    _TaskBase = BaseTask[Any, Any]
else:
    _TaskBase = BaseTask


class Task(_TaskBase):
    """Sends no time limits with a message: the worker applies the limits its own settings give the task."""

    def apply_async(
        self,
        args: tuple[Any, ...] | None = None,
        kwargs: dict[str, Any] | None = None,
        task_id: str | None = None,
        producer: Any = None,
        link: Any = None,
        link_error: Any = None,
        shadow: str | None = None,
        **options: Any,
    ) -> AsyncResult[Any]:
        options["time_limit"] = options["soft_time_limit"] = None
        return super().apply_async(args, kwargs, task_id, producer, link, link_error, shadow, **options)


app = Celery("tutor", task_cls=Task)
app.config_from_object("django.conf:settings", namespace="CELERY")
app.conf.update(
    task_serializer="json",
    result_serializer="json",
    accept_content=["json"],
    task_ignore_result=True,
    task_acks_late=True,
    task_reject_on_worker_lost=True,
    # Each queue gets its own exchange and routing key; a bare Queue("gpu") would inherit the default
    # exchange and key, and gpu tasks would land on the cpu queue.
    task_queues=tuple(Queue(name, Exchange(name, type="direct"), routing_key=name) for name in ("cpu", "gpu", "ocr")),
    task_default_exchange="cpu",
    task_default_routing_key="cpu",
    task_default_queue="cpu",
    task_routes={"grading.sweep": {"queue": "cpu"}},
    broker_connection_retry_on_startup=True,
    worker_hijack_root_logger=False,
)
app.autodiscover_tasks()


def longest_time_limit(celery_app: Celery) -> float:
    """The longest hard time limit this worker applies to a late-acked task (0 when none has one).

    Only late-acked tasks matter: their message stays unacknowledged, so redeliverable, while they run."""
    default = float(celery_app.conf.task_time_limit or 0)
    limits = [float(task.time_limit or default) for task in celery_app.tasks.values() if task.acks_late]
    return max(limits, default=0.0)


def check_time_limits(celery_app: Celery) -> None:
    """Raise when the broker could hand a task that is still running to a second worker."""
    visibility = (celery_app.conf.broker_transport_options or {}).get("visibility_timeout")
    longest = longest_time_limit(celery_app)
    if visibility is not None and longest and float(visibility) <= longest:
        raise RuntimeError(
            f"CELERY_VISIBILITY_TIMEOUT={visibility}s must be above the longest task time limit ({longest:g}s, "
            "GRADING_SOFT_TIME_LIMIT + GRADING_TIME_LIMIT_GRACE): the broker would redeliver a task that is "
            "still running to a second worker."
        )


class CheckTimeLimits(bootsteps.Step):
    """Runs while the worker is built, with the worker's own settings; an error stops it from starting."""

    def __init__(self, parent: Any, **kwargs: Any) -> None:
        check_time_limits(parent.app)
        super().__init__(parent, **kwargs)


app.steps["worker"].add(CheckTimeLimits)


@celeryd_init.connect
def _gpu_workers_prefetch_one(sender: Any = None, conf: Any = None, options: Any = None, **_: Any) -> None:
    """A worker that consumes the gpu or ocr queue takes one task at a time, whatever the cpu workers are tuned to."""
    queues = (options or {}).get("queues") or ()
    if isinstance(queues, str):
        queues = queues.split(",")
    if {"gpu", "ocr"} & set(queues) and conf is not None:
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
        logger.exception("Warming up the symbolic checker failed")
