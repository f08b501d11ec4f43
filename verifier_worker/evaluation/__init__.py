"""Evaluate a verifier backend on labelled solutions, plain Python, no Django.

A record is a problem, its steps and a label: the index of the first wrong step, or -1 when every step is right.
The package is split by concern:

- `records`: the values (EvalRecord, Outcome, EvaluationError);
- `datasets`: ProcessBench, StepVerify and step-label (export_step_labels) loading, the GSM8K reference join,
  the even sample;
- `runner`: the backend in worker processes with a per-solution time limit;
- `metrics`: ProcessBench's metrics, precision per confidence band, the calibration error, per-record rows;
- `cli`: the command `python -m verifier_worker.evaluation` and `manage.py evaluate_verifier` share.
"""

from .cli import add_arguments, evaluate, evaluate_from_arguments, format_report, main, write_report
from .datasets import (
    FORMATS,
    detect_format,
    join_gsm8k,
    last_number,
    load_dataset,
    load_gsm8k,
    load_records,
    normalise_problem,
    plain_number,
    processbench_record,
    read_json_records,
    spread_sample,
    steplabels_record,
    stepverify_records,
    strip_calculator_annotations,
)
from .metrics import (
    CONFIDENCE_BANDS,
    compute_metrics,
    confidence_bands,
    expected_calibration_error,
    f1_score,
    percentile,
    record_outcomes,
)
from .records import EvalRecord, EvaluationError, Outcome, Status
from .runner import DEFAULT_TIMEOUT_S, STARTUP_TIMEOUT_S, run_verifier, verify_one

__all__ = [
    "CONFIDENCE_BANDS",
    "DEFAULT_TIMEOUT_S",
    "FORMATS",
    "STARTUP_TIMEOUT_S",
    "EvalRecord",
    "EvaluationError",
    "Outcome",
    "Status",
    "add_arguments",
    "compute_metrics",
    "confidence_bands",
    "detect_format",
    "evaluate",
    "evaluate_from_arguments",
    "expected_calibration_error",
    "f1_score",
    "format_report",
    "join_gsm8k",
    "last_number",
    "load_dataset",
    "load_gsm8k",
    "load_records",
    "main",
    "normalise_problem",
    "percentile",
    "plain_number",
    "processbench_record",
    "read_json_records",
    "record_outcomes",
    "run_verifier",
    "spread_sample",
    "steplabels_record",
    "stepverify_records",
    "strip_calculator_annotations",
    "verify_one",
    "write_report",
]
