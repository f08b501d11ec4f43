"""The command shared by `manage.py evaluate_verifier` and `python -m verifier_worker.evaluation`.

Backend options come from the deployment's settings, overridden key by key by `--backend-options`: the Django
command passes `settings.VERIFIER_EVALUATION_OPTIONS` and `settings.VERIFIER_EXTRA_BACKENDS`, and the plain CLI
reads the same `VERIFIER_*` environment variables through `verifier_worker.config.from_environ`, without Django.
A backend that is not configured with those options (`openai` with no server, a `cascade` with no LLM stage) is
refused before anything runs, so an evaluation never silently measures something else.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Protocol

from .. import config, registry
from ..types import VerifierMisconfigured
from .datasets import FORMATS, join_gsm8k, load_records, spread_sample
from .metrics import compute_metrics, record_outcomes
from .records import EvaluationError
from .runner import DEFAULT_TIMEOUT_S, Extra, run_verifier

# Never printed in a report.
SECRET_OPTIONS = frozenset({"api_key"})


class _Writable(Protocol):
    def write(self, text: str, /) -> Any: ...


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--dataset",
        required=True,
        help="ProcessBench-format JSON/JSONL, StepVerify JSON, or an export_step_labels file (either format)",
    )
    parser.add_argument("--backend", default="symbolic", help="verifier backend name (default: symbolic)")
    parser.add_argument(
        "--limit", type=int, default=None, help="evaluate N records, spread evenly over the file (deterministic)"
    )
    parser.add_argument("--json", action="store_true", help="print exactly one JSON object on stdout")
    parser.add_argument("--format", choices=FORMATS, default=None, help="input format (default: detected)")
    parser.add_argument("--join-gsm8k", default=None, metavar="FILE", help="GSM8K test.jsonl to join references from")
    parser.add_argument(
        "--no-reference-solution", action="store_true", help="give the verifier the reference answer only"
    )
    parser.add_argument(
        "--workers", type=int, default=None, help="worker processes (default: CPU count; 0 = in this process)"
    )
    parser.add_argument(
        "--timeout", type=float, default=DEFAULT_TIMEOUT_S, help=f"seconds per solution (default {DEFAULT_TIMEOUT_S:g})"
    )
    parser.add_argument(
        "--backend-options",
        default="{}",
        help='JSON object overriding the VERIFIER_* settings key by key, e.g. \'{"model": "x"}\'',
    )
    parser.add_argument(
        "--records",
        default=None,
        metavar="FILE",
        help="also write one JSON line per record (id, label, prediction, confidence, category, status) to FILE",
    )


def _check_writable(path: Path) -> None:
    if path.is_dir():
        raise EvaluationError(f"--records {path} is a folder; name a file")
    if not path.parent.is_dir():
        raise EvaluationError(f"--records {path}: the folder {path.parent} does not exist")


def evaluate(
    *,
    dataset: str,
    backend: str = "symbolic",
    limit: int | None = None,
    format: str | None = None,
    join_gsm8k_path: str | None = None,
    reference_solution: bool = True,
    workers: int | None = None,
    timeout_s: float = DEFAULT_TIMEOUT_S,
    options: Mapping[str, Any] | None = None,
    extra_backends: Extra | None = None,
    records_path: str | None = None,
) -> dict[str, Any]:
    options = dict(options or {})
    extra = dict(extra_backends or {})
    records_file = Path(records_path) if records_path else None
    if records_file is not None:
        _check_writable(records_file)
    try:
        registry.register_extra(extra)
    except VerifierMisconfigured as exc:
        raise EvaluationError(str(exc)) from exc
    reason = registry.not_configured_reason(backend, options)
    if reason:
        raise EvaluationError(
            f"backend {backend!r} cannot be evaluated here: {reason}. Set the VERIFIER_* variables the workers use, "
            "or pass the options with --backend-options."
        )
    records, skipped = load_records(dataset, format=format)
    report: dict[str, Any] = {"dataset": str(dataset), "backend": backend}
    if skipped:
        report["skipped_unlabelled"] = skipped
    if join_gsm8k_path:
        records, matched = join_gsm8k(records, join_gsm8k_path)
        report["gsm8k_joined"] = matched
    if limit is not None:
        records = spread_sample(records, limit)
    report["reference_solution"] = reference_solution
    report["options"] = {key: value for key, value in sorted(options.items()) if key not in SECRET_OPTIONS}
    requests = [record.request(with_reference_solution=reference_solution) for record in records]
    started = time.perf_counter()
    outcomes = run_verifier(
        requests,
        backend=backend,
        options=options,
        workers=(os.cpu_count() or 1) if workers is None else workers,
        timeout_s=timeout_s,
        extra_backends=extra,
    )
    report["wall_s"] = round(time.perf_counter() - started, 2)
    report.update(compute_metrics(records, outcomes))
    if records_file is not None:
        try:
            with records_file.open("w", encoding="utf-8") as out:
                for row in record_outcomes(records, outcomes):
                    out.write(json.dumps(row, sort_keys=True) + "\n")
        except OSError as exc:
            raise EvaluationError(f"cannot write --records {records_file}: {exc}") from exc
        report["records_file"] = str(records_file)
    return report


def evaluate_from_arguments(
    args: argparse.Namespace | Mapping[str, Any],
    *,
    defaults: Mapping[str, Any] | None = None,
    extra_backends: Extra | None = None,
) -> dict[str, Any]:
    """Run the evaluation the parsed arguments ask for; `defaults` are the deployment's backend options."""
    values = vars(args) if isinstance(args, argparse.Namespace) else dict(args)
    try:
        overrides = json.loads(values.get("backend_options") or "{}")
    except json.JSONDecodeError as exc:
        raise EvaluationError(f"--backend-options is not JSON: {exc}") from exc
    if not isinstance(overrides, dict):
        raise EvaluationError("--backend-options must be a JSON object")
    return evaluate(
        dataset=values["dataset"],
        backend=values.get("backend") or "symbolic",
        limit=values.get("limit"),
        format=values.get("format"),
        join_gsm8k_path=values.get("join_gsm8k"),
        reference_solution=not values.get("no_reference_solution", False),
        workers=values.get("workers"),
        timeout_s=values.get("timeout") or DEFAULT_TIMEOUT_S,
        options={**(defaults or {}), **overrides},
        extra_backends=extra_backends,
        records_path=values.get("records"),
    )


