"""`manage.py export_step_labels`: teacher-reviewed solutions as step-label JSON Lines (docs/training_data.md).

    python manage.py export_step_labels                          # every class, per-step labels, to stdout
    python manage.py export_step_labels --class 3 --since 2026-09-01 --format processbench --output labels.jsonl

The records go to stdout (or --output); what the export holds goes to stderr, so the output pipes straight into
`manage.py evaluate_verifier --dataset FILE`. Each class in the export gets an audit event.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any, cast

from django.core.management.base import BaseCommand, CommandError, CommandParser

from tutor.classroom.models import Course

from ... import services, training
from ...errors import InsightError


def _day(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(f"--since {value!r} is not a date (YYYY-MM-DD)") from exc


class Command(BaseCommand):
    help = "Export teacher-reviewed solutions as step-label JSON Lines (students pseudonymised)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--class", dest="course", type=int, default=None, help="the class id (default: every class)"
        )
        parser.add_argument("--since", default=None, help="only work submitted on or after this date (YYYY-MM-DD)")
        parser.add_argument(
            "--format",
            choices=training.FORMATS,
            default="steps",
            help="steps: per-step labels with their source (default); processbench: {problem, steps, label} records",
        )
        parser.add_argument("--output", default=None, help="write to this file instead of stdout")

    def handle(self, *args: Any, **options: Any) -> None:
        course = None
        if options["course"] is not None:
            course = Course.objects.filter(pk=options["course"]).first()
            if course is None:
                raise CommandError(f"There is no class with id {options['course']}.")
        since = _day(options["since"]) if options["since"] else None
        output = Path(options["output"]) if options["output"] else None
        if output is not None and (output.is_dir() or not output.parent.is_dir()):
            raise CommandError(f"--output {output}: name a file in an existing folder")
        try:
            lines, summary = services.training_data_export(
                actor=None,
                course=course,
                since=since,
                fmt=cast(training.Format, options["format"]),
                source="manage.py export_step_labels",
            )
        except InsightError as exc:
            raise CommandError(exc.message) from exc
        if output is not None:
            output.write_text("".join(lines), encoding="utf-8")
        else:
            self.stdout.write("".join(lines), ending="")
        self.stderr.write(f"export_step_labels: {summary.describe()}")
