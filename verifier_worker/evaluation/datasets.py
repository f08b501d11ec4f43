"""Evaluate a verifier backend on labelled solutions: ProcessBench's metrics, plain Python, no Django.

A record is a problem, its steps and a label: the index of the first wrong step, or -1 when every step is right.
The verifier's prediction is its first step judged incorrect, or -1. Metrics (percentages, 0-100, as ProcessBench
reports them; `None` where the denominator is empty):

- acc_erroneous: share of records with an error (label >= 0) whose prediction equals the label;
- acc_correct: share of all-correct records (label -1) with no flag;
- f1: 2·acc_erroneous·acc_correct / (acc_erroneous + acc_correct);
- flagged_precision: over the records the verifier flagged, the share where the flag equals the label;
- high_confidence_precision, high_confidence_share: the same precision over flags with confidence >= CONFIDENT
  (shown to students as "First error"), and the share of flags that reach that confidence;
- unverified_rate: share of step verdicts that are `unverified`; undecided_rate: share of solutions the backend
  could not decide (its `undecided_reason` is set);
- median_ms, p95_ms: wall time per solution (completed solutions only);
- errors, timeouts: solutions whose verification raised, or ran past the per-solution limit. Both count as a miss
  in both accuracies (no prediction is never a right prediction);
- per_category: first-error accuracy per error category, when records carry one (StepVerify).

Inputs:
- ProcessBench format: a JSON array or JSONL of {id, problem, steps, label}, optionally reference_answer and
  reference_solution (a list of steps or one string).
- StepVerify (`stepverify/dataset.json`): each record gives two: the annotated incorrect solution (label =
  incorrect_index, category = error_category) and the student's correct response split into steps with
  `segmentation.split` (label -1). The reference answer is the last number of the reference solution.
- GSM8K join: `join_gsm8k` adds the GSM8K reference answer (after ####) and solution (its lines before ####, with
  the <<...>> calculator annotations removed) to records whose problem text matches a GSM8K question (whitespace
  normalised).

Verification runs the backend directly (no Celery) in worker processes, with a per-solution time limit: a worker
that runs past it is killed and replaced, and the solution counts as a timeout. `python -m verifier_worker.evaluation`
and `manage.py evaluate_verifier` share `add_arguments` and `main`.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import multiprocessing
import os
import re
import statistics
import sys
import time
from collections import deque
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from multiprocessing.connection import Connection, wait
from pathlib import Path
from typing import Any, Literal, Protocol

from . import registry, segmentation
from .types import CONFIDENT, Problem, StepInput, VerificationRequest, Verifier

FORMATS = ("processbench", "stepverify")
DEFAULT_TIMEOUT_S = 30.0
# A worker that cannot import its backend and build the verifier within this time is reported as broken.
STARTUP_TIMEOUT_S = 120.0


class _Writable(Protocol):
    def write(self, text: str, /) -> Any: ...


class EvaluationError(Exception):
    """The dataset or the backend cannot be evaluated at all (bad file, backend that does not load)."""


@dataclass(frozen=True)
class EvalRecord:
    id: str
    problem: str
    steps: tuple[str, ...]
    # Index of the first wrong step, or -1 when the solution is right.
    label: int
    reference_answer: str = ""
    reference_steps: tuple[str, ...] = ()
    category: str = ""

    def request(self, *, with_reference_solution: bool = True) -> VerificationRequest:
        return VerificationRequest(
            problem=Problem(
                statement=self.problem,
                reference_answer=self.reference_answer,
                reference_steps=self.reference_steps if with_reference_solution else (),
            ),
            steps=tuple(StepInput(index=i, text=text) for i, text in enumerate(self.steps)),
        )


Status = Literal["ok", "error", "timeout"]


@dataclass(frozen=True)
class Outcome:
    status: Status
    # First step judged incorrect, -1 for none; None when there is no result (error or timeout).
    prediction: int | None = None
    confidence: float | None = None
    verdicts: tuple[str, ...] = ()
    ms: float | None = None
    undecided: bool = False
    message: str = ""


# ---------------------------------------------------------------------------------------------------------
# Loading
# ---------------------------------------------------------------------------------------------------------

_NUMBER = re.compile(r"-?\d[\d,]*(?:\.\d+)?")
_THOUSANDS = re.compile(r"-?\d{1,3}(?:,\d{3})+(?:\.\d+)?")
_CALCULATOR = re.compile(r"<<[^<>]*>>")


def plain_number(text: str) -> str:
    """'2,125' -> '2125'; anything that is not a number with thousands separators is returned stripped."""
    text = text.strip()
    return text.replace(",", "") if _THOUSANDS.fullmatch(text) else text


def last_number(text: str) -> str:
    numbers = _NUMBER.findall(text)
    return plain_number(numbers[-1]).rstrip(".") if numbers else ""


def strip_calculator_annotations(text: str) -> str:
    return _CALCULATOR.sub("", text)


def read_json_records(path: Path) -> list[dict[str, Any]]:
    """A JSON array of objects, or JSONL (one object per line)."""
    try:
        raw = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise EvaluationError(f"cannot read {path}: {exc}") from exc
    stripped = raw.lstrip()
    try:
        if stripped.startswith("["):
            data = json.loads(stripped)
        else:
            data = [json.loads(line) for line in raw.splitlines() if line.strip()]
    except json.JSONDecodeError as exc:
        raise EvaluationError(f"{path} is neither a JSON array nor JSONL: {exc}") from exc
    if not isinstance(data, list) or not all(isinstance(item, dict) for item in data):
        raise EvaluationError(f"{path} must hold a list of JSON objects")
    return data


def _reference_steps(value: object) -> tuple[str, ...]:
    if isinstance(value, str):
        return segmentation.split(strip_calculator_annotations(value), max_steps=200).texts
    if isinstance(value, list):
        return tuple(strip_calculator_annotations(str(step)).strip() for step in value if str(step).strip())
    return ()


def processbench_record(item: Mapping[str, Any], position: int) -> EvalRecord:
    try:
        steps = item["steps"]
        label = int(item["label"])
        problem = str(item["problem"])
    except (KeyError, TypeError, ValueError) as exc:
        raise EvaluationError(f"record {position} lacks a usable problem, steps or label: {exc!r}") from exc
    if not isinstance(steps, list) or not (-1 <= label < len(steps)):
        raise EvaluationError(f"record {position}: steps must be a list and label in -1..{len(steps) - 1}")
    return EvalRecord(
        id=str(item.get("id", position)),
        problem=problem,
        steps=tuple(str(step) for step in steps),
        label=label,
        reference_answer=plain_number(str(item.get("reference_answer") or "")),
        reference_steps=_reference_steps(item.get("reference_solution")),
        category=str(item.get("error_category") or item.get("category") or ""),
    )


def stepverify_records(item: Mapping[str, Any], position: int) -> list[EvalRecord]:
    """One StepVerify item gives an incorrect solution (labelled) and a correct one (label -1)."""
    try:
        reference = str(item["reference_solution"])
        incorrect = [str(step).strip() for step in item["student_incorrect_solution"]]
        label = int(item["incorrect_index"])
        problem = str(item["problem"])
    except (KeyError, TypeError, ValueError) as exc:
        raise EvaluationError(f"StepVerify item {position} is missing a field: {exc!r}") from exc
    lines = [line.strip() for line in strip_calculator_annotations(reference).splitlines() if line.strip()]
    answer = last_number(reference)
    # The reference's last line is the bare answer; it is the reference answer, not a step.
    if lines and plain_number(lines[-1]) == answer:
        lines = lines[:-1]
    incorrect_record = EvalRecord(
        id=f"stepverify-{position}-incorrect",
        problem=problem,
        steps=tuple(incorrect),
        label=label,
        reference_answer=answer,
        reference_steps=tuple(lines),
        category=str(item.get("error_category") or "unknown"),
    )
    records = [incorrect_record]
    correct = segmentation.split(str(item.get("student_correct_response") or "")).texts
    if correct:
        records.append(
            replace(incorrect_record, id=f"stepverify-{position}-correct", steps=correct, label=-1, category="")
        )
    return records


def detect_format(items: Sequence[Mapping[str, Any]]) -> str:
    if items and "student_incorrect_solution" in items[0]:
        return "stepverify"
    return "processbench"


def load_dataset(path: Path | str, *, format: str | None = None) -> list[EvalRecord]:
    items = read_json_records(Path(path))
    chosen = format or detect_format(items)
    if chosen == "stepverify":
        return [record for i, item in enumerate(items) for record in stepverify_records(item, i)]
    if chosen == "processbench":
        return [processbench_record(item, i) for i, item in enumerate(items)]
    raise EvaluationError(f"unknown format {chosen!r}; use one of {', '.join(FORMATS)}")


def spread_sample(records: Sequence[EvalRecord], limit: int) -> list[EvalRecord]:
    """`limit` records spread evenly over the list, in order. ProcessBench files are sorted by label, so the first N
    would all be erroneous; an even spread keeps the mix and stays deterministic."""
    if limit >= len(records):
        return list(records)
    return [records[i * len(records) // limit] for i in range(max(0, limit))]


def normalise_problem(text: str) -> str:
    return " ".join(text.split())


def load_gsm8k(path: Path | str) -> dict[str, tuple[str, tuple[str, ...]]]:
    """GSM8K question (normalised) -> (reference answer, reference solution steps)."""
    references: dict[str, tuple[str, tuple[str, ...]]] = {}
    for item in read_json_records(Path(path)):
        solution, _, answer = str(item.get("answer", "")).rpartition("####")
        steps = tuple(line.strip() for line in strip_calculator_annotations(solution).splitlines() if line.strip())
        references[normalise_problem(str(item.get("question", "")))] = (plain_number(answer), steps)
    return references


def join_gsm8k(records: Iterable[EvalRecord], gsm8k_path: Path | str) -> tuple[list[EvalRecord], int]:
    """Add GSM8K's reference answer and solution to the records whose problem matches; return them and the count."""
    references = load_gsm8k(gsm8k_path)
    joined: list[EvalRecord] = []
    matched = 0
    for record in records:
        reference = references.get(normalise_problem(record.problem))
        if reference is None:
            joined.append(record)
            continue
        matched += 1
        joined.append(replace(record, reference_answer=reference[0], reference_steps=reference[1]))
    return joined, matched


