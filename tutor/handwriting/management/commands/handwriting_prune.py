"""Delete line readings that never became part of a submission (drafts), older than --days (default 1)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from tutor.handwriting.services import recognition_prune


class Command(BaseCommand):
    help = "Delete handwriting drafts (line readings not in any submission) older than --days."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--days", type=float, default=1.0)

    def handle(self, *args: Any, **options: Any) -> None:
        deleted = recognition_prune(older_than=timedelta(days=options["days"]))
        self.stdout.write(f"Deleted {deleted} handwriting draft(s).")
