"""`manage.py evaluate_verifier`: ProcessBench metrics for a verifier backend. The work is in
verifier_worker.evaluation (plain Python), which `python -m verifier_worker.evaluation` also runs.

The deployment's settings are the defaults: `VERIFIER_EVALUATION_OPTIONS` (the `VERIFIER_*` variables) and the
extra backends; `--backend-options` overrides them key by key."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from verifier_worker import evaluation


class Command(BaseCommand):
    help = (
        "Evaluate a verifier backend on labelled solutions (ProcessBench JSON/JSONL or StepVerify) and print "
        "acc_erroneous, acc_correct, F1, flag precision per confidence band, calibration error, unverified rate, "
        "latency, errors and timeouts. Backend options default to the VERIFIER_* settings."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        evaluation.add_arguments(parser)

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            report = evaluation.evaluate_from_arguments(
                options,
                defaults=settings.VERIFIER_EVALUATION_OPTIONS,
                extra_backends=settings.VERIFIER_EXTRA_BACKENDS,
            )
        except evaluation.EvaluationError as exc:
            raise CommandError(str(exc)) from exc
        evaluation.write_report(report, as_json=options["json"], stdout=self.stdout)