# ---------------------------------------------------------------------------------------------------------
# Running the verifier
# ---------------------------------------------------------------------------------------------------------


def verify_one(verifier: Verifier, request: VerificationRequest) -> Outcome:
    started = time.perf_counter()
    try:
        [result] = verifier.verify_batch([request])
    except Exception as exc:  # one broken solution must not stop the evaluation; it is counted
        return Outcome(status="error", message=f"{type(exc).__name__}: {exc}"[:500])
    elapsed_ms = (time.perf_counter() - started) * 1000
    first = result.first_error
    return Outcome(
        status="ok",
        prediction=-1 if result.first_error_index is None else result.first_error_index,
        confidence=first.confidence if first is not None else None,
        verdicts=tuple(verdict.verdict for verdict in result.steps),
        ms=elapsed_ms,
        undecided=bool(result.undecided_reason),
    )


def _worker_main(conn: Connection, backend: str, options: dict[str, Any], extra: dict[str, str]) -> None:
    try:
        verifier = registry.get_verifier(backend, options, extra)
    except Exception as exc:
        conn.send(("fatal", f"backend {backend!r} cannot be built: {type(exc).__name__}: {exc}"))
        return
    conn.send(("ready",))
    while True:
        try:
            message = conn.recv()
        except EOFError:
            return
        if message is None:
            return
        index, request = message
        conn.send(("done", index, verify_one(verifier, request)))


