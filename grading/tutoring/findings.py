"""What the tutor knows about each step: the checker's structured finding, the step's route and why it was not
checked, read from the stored Step rows.

The symbolic checker reports these as `StepVerdict.finding` (a `types.Finding`), `.route`, `.reason_code` and
`VerificationResult.unfinished`; the pipeline stores them on the Step and Submission rows (`finding`, `route`,
`reason_code`, `unfinished`). Backends that do not report them (the language-model verifiers, runs stored before
the checker did) leave those empty, and this adapter falls back to what every row has: the verdict, the checker,
the explanation and the hint, plus a small reading of the step's own calculation ("3 × 4 = 12"). Hints and
statuses are written against `StepFacts` only, never against the raw rows.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from verifier_worker.tutoring.numbers import written_values

CATEGORIES = frozenset({"arithmetic", "algebra", "final_answer", "grounding", "carried", "units", "unreadable"})
# The v1 hint's operation words ("Check the multiplication in this step.") and the v2 finding's operation names.
OPERATION_WORDS = {
    "addition": "add",
    "subtraction": "subtract",
    "multiplication": "multiply",
    "division": "divide",
    "percentage": "percent",
    "power": "power",
    "square root": "root",
}
_OPERATORS = {"×": "multiply", "x": "multiply", "*": "multiply", "·": "multiply", "+": "add", "-": "subtract"}
_OPERATORS |= {"−": "subtract", "÷": "divide", "/": "divide"}
_NUM = r"\d[\d,]*(?:\.\d+)?"
_CALCULATION = re.compile(rf"(?<![\w.])({_NUM})\s*(\\times|\\cdot|\\div|[×x*·+\-−÷/])\s*({_NUM})(?![\w.])")
_RESULT = re.compile(rf"=\s*\\?\$?\s*(-?{_NUM})")
# "3 × 6 is 18, not 24." / "A is 18, but B is 24." (v1 arithmetic explanations)
_CORRECTED = re.compile(rf"\bis\s+(-?{_NUM}(?:/\d+)?)\s*(?:,\s*not|,\s*but)\b")
# "From 3x + 5 = 20 it follows that 3x = 15; this step has ..." (v1 algebra explanations)
_FOLLOWS = re.compile(r"it follows that\s+(.+?);\s*this step has")


@dataclass(frozen=True)
class OperandFact:
    text: str
    value: Fraction | None
    source: str = "unknown"  # "problem" | "step" | "constant" | "unknown"
    step: int | None = None  # the earlier step's index, when source == "step"


@dataclass(frozen=True)
class StepFacts:
    index: int
    text: str
    verdict: str  # the verdict in force (a teacher's, when set)
    checker: str
    category: str  # one of CATEGORIES, or "" when the checker said nothing structured
    operation: str  # "add", "subtract", "multiply", "divide", "percent", "power", "root", "equation", "quantity"
    operands: tuple[OperandFact, ...]
    calculation: str  # the operation of the calculation the step writes ("multiply" for "3 × 4 = 12"), or ""
    claimed: str
    expected: str  # the corrected value: never shown to a student unless corrections are revealed
    expected_texts: tuple[str, ...]  # a corrected line ("3x = 15"), for the no-leak filter
    route: str  # "reference" | "other" | ""
    reason_code: str  # why unverified: "no_math", "unreadable", "undecidable", "after_error", ...
    by_teacher: bool
    structured: bool  # the checker reported a finding (v2); False: read from the fallbacks

    @property
    def number(self) -> int:
        return self.index + 1


def _fraction(text: str) -> Fraction | None:
    values = written_values(str(text))
    return next(iter(values)) if len(values) == 1 else None


def _operand_from(data: Mapping[str, Any]) -> OperandFact:
    step = data.get("step")
    return OperandFact(
        text=str(data.get("text", "")),
        value=_fraction(str(data.get("value", data.get("text", "")))),
        source=str(data.get("source") or "unknown"),
        step=int(step) if isinstance(step, int) else None,
    )


def calculation_of(text: str) -> tuple[str, tuple[Fraction, Fraction]] | None:
    """The first "a op b" a step writes with two plain numbers: its operation and operands."""
    match = _CALCULATION.search(text.replace("\\$", "").replace("$", ""))
    if match is None:
        return None
    symbol = {"\\times": "×", "\\cdot": "×", "\\div": "÷"}.get(match.group(2), match.group(2))
    a, b = _fraction(match.group(1)), _fraction(match.group(3))
    if a is None or b is None:
        return None
    return _OPERATORS[symbol], (a, b)


def result_of(text: str) -> Fraction | None:
    """The value a step arrives at: the number after its last "=", else its last number."""
    found = _RESULT.findall(text.replace("\\$", "").replace("$", ""))
    if found:
        return _fraction(found[-1])
    values = [v for v in _ordered_values(text)]
    return values[-1] if values else None


def _ordered_values(text: str) -> list[Fraction]:
    out: list[Fraction] = []
    for match in re.finditer(rf"-?{_NUM}", text):
        value = _fraction(match.group(0))
        if value is not None:
            out.append(value)
    return out


def source_of(value: Fraction, *, statement: str, earlier_steps: Sequence[str]) -> tuple[str, int | None]:
    if value in written_values(statement):
        return "problem", None
    for position in range(len(earlier_steps) - 1, -1, -1):
        if value in written_values(earlier_steps[position]):
            return "step", position
    return "unknown", None


def _fallback_operation(checker: str, hint: str, text: str) -> str:
    lowered = hint.lower()
    for word, operation in OPERATION_WORDS.items():
        if word in lowered:
            return operation
    if checker == "algebra":
        return "equation"
    if checker == "grounding":
        return "quantity"
    found = calculation_of(text)
    return found[0] if found else ""


def _fallback_reason(verdict: str, checker: str, explanation: str, text: str) -> str:
    if verdict != "unverified":
        return ""
    lowered = explanation.lower()
    if "earlier error" in lowered:
        return "after_error"
    if checker == "safety":
        return "budget" if "time budget" in lowered else "hostile"
    if "no calculation or equation" in lowered:
        # Math written in a way the checker could not read, or words with no math in them.
        return "unreadable" if any(ch.isdigit() for ch in text) else "no_math"
    return "undecidable" if explanation else ""


def _fallback_route(verdict: str, text: str, statement: str, reference_steps: Sequence[str]) -> str:
    """A correct step is on the reference path when the value it arrives at is one the reference computes, on
    another route when it calculates a value neither the reference nor the problem has; a step that restates
    the problem's data, or writes no calculation, is not said to be either."""
    if verdict != "correct" or not reference_steps:
        return ""
    reached = result_of(text)
    if reached is None:
        return ""
    reference_values: set[Fraction] = set()
    for step in reference_steps:
        value = result_of(step)
        if value is not None:
            reference_values.add(value)
    if reached in reference_values:
        return "reference"
    if calculation_of(text) is None or reached in written_values(statement):
        return ""
    return "other"


