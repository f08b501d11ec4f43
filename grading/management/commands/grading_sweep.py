"""Re-send grading that no worker is doing (grading.services.sweep). Safe to run at any time, from several
places: by hand, from cron, from Celery beat, or as its own small process with `--every 5`, which keeps sweeping
even when the cpu queue is long or every worker is down (a beat-scheduled sweep waits in that queue)."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from grading.services import grading_sweep


class Command(BaseCommand):
    help = "Re-enqueue grading for submissions stuck in queued/segmenting/verifying past the timeout."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--older-than",
            type=int,
            default=None,
            help="Seconds without progress before a submission counts as stuck "
            "(default: settings.GRADING_STUCK_AFTER_SECONDS).",
        )
        parser.add_argument(
            "--every",
            type=float,
            default=None,
            help="Keep running, sweeping every this many seconds (for example 5), until stopped.",
        )

    def handle(self, *args: Any, older_than: int | None = None, every: float | None = None, **options: Any) -> None:
        while True:
            swept = grading_sweep(older_than_seconds=older_than)
            if every is None or swept:
                self.stdout.write(f"Re-enqueued {len(swept)} submission(s)" + (f": {swept}" if swept else ""))
            if every is None:
                return
            time.sleep(max(every, 0.5))