@dataclass
class _Worker:
    process: multiprocessing.process.BaseProcess
    conn: Connection
    spawned_at: float
    ready: bool = False
    current: int | None = None
    started_at: float = 0.0

    def stop(self, *, kill: bool) -> None:
        if kill and self.process.is_alive():
            self.process.kill()
        self.process.join(timeout=5)
        self.conn.close()


@dataclass
class _Pool:
    backend: str
    options: dict[str, Any]
    extra: dict[str, str]
    size: int
    timeout_s: float
    context: Any = field(default_factory=lambda: multiprocessing.get_context("spawn"))
    workers: list[_Worker] = field(default_factory=list)

    def spawn(self) -> _Worker:
        parent, child = self.context.Pipe()
        process = self.context.Process(
            target=_worker_main,
            args=(child, self.backend, self.options, self.extra),
            # Not a daemon, so a backend may start processes of its own; an orphaned worker exits on EOF.
            daemon=False,
            name="evaluate-verifier",
        )
        process.start()
        child.close()
        return _Worker(process=process, conn=parent, spawned_at=time.monotonic())

    def replace(self, worker: _Worker) -> None:
        worker.stop(kill=True)
        self.workers[self.workers.index(worker)] = self.spawn()

    def run(self, requests: Sequence[VerificationRequest]) -> list[Outcome]:
        outcomes: dict[int, Outcome] = {}
        pending = deque(range(len(requests)))
        self.workers = [self.spawn() for _ in range(min(self.size, len(requests)))]
        try:
            while len(outcomes) < len(requests):
                self._dispatch(pending, requests)
                self._collect(outcomes)
                self._enforce_limits(outcomes)
        finally:
            for worker in self.workers:
                if worker.process.is_alive() and worker.current is None:
                    with contextlib.suppress(BrokenPipeError, OSError):
                        worker.conn.send(None)
                worker.stop(kill=worker.current is not None)
        return [outcomes[i] for i in range(len(requests))]

    def _dispatch(self, pending: deque[int], requests: Sequence[VerificationRequest]) -> None:
        for worker in self.workers:
            if worker.ready and worker.current is None and pending:
                index = pending.popleft()
                worker.conn.send((index, requests[index]))
                worker.current, worker.started_at = index, time.monotonic()

    def _next_deadline(self) -> float:
        deadlines = [
            worker.started_at + self.timeout_s if worker.ready else worker.spawned_at + STARTUP_TIMEOUT_S
            for worker in self.workers
            if worker.current is not None or not worker.ready
        ]
        return max(0.0, min(deadlines) - time.monotonic()) if deadlines else 1.0

    def _collect(self, outcomes: dict[int, Outcome]) -> None:
        for ready in wait([worker.conn for worker in self.workers], timeout=self._next_deadline()):
            worker = next(w for w in self.workers if w.conn is ready)
            try:
                message = worker.conn.recv()
            except (EOFError, OSError):
                if worker.current is not None:
                    outcomes[worker.current] = Outcome(status="error", message="the worker process died")
                    worker.current = None
                elif not worker.ready:
                    raise EvaluationError("a worker process died while starting") from None
                self.replace(worker)
                continue
            if message[0] == "fatal":
                raise EvaluationError(message[1])
            if message[0] == "ready":
                worker.ready = True
            elif message[0] == "done":
                outcomes[message[1]] = message[2]
                worker.current = None

    def _enforce_limits(self, outcomes: dict[int, Outcome]) -> None:
        now = time.monotonic()
        for worker in list(self.workers):
            if not worker.ready and now - worker.spawned_at > STARTUP_TIMEOUT_S:
                raise EvaluationError(f"a worker could not start backend {self.backend!r} in {STARTUP_TIMEOUT_S:.0f}s")
            if worker.current is not None and now - worker.started_at > self.timeout_s:
                outcomes[worker.current] = Outcome(
                    status="timeout", message=f"no result within {self.timeout_s:g}s; the worker was killed"
                )
                worker.current = None
                self.replace(worker)


