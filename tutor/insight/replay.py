"""Replays as plain values: the frozen input, and the step-by-step diff of the verdicts.

The input is `grading.services.pipeline.verification_request` (exactly what grading gives the verifier), frozen
to JSON when the replay is asked for, so the replay runs what was graded even if the submission is regraded
or its problem edited meanwhile. The diff compares the replay's verdicts with the verifier's verdicts on record
at that moment (a teacher's verdict, where there was one, is shown beside them, not compared).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from verifier_worker.types import Budget, Problem, StepInput, VerificationRequest, VerificationResult


def request_to_json(request: VerificationRequest) -> dict[str, Any]:
    return dataclasses.asdict(request)


def request_from_json(data: dict[str, Any]) -> VerificationRequest:
    problem = data["problem"]
    return VerificationRequest(
        problem=Problem(
            statement=str(problem["statement"]),
            reference_answer=str(problem.get("reference_answer", "")),
            reference_steps=tuple(str(step) for step in problem.get("reference_steps", ())),
        ),
        steps=tuple(StepInput(index=int(step["index"]), text=str(step["text"])) for step in data["steps"]),
        budget=Budget(**data.get("budget", {})),
        reveal_corrections=bool(data.get("reveal_corrections", True)),
    )


def result_verdicts(result: VerificationResult) -> list[dict[str, Any]]:
    return [
        {
            "index": verdict.index,
            "verdict": verdict.verdict,
            "confidence": verdict.confidence,
            "checker": verdict.checker,
            "explanation": verdict.explanation,
        }
        for verdict in result.steps
    ]


@dataclass(frozen=True)
class DiffRow:
    index: int
    text: str
    recorded: str
    recorded_confidence: float | None
    recorded_checker: str
    teacher: str
    replayed: str
    replayed_confidence: float | None
    replayed_checker: str
    replayed_explanation: str

    @property
    def number(self) -> int:
        return self.index + 1

    @property
    def changed(self) -> bool:
        return self.recorded != self.replayed


@dataclass(frozen=True)
class ReplayDiff:
    rows: tuple[DiffRow, ...]
    recorded_first_error: int | None
    replayed_first_error: int | None
    recorded_final_answer: str
    replayed_final_answer: str

    @property
    def changed_steps(self) -> int:
        return sum(row.changed for row in self.rows)

    @property
    def first_error_changed(self) -> bool:
        return self.recorded_first_error != self.replayed_first_error

    @property
    def final_answer_changed(self) -> bool:
        return self.recorded_final_answer != self.replayed_final_answer

    @property
    def same(self) -> bool:
        return not (self.changed_steps or self.first_error_changed or self.final_answer_changed)


def replay_diff(
    *, recorded: dict[str, Any], verdicts: list[dict[str, Any]], first_error: int | None, final_answer: str
) -> ReplayDiff:
    by_index = {int(v["index"]): v for v in verdicts}
    rows = []
    for step in recorded.get("steps", []):
        replayed = by_index.get(int(step["index"]), {})
        rows.append(
            DiffRow(
                index=int(step["index"]),
                text=str(step.get("text", "")),
                recorded=str(step.get("verdict", "")),
                recorded_confidence=step.get("confidence"),
                recorded_checker=str(step.get("checker", "")),
                teacher=str(step.get("teacher_verdict", "")),
                replayed=str(replayed.get("verdict", "")),
                replayed_confidence=replayed.get("confidence"),
                replayed_checker=str(replayed.get("checker", "")),
                replayed_explanation=str(replayed.get("explanation", "")),
            )
        )
    return ReplayDiff(
        rows=tuple(rows),
        recorded_first_error=recorded.get("first_error_index"),
        replayed_first_error=first_error,
        recorded_final_answer=str(recorded.get("final_answer_verdict", "")),
        replayed_final_answer=final_answer,
    )