def format_report(report: Mapping[str, Any]) -> str:
    def shown(value: object) -> str:
        return "n/a" if value is None else f"{value:.2f}" if isinstance(value, float) else str(value)

    lines = [f"{report['dataset']} with backend {report['backend']!r}"]
    keys = [
        "records", "skipped_unlabelled", "erroneous", "correct", "gsm8k_joined", "reference_solution",
        "acc_erroneous", "acc_correct", "f1", "flags", "flagged_precision", "confident_flags",
        "high_confidence_precision", "high_confidence_share", "ece", "unverified_rate", "undecided_rate",
        "median_ms", "p95_ms", "errors", "timeouts", "wall_s",
    ]  # fmt: skip
    lines += [f"  {key:<27}{shown(report[key])}" for key in keys if key in report]
    for band, figures in report.get("confidence_bands", {}).items():
        lines.append(
            f"  flags with confidence {band:<8} {figures['flags']:>5}   precision {shown(figures['precision'])}"
            f"   mean confidence {shown(figures['mean_confidence'])}"
        )
    lines.append("  (accuracies, precisions, rates and the ECE are percentages)")
    for category, figures in report.get("per_category", {}).items():
        lines.append(f"  category {category!r}: {shown(figures['accuracy'])} of {figures['n']}")
    if "records_file" in report:
        lines.append(f"  per-record outcomes: {report['records_file']}")
    return "\n".join(lines)


def write_report(report: Mapping[str, Any], *, as_json: bool, stdout: _Writable) -> None:
    if as_json:
        stdout.write(json.dumps(report, sort_keys=True) + "\n")
    else:
        stdout.write(format_report(report) + "\n")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m verifier_worker.evaluation",
        description="Evaluate a verifier backend on labelled solutions: ProcessBench's metrics, without Django.",
    )
    add_arguments(parser)
    args = parser.parse_args(argv)
    try:
        deployment = config.from_environ(os.environ)
        report = evaluate_from_arguments(
            args,
            defaults=deployment.options,
            extra_backends={spec.name: spec for spec in deployment.extra_backends},
        )
    except (EvaluationError, VerifierMisconfigured) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    write_report(report, as_json=args.json, stdout=sys.stdout)
    return 0