def run_verifier(
    requests: Sequence[VerificationRequest],
    *,
    backend: str,
    options: Mapping[str, Any] | None = None,
    workers: int = 1,
    timeout_s: float = DEFAULT_TIMEOUT_S,
    extra_backends: Mapping[str, str] | None = None,
) -> list[Outcome]:
    """One outcome per request, in order. workers=0 runs in this process (no time limit: for debugging).

    `extra_backends` maps more backend names to "module:Class", as registry.get_verifier's `extra` does."""
    extra = dict(extra_backends or {})
    if not requests:
        return []
    if workers <= 0:
        try:
            verifier = registry.get_verifier(backend, dict(options or {}), extra)
        except Exception as exc:
            raise EvaluationError(f"backend {backend!r} cannot be built: {type(exc).__name__}: {exc}") from exc
        return [verify_one(verifier, request) for request in requests]
    pool = _Pool(backend=backend, options=dict(options or {}), extra=extra, size=workers, timeout_s=timeout_s)
    return pool.run(requests)


# ---------------------------------------------------------------------------------------------------------
# Metrics
# ---------------------------------------------------------------------------------------------------------


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


# ---------------------------------------------------------------------------------------------------------
# The command (shared by `manage.py evaluate_verifier` and `python -m verifier_worker.evaluation`)
# ---------------------------------------------------------------------------------------------------------


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--dataset", required=True, help="ProcessBench-format JSON/JSONL, or StepVerify JSON")
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
        "--backend-options", default="{}", help='backend options as a JSON object, e.g. \'{"model": "x"}\''
    )


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
) -> dict[str, Any]:
    records = load_dataset(dataset, format=format)
    report: dict[str, Any] = {"dataset": str(dataset), "backend": backend}
    if join_gsm8k_path:
        records, matched = join_gsm8k(records, join_gsm8k_path)
        report["gsm8k_joined"] = matched
    if limit is not None:
        records = spread_sample(records, limit)
    report["reference_solution"] = reference_solution
    requests = [record.request(with_reference_solution=reference_solution) for record in records]
    started = time.perf_counter()
    outcomes = run_verifier(
        requests,
        backend=backend,
        options=options,
        workers=(os.cpu_count() or 1) if workers is None else workers,
        timeout_s=timeout_s,
    )
    report["wall_s"] = round(time.perf_counter() - started, 2)
    report.update(compute_metrics(records, outcomes))
    return report