def step_facts(
    *,
    index: int,
    text: str,
    verdict: str,
    checker: str,
    explanation: str,
    hint: str,
    finding: Mapping[str, Any] | None,
    route: str,
    reason_code: str,
    by_teacher: bool,
    statement: str,
    reference_steps: Sequence[str],
    earlier_steps: Sequence[str],
) -> StepFacts:
    """One step's facts: the checker's structured finding where it gave one, else the fallbacks."""
    data = dict(finding or {})
    structured = bool(data.get("category"))
    category = str(data.get("category") or "")
    if not structured:
        category = checker if checker in CATEGORIES else ""
    operation = str(data.get("operation") or "") or _fallback_operation(checker, hint, text)
    operands = tuple(_operand_from(o) for o in data.get("operands") or () if isinstance(o, Mapping))
    found = calculation_of(str(data.get("expression") or "") or text)
    if not operands and found is not None:
        operands = tuple(
            OperandFact(
                text=str(value),
                value=value,
                source=(where := source_of(value, statement=statement, earlier_steps=earlier_steps))[0],
                step=where[1],
            )
            for value in found[1]
        )
    expected = str(data.get("expected") or "")
    expected_texts: tuple[str, ...] = ()
    if verdict == "incorrect":
        # The explanation may state the correction in words the finding does not carry ("it follows that 3x = 15"):
        # whatever it states is kept from the student too.
        corrected = _CORRECTED.search(explanation)
        if corrected and not expected:
            expected = corrected.group(1)
        follows = _FOLLOWS.search(explanation)
        if follows:
            expected_texts = (follows.group(1).strip(),)
    return StepFacts(
        index=index,
        text=text,
        verdict=verdict,
        checker=checker,
        category=category,
        operation=operation,
        operands=operands,
        calculation=found[0] if found is not None else "",
        claimed=str(data.get("claimed") or ""),
        expected=expected,
        expected_texts=expected_texts,
        route=route or _fallback_route(verdict, text, statement, reference_steps),
        reason_code=reason_code or _fallback_reason(verdict, checker, explanation, text),
        by_teacher=by_teacher,
        structured=structured,
    )


def is_unfinished(*, stored: bool, final_answer: str, verdicts: Sequence[str], has_reference_answer: bool) -> bool:
    """No final answer yet and the steps so far are right: the checker says so (v2), or, without it, nothing was
    flagged, the final answer could not be judged and the last step is correct."""
    if stored:
        return True
    return (
        has_reference_answer
        and final_answer == "unverified"
        and bool(verdicts)
        and "incorrect" not in verdicts
        and verdicts[-1] == "correct"
    )
