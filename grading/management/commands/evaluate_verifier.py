"""`manage.py evaluate_verifier`: ProcessBench metrics for a verifier backend. The work is in
verifier_worker.evaluation (plain Python), which `python -m verifier_worker.evaluation` also runs."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from verifier_worker import evaluation


class Command(BaseCommand):
    help = (
        "Evaluate a verifier backend on labelled solutions (ProcessBench JSON/JSONL or StepVerify) and print "
        "acc_erroneous, acc_correct, F1, flag precision, unverified rate, latency, errors and timeouts."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        evaluation.add_arguments(parser)

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            report = evaluation.evaluate_from_arguments(options)
        except evaluation.EvaluationError as exc:
            raise CommandError(str(exc)) from exc
        evaluation.write_report(report, as_json=options["json"], stdout=self.stdout)
