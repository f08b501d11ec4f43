"""Teacher-reviewed solutions as step-label training data, in JSON Lines. Pure functions over `GradedSolution`.

Two formats (docs/training_data.md):

- `processbench`: ProcessBench's record, `{id, problem, steps, label}` (label: the 0-based first wrong step, or
  -1), plus `reference_answer`, `reference_solution`, `student` and `label_source`. Only grades whose label a
  person made (`GradedSolution.first_error_label`) are written; the others are counted as skipped.
- `steps`: one record per reviewed grade with every step's label: `step_labels: [{index, label (+1 / -1, or null
  when unverified), source ("teacher", "confirmed" or "verifier"), human, verifier_verdict, verifier_confidence,
  checker}]`, and the solution-level `label` (null when no person made it). Only `teacher` and `confirmed`
  labels have `human: true` (reviews.py says why).

Students are pseudonymised: `student` is a keyed hash of the account (stable across exports, so one student's
records can be grouped, but not reversible without the site's SECRET_KEY); ids are hashed the same way; no
names, usernames, emails or teacher identities are written. The solution text is the student's own writing and
is exported as written.
`verifier_worker.evaluation.datasets` loads both formats, so `evaluate_verifier --dataset FILE` measures a
backend on them.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Literal

from django.utils.crypto import salted_hmac

from .reviews import HUMAN_SOURCES, GradedSolution, step_label

Format = Literal["processbench", "steps"]
FORMATS: tuple[Format, ...] = ("processbench", "steps")
STEP_LABELS_FORMAT = "stepwise-step-labels-v1"
_SALT = "tutor.insight.training"


def pseudonym(kind: str, pk: int) -> str:
    return f"{kind}-{salted_hmac(_SALT, f'{kind}:{pk}').hexdigest()[:16]}"


def _common(solution: GradedSolution) -> dict[str, Any]:
    return {
        "id": pseudonym("solution", solution.submission_id),
        "student": pseudonym("student", solution.student_id),
        "problem_key": pseudonym("problem", solution.problem_id),
        "problem": solution.problem,
        "steps": [step.text for step in solution.steps],
        "reference_answer": solution.reference_answer,
        "reference_solution": list(solution.reference_steps),
    }


def processbench_record(solution: GradedSolution) -> dict[str, Any] | None:
    label = solution.first_error_label()
    if not label.person:
        return None
    return {**_common(solution), "label": label.label, "label_source": label.source}


def step_labels_record(solution: GradedSolution) -> dict[str, Any]:
    label = solution.first_error_label()
    labels = []
    for step in solution.steps:
        source = solution.source(step)
        labels.append(
            {
                "index": step.index,
                "label": step_label(step.in_force),
                "source": source,
                "human": source in HUMAN_SOURCES and step_label(step.in_force) is not None,
                "verifier_verdict": step.verdict,
                "verifier_confidence": step.confidence,
                "checker": step.checker,
            }
        )
    return {
        "format": STEP_LABELS_FORMAT,
        **_common(solution),
        "step_labels": labels,
        "label": label.label if label.person else None,
        "label_source": label.source if label.person else None,
        "final_answer": solution.final_answer,
        "verifier": {"backend": solution.backend, "model": solution.model, "prompt_version": solution.prompt_version},
    }


@dataclass(frozen=True)
class ExportSummary:
    reviewed: int
    records: int
    human_step_labels: int
    # Reviewed grades left out of a ProcessBench export because no person made their label.
    skipped: int

    def as_details(self) -> dict[str, int]:
        return {
            "reviewed": self.reviewed,
            "records": self.records,
            "human_step_labels": self.human_step_labels,
            "skipped": self.skipped,
        }

    def describe(self) -> str:
        text = (
            f"{self.records} record(s) from {self.reviewed} reviewed grade(s); "
            f"{self.human_step_labels} step label(s) confirmed by a person"
        )
        if self.skipped:
            text += f"; {self.skipped} left out (their first-error label rests on the verifier, not a person)"
        return text


def export_lines(solutions: Iterable[GradedSolution], fmt: Format) -> tuple[list[str], ExportSummary]:
    """The JSON lines of an export (reviewed grades only) and what it holds."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}")
    lines: list[str] = []
    reviewed = skipped = human = 0
    for solution in solutions:
        if not solution.reviewed:
            continue
        reviewed += 1
        record = processbench_record(solution) if fmt == "processbench" else step_labels_record(solution)
        if record is None:
            skipped += 1
            continue
        if fmt == "steps":
            human += sum(item["human"] for item in record["step_labels"])
        else:
            human += sum(
                solution.source(step) in HUMAN_SOURCES and step_label(step.in_force) is not None
                for step in solution.steps
            )
        lines.append(json.dumps(record, ensure_ascii=False, sort_keys=True) + "\n")
    return lines, ExportSummary(reviewed=reviewed, records=len(lines), human_step_labels=human, skipped=skipped)
