"""The final answer: find it in the student's steps and compare it with the reference answer (math-verify).

math-verify's own timeouts use signal.alarm, which fails off the main thread, so they are switched off here
(parsing_timeout=None, timeout_seconds=None) and the inputs are bounded instead: answers longer than
MAX_ANSWER_CHARS are not compared. Plain numbers ("$1,200", "25%") are compared exactly without math-verify.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from fractions import Fraction
from typing import Literal

from .. import cas

MAX_ANSWER_CHARS = 300
# math-verify warns on every call that its (signal-based) timeout is off; that is deliberate here.
logging.getLogger("math_verify").setLevel(logging.ERROR)
Outcome = Literal["correct", "incorrect", "unverified"]

_ANSWER_IS = re.compile(r"(?:final answer|the answer|answer)\s*(?:is|:|=)\s*:?\s*(.+?)(?:\.\s|\.$|$|\n)", re.IGNORECASE)
_HASHES = re.compile(r"####\s*(.+?)\s*$", re.MULTILINE)
_PLAIN_NUMBER = re.compile(r"^-?\d{1,3}(?:,\d{3})+(?:\.\d+)?$|^-?\d+(?:\.\d+)?$|^-?\d+/\d+$")
_NUMBER_ANYWHERE = re.compile(r"-?\d+\s*/\s*\d+(?![\d.])|-?\d{1,3}(?:,\d{3})+(?:\.\d+)?|-?\d+(?:\.\d+)?")


@dataclass(frozen=True)
class FoundAnswer:
    text: str
    step_position: int  # position in the request's steps (0-based), not the step's index
    how: str


@dataclass(frozen=True)
class AnswerFinding:
    outcome: Outcome
    answer: FoundAnswer | None
    reason: str = ""


def _last_boxed(text: str) -> str | None:
    start = text.rfind("\\boxed")
    if start < 0:
        return None
    brace = text.find("{", start)
    if brace < 0:
        return None
    depth = 0
    for position in range(brace, min(len(text), brace + MAX_ANSWER_CHARS * 2)):
        if text[position] == "{":
            depth += 1
        elif text[position] == "}":
            depth -= 1
            if depth == 0:
                return text[brace + 1 : position]
    return None


def _ends_in_an_expression(step: str) -> bool:
    """The step's last number is an operand ("x = 2y + 1", "10^{10} + 1"), not a result to read as the answer."""
    text = cas.normalize(step.replace("**", " "))  # Markdown bold, "**12 tomatoes**", is not a product
    matches = list(_NUMBER_ANYWHERE.finditer(text))
    if not matches:
        return False
    before = text[: matches[-1].start()].rstrip()
    if before.endswith("-"):
        rest = before[:-1].rstrip()
        # "x = -5" or "is -5" is a negative answer; "12 - 5" ends in a subtraction.
        return bool(rest) and not (rest[-1] in "=:" or rest[-1].isalpha())
    return bool(before) and before[-1] in "+*/^×÷·{("


def find_answer(steps: list[str]) -> FoundAnswer | None:
    # Steps too long to check are skipped here too, so no pattern runs over a hostile 200 KB line.
    steps = [step if len(step) <= cas.MAX_TEXT_CHARS else "" for step in steps]
    for position in range(len(steps) - 1, -1, -1):
        boxed = _last_boxed(steps[position])
        if boxed is not None:
            return FoundAnswer(boxed, position, "boxed")
    for position in range(len(steps) - 1, -1, -1):
        hashes = _HASHES.findall(steps[position])
        if hashes:
            return FoundAnswer(hashes[-1], position, "####")
        stated = _ANSWER_IS.findall(steps[position])
        if stated:
            return FoundAnswer(stated[-1], position, "the answer is")
    for position in range(len(steps) - 1, -1, -1):
        if steps[position].strip():
            try:
                numbers = _NUMBER_ANYWHERE.findall(cas.normalize(steps[position]))
            except cas.HostileInput:
                return None
            if numbers:
                return FoundAnswer(numbers[-1], position, "last number")
            return None
    return None


def plain_number(text: str) -> Fraction | None:
    cleaned = text.strip()
    cleaned = re.sub(r"\\text\{[^{}]*\}|\\(?:mbox|mathrm)\{[^{}]*\}", "", cleaned)
    cleaned = cleaned.replace("\\$", "").replace("$", "").replace("\\%", "").replace("%", "").replace("\\!", "")
    cleaned = re.sub(r"\s*[A-Za-z][A-Za-z ]*\.?$", "", cleaned).strip().rstrip(".")
    cleaned = cleaned.replace("{,}", ",").replace(" ", "")
    if not _PLAIN_NUMBER.match(cleaned):
        return None
    try:
        return Fraction(cleaned.replace(",", ""))
    except (ValueError, ZeroDivisionError):
        return None


def answers_match(reference: str, answer: str) -> bool | None:
    """True/False when decidable, None when the answers could not be compared."""
    if len(reference) > MAX_ANSWER_CHARS or len(answer) > MAX_ANSWER_CHARS:
        return None
    ref_number, ans_number = plain_number(reference), plain_number(answer)
    if ref_number is not None and ans_number is not None:
        return ref_number == ans_number or abs(float(ref_number) - float(ans_number)) < 1e-9
    return _math_verify(reference, answer)


def _wrap(text: str) -> str:
    stripped = text.strip()
    return stripped if "$" in stripped or "\\boxed" in stripped else f"${stripped}$"


def _math_verify(reference: str, answer: str) -> bool | None:
    from math_verify import parse, verify

    try:
        gold = parse(_wrap(reference), parsing_timeout=None)
        target = parse(_wrap(answer), parsing_timeout=None)
        if not gold or not target:
            return None
        return bool(verify(gold, target, timeout_seconds=None))
    except Exception:  # math-verify raises many kinds of parser errors; none is the student's fault
        return None


def _last_right_side(steps: list[str], position: int) -> FoundAnswer | None:
    """ "= 2x + 6" as the last line: the expression after the last "=" is the answer."""
    text = steps[position]
    if "=" not in text or len(text) > MAX_ANSWER_CHARS * 2:
        return None
    tail = text.rsplit("=", 1)[1].strip().rstrip(".").strip()
    tail = tail.strip("$").removesuffix("\\)").removesuffix("\\]").strip()
    return FoundAnswer(tail, position, "last line") if tail else None


def check_final_answer(steps: list[str], reference_answer: str) -> AnswerFinding:
    answer = find_answer(steps)
    if answer is None:
        return AnswerFinding("unverified", None, "no final answer found")
    if not reference_answer.strip():
        return AnswerFinding("unverified", answer, "no reference answer given")
    if answer.how == "last number" and plain_number(reference_answer) is None:
        answer = _last_right_side(steps, answer.step_position)
        if answer is None:
            return AnswerFinding("unverified", None, "no clearly marked final answer")
    elif answer.how == "last number" and _ends_in_an_expression(steps[answer.step_position]):
        return AnswerFinding("unverified", None, "the last line ends in a calculation, not a result")
    match = answers_match(reference_answer, answer.text)
    if match is None:
        return AnswerFinding("unverified", answer, "the answers could not be compared")
    return AnswerFinding("correct" if match else "incorrect", answer)
