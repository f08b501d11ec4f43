"""Labelled solutions to evaluate on: ProcessBench files, StepVerify, and the GSM8K reference join.

- ProcessBench format: a JSON array or JSONL of {id, problem, steps, label}, optionally reference_answer and
  reference_solution (a list of steps or one string).
- StepVerify (`stepverify/dataset.json`): each record gives two: the annotated incorrect solution (label =
  incorrect_index, category = error_category) and the student's correct response split into steps with
  `segmentation.split` (label -1). The reference answer is the last number of the reference solution.
- Step labels (`manage.py export_step_labels --format steps`, one JSON object per line with `step_labels`): each
  record's solution-level `label` is the first wrong step as a person labelled it (a teacher's review), or null
  when no person made it; null records cannot be scored and are skipped (`load_records` counts them). The
  ProcessBench-format export (`--format processbench`) is read by the ProcessBench loader as is.
- GSM8K join: `join_gsm8k` adds the GSM8K reference answer (after ####) and solution (its lines before ####, with
  the <<...>> calculator annotations removed) to records whose problem text matches a GSM8K question (whitespace
  normalised).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from .. import segmentation
from .records import EvalRecord, EvaluationError

FORMATS = ("processbench", "stepverify", "steplabels")

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
    if not isinstance(steps, list):
        raise EvaluationError(f"record {position}: steps must be a list, not {type(steps).__name__}")
    if not -1 <= label < len(steps):
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


def steplabels_record(item: Mapping[str, Any], position: int) -> EvalRecord | None:
    """A per-step-label record, scored on its solution-level `label`; None when no person made that label."""
    if not isinstance(item.get("step_labels"), list):
        raise EvaluationError(f"record {position} has no step_labels list; is this a step-label export?")
    if item.get("label") is None:
        return None
    return processbench_record(item, position)


def detect_format(items: Sequence[Mapping[str, Any]]) -> str:
    if items and "student_incorrect_solution" in items[0]:
        return "stepverify"
    if items and "step_labels" in items[0]:
        return "steplabels"
    return "processbench"


def load_records(path: Path | str, *, format: str | None = None) -> tuple[list[EvalRecord], int]:
    """The records to evaluate on, and how many were skipped because they carry no label to score against."""
    items = read_json_records(Path(path))
    chosen = format or detect_format(items)
    if chosen == "stepverify":
        return [record for i, item in enumerate(items) for record in stepverify_records(item, i)], 0
    if chosen == "processbench":
        return [processbench_record(item, i) for i, item in enumerate(items)], 0
    if chosen == "steplabels":
        loaded = [steplabels_record(item, i) for i, item in enumerate(items)]
        records = [record for record in loaded if record is not None]
        if items and not records:
            raise EvaluationError(f"{path}: none of its {len(items)} records has a label a person made")
        return records, len(loaded) - len(records)
    raise EvaluationError(f"unknown format {chosen!r}; use one of {', '.join(FORMATS)}")


def load_dataset(path: Path | str, *, format: str | None = None) -> list[EvalRecord]:
    return load_records(path, format=format)[0]


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
