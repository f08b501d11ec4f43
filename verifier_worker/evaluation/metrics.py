"""ProcessBench's metrics, and how far a flag's confidence can be trusted.

A prediction is the first step judged incorrect, or -1. Metrics are percentages (0-100, as ProcessBench reports
them); `None` where the denominator is empty:

- acc_erroneous: share of records with an error (label >= 0) whose prediction equals the label;
- acc_correct: share of all-correct records (label -1) with no flag;
- f1: 2·acc_erroneous·acc_correct / (acc_erroneous + acc_correct);
- flagged_precision: over the records the verifier flagged, the share where the flag equals the label;
- high_confidence_precision, high_confidence_share: the same precision over flags with confidence >= CONFIDENT
  (shown to students as "First error"), and the share of flags that reach that confidence;
- confidence_bands: for the flags in each band of the first error's confidence (>= 0.9, 0.7-0.9, < 0.7), how
  many there are, their precision and their mean confidence;
- ece: the expected calibration error of those confidences, in percentage points: over ECE_BINS equal-width
  bins, the flag-weighted mean of |precision - mean confidence|. 0 means a flag at confidence c is right a
  share c of the time;
- unverified_rate: share of step verdicts that are `unverified`; undecided_rate: share of solutions the backend
  could not decide (its `undecided_reason` is set);
- median_ms, p95_ms: wall time per solution (completed solutions only);
- errors, timeouts: solutions whose verification raised, or ran past the per-solution limit. Both count as a miss
  in both accuracies (no prediction is never a right prediction);
- per_category: first-error accuracy per error category, when records carry one (StepVerify).
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from typing import Any

from ..types import CONFIDENT
from .records import EvalRecord, Outcome

# (key, lowest confidence included, highest confidence excluded), from the most to the least confident.
CONFIDENCE_BANDS: tuple[tuple[str, float, float], ...] = (
    (">=0.9", CONFIDENT, math.inf),
    ("0.7-0.9", 0.7, CONFIDENT),
    ("<0.7", -math.inf, 0.7),
)
ECE_BINS = 10


def _percent(numerator: int, denominator: int) -> float | None:
    return round(100.0 * numerator / denominator, 2) if denominator else None


def percentile(values: Sequence[float], q: float) -> float | None:
    """Nearest-rank percentile (q in 0..100)."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[rank - 1]


def compute_metrics(records: Sequence[EvalRecord], outcomes: Sequence[Outcome]) -> dict[str, Any]:
    if len(records) != len(outcomes):
        raise ValueError("one outcome per record")
    pairs = list(zip(records, outcomes, strict=True))
    erroneous = [(r, o) for r, o in pairs if r.label >= 0]
    correct = [(r, o) for r, o in pairs if r.label < 0]
    acc_erroneous = _percent(sum(o.prediction == r.label for r, o in erroneous), len(erroneous))
    acc_correct = _percent(sum(o.prediction == -1 for _, o in correct), len(correct))
    flags = [(r, o) for r, o in pairs if o.prediction is not None and o.prediction >= 0]
    confident = [(r, o) for r, o in flags if o.confidence is not None and o.confidence >= CONFIDENT]
    verdicts = [verdict for o in outcomes for verdict in o.verdicts]
    latencies = [o.ms for o in outcomes if o.ms is not None]
    metrics: dict[str, Any] = {
        "records": len(records),
        "erroneous": len(erroneous),
        "correct": len(correct),
        "acc_erroneous": acc_erroneous,
        "acc_correct": acc_correct,
        "f1": f1_score(acc_erroneous, acc_correct),
        "flags": len(flags),
        "flagged_precision": _percent(sum(o.prediction == r.label for r, o in flags), len(flags)),
        "confident_flags": len(confident),
        "high_confidence_precision": _percent(sum(o.prediction == r.label for r, o in confident), len(confident)),
        "high_confidence_share": _percent(len(confident), len(flags)),
        "unverified_rate": _percent(sum(v == "unverified" for v in verdicts), len(verdicts)),
        "undecided_rate": _percent(sum(o.undecided for o in outcomes), len(outcomes)),
        "median_ms": round(statistics.median(latencies), 2) if latencies else None,
        "p95_ms": round(p95, 2) if (p95 := percentile(latencies, 95)) is not None else None,
        "errors": sum(o.status == "error" for o in outcomes),
        "timeouts": sum(o.status == "timeout" for o in outcomes),
        "scale": "percent",
    }
    metrics["confidence_bands"] = confidence_bands(flags)
    metrics["ece"] = expected_calibration_error(flags)
    categories = sorted({r.category for r, _ in erroneous if r.category})
    if categories:
        metrics["per_category"] = {
            category: {
                "n": sum(r.category == category for r, _ in erroneous),
                "accuracy": _percent(
                    sum(o.prediction == r.label for r, o in erroneous if r.category == category),
                    sum(r.category == category for r, _ in erroneous),
                ),
            }
            for category in categories
        }
    return metrics