def evaluate_from_arguments(args: argparse.Namespace | Mapping[str, Any]) -> dict[str, Any]:
    values = vars(args) if isinstance(args, argparse.Namespace) else dict(args)
    try:
        options = json.loads(values.get("backend_options") or "{}")
    except json.JSONDecodeError as exc:
        raise EvaluationError(f"--backend-options is not JSON: {exc}") from exc
    if not isinstance(options, dict):
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
        options=options,
    )


def format_report(report: Mapping[str, Any]) -> str:
    def shown(value: object) -> str:
        return "n/a" if value is None else f"{value:.2f}" if isinstance(value, float) else str(value)

    lines = [f"{report['dataset']} with backend {report['backend']!r}"]
    keys = [
        "records", "erroneous", "correct", "gsm8k_joined", "reference_solution", "acc_erroneous", "acc_correct",
        "f1", "flags", "flagged_precision", "confident_flags", "high_confidence_precision", "high_confidence_share",
        "unverified_rate", "undecided_rate", "median_ms", "p95_ms", "errors", "timeouts", "wall_s",
    ]  # fmt: skip
    lines += [f"  {key:<27}{shown(report[key])}" for key in keys if key in report]
    lines.append("  (accuracies, precisions and rates are percentages)")
    for category, figures in report.get("per_category", {}).items():
        lines.append(f"  category {category!r}: {shown(figures['accuracy'])} of {figures['n']}")
    return "\n".join(lines)


def write_report(report: Mapping[str, Any], *, as_json: bool, stdout: _Writable) -> None:
    if as_json:
        stdout.write(json.dumps(report, sort_keys=True) + "\n")
    else:
        stdout.write(format_report(report) + "\n")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m verifier_worker.evaluation", description=__doc__.split("\n")[0])
    add_arguments(parser)
    args = parser.parse_args(argv)
    try:
        report = evaluate_from_arguments(args)
    except EvaluationError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    write_report(report, as_json=args.json, stdout=sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
