"""Re-enqueue submissions stuck in a non-final state. Safe to run at any time (cron, by hand, or celery beat)."""

from __future__ import annotations

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

    def handle(self, *args: Any, older_than: int | None = None, **options: Any) -> None:
        swept = grading_sweep(older_than_seconds=older_than)
        self.stdout.write(f"Re-enqueued {len(swept)} submission(s)" + (f": {swept}" if swept else ""))