def f1_score(acc_erroneous: float | None, acc_correct: float | None) -> float | None:
    if acc_erroneous is None or acc_correct is None:
        return None
    if acc_erroneous + acc_correct == 0:
        return 0.0
    return round(2 * acc_erroneous * acc_correct / (acc_erroneous + acc_correct), 2)


def _flag_confidence(outcome: Outcome) -> float:
    return min(1.0, max(0.0, outcome.confidence if outcome.confidence is not None else 0.0))


def confidence_bands(flags: Sequence[tuple[EvalRecord, Outcome]]) -> dict[str, dict[str, Any]]:
    """Per band of the predicted first error's confidence: flags, precision (percent), mean confidence."""
    bands: dict[str, dict[str, Any]] = {}
    for key, low, high in CONFIDENCE_BANDS:
        members = [(r, o) for r, o in flags if low <= _flag_confidence(o) < high]
        confidences = [_flag_confidence(o) for _, o in members]
        bands[key] = {
            "flags": len(members),
            "precision": _percent(sum(o.prediction == r.label for r, o in members), len(members)),
            "mean_confidence": round(statistics.fmean(confidences), 4) if confidences else None,
        }
    return bands


def expected_calibration_error(flags: Sequence[tuple[EvalRecord, Outcome]], bins: int = ECE_BINS) -> float | None:
    """Sum over equal-width confidence bins of (flags in bin / all flags) * |precision - mean confidence|,
    in percentage points. A confidence of exactly 1.0 falls in the top bin."""
    if not flags:
        return None
    grouped: dict[int, list[tuple[float, bool]]] = {}
    for record, outcome in flags:
        confidence = _flag_confidence(outcome)
        grouped.setdefault(min(int(confidence * bins), bins - 1), []).append(
            (confidence, outcome.prediction == record.label)
        )
    total = 0.0
    for members in grouped.values():
        precision = sum(right for _, right in members) / len(members)
        mean_confidence = statistics.fmean(c for c, _ in members)
        total += len(members) / len(flags) * abs(precision - mean_confidence)
    return round(100.0 * total, 2)


def record_outcomes(records: Sequence[EvalRecord], outcomes: Sequence[Outcome]) -> list[dict[str, Any]]:
    """One JSON-friendly row per record, to analyse disagreements: what was labelled and what was predicted."""
    return [
        {
            "id": record.id,
            "label": record.label,
            "prediction": outcome.prediction,
            "confidence": outcome.confidence,
            "category": record.category,
            "status": outcome.status,
            "correct": outcome.prediction == record.label,
            "undecided": outcome.undecided,
            "ms": None if outcome.ms is None else round(outcome.ms, 2),
            "message": outcome.message,
        }
        for record, outcome in zip(records, outcomes, strict=True)
    ]
