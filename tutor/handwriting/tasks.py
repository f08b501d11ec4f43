"""The ocr queue's one task, and the warm-up of the recogniser in processes that consume that queue."""

from __future__ import annotations

import logging
import time
from typing import Any

from celery.signals import celeryd_init, worker_process_init
from django.conf import settings

from tutor.celery import app

from . import services

OCR_QUEUE = "ocr"
_consumes_ocr = False


# Not acks_late: a reading lost with a crashed worker is not worth redelivering after its deadline has passed
# (a few seconds); the page has already told the student to type the line.
@app.task(name="handwriting.recognise_line", acks_late=False, soft_time_limit=10, time_limit=20)
def recognise_line_task(recognition_id: int) -> None:
    services.recognition_run(recognition_id=recognition_id)


@celeryd_init.connect
def _note_ocr_queue(sender: Any = None, conf: Any = None, options: Any = None, **_: Any) -> None:
    global _consumes_ocr
    queues = (options or {}).get("queues") or ()
    if isinstance(queues, str):
        queues = queues.split(",")
    _consumes_ocr = OCR_QUEUE in queues


@worker_process_init.connect
def _warm_up_recogniser(**_: Any) -> None:
    """Load the model (and torch) when an ocr worker process starts, not on the first student's line.
    Workers of the other queues never load it."""
    if not _consumes_ocr:
        return
    from verifier_worker.handwriting.recognition import get_recogniser
    from verifier_worker.handwriting.strokes import validate_line

    logger = logging.getLogger(__name__)
    started = time.perf_counter()
    try:
        ink = {"width": 200, "height": 100, "strokes": [[[20, 20], [60, 80]], [[60, 20], [20, 80]]]}
        get_recogniser(settings.HANDWRITING_RECOGNISER).recognise(validate_line(ink))
    except Exception:  # a warm-up must never stop a worker from starting
        logger.exception("Warming up the handwriting recogniser failed")
    else:
        elapsed = time.perf_counter() - started
        logger.info("Handwriting recogniser %s ready in %.1f s", settings.HANDWRITING_RECOGNISER, elapsed)
