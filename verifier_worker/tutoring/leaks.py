"""The one no-leak filter. Every hint, whatever wrote it (a template, the reference solution, a language model),
passes `LeakGuard.check` before a student sees it; a hint that fails falls back to a lower level.

A hint leaks when it contains
1. the reference answer: its number(s), as digits, a fraction, a percent or a share, or in words ("126",
   "x = 6", "(2, 3)"); or, when the answer is an expression in a variable ("(x + 2)(x + 3)"), the expression
   written out (its coefficients then count as numbers of the reference solution, rule 2);
2. a number that appears only in the reference solution: in the teacher's steps but neither in the problem
   statement nor anywhere in the student's own work; or a reference step written out;
3. the corrected value of the wrong step (what the checker computed where the student wrote something else), or
   the corrected line ("3x = 15"), unless the teacher allows revealing corrections.

How it reads: the allowed numbers (problem, student's work) are read literally, the forbidden ones and the hint
liberally (tutoring/numbers.py), and numbers are compared by magnitude, so the filter errs towards refusing.
Step references the hint uses to name a step ("step 2") are not quantities. It does not evaluate arithmetic
written in the hint ("3 × 6" names a calculation, not its value).

Plain Python, no Django: the worker's language-model hints and the web's templated hints share it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from fractions import Fraction

from .numbers import mentioned_values, written_values

# Normalised texts shorter than this are not matched as text ("x", "12"): their numbers are matched instead.
MIN_TEXT_MATCH = 3
_DROP = re.compile(r"\\left|\\right|\\displaystyle|\\[,;!: ]|[\s$\\{}]|\\text|\\mathrm")


def normalise(text: str) -> str:
    """For matching written-out answers and steps: no spaces, dollars, braces or LaTeX spacing; one spelling of
    times, minus and division."""
    lowered = text.lower().replace("\\times", "×").replace("\\cdot", "×").replace("*", "×").replace("·", "×")
    lowered = lowered.replace("−", "-").replace("\\div", "÷").replace("\\%", "%")
    return _DROP.sub("", lowered).rstrip(".")


@dataclass(frozen=True)
class LeakCheck:
    ok: bool
    reasons: tuple[str, ...] = ()


@dataclass(frozen=True)
class LeakGuard:
    """What one hint must not contain, for one problem, one student's work and one wrong step."""

    answer_values: frozenset[Fraction]
    reference_only: frozenset[Fraction]
    corrected: frozenset[Fraction]
    forbidden_texts: tuple[tuple[str, str], ...]  # (normalised text, why)
    steps: int

    @classmethod
    def build(
        cls,
        *,
        statement: str,
        reference_answer: str,
        reference_steps: Sequence[str],
        student_steps: Sequence[str],
        corrected_values: Iterable[str | Fraction] = (),
        corrected_texts: Iterable[str] = (),
        reveal_corrections: bool = False,
    ) -> LeakGuard:
        expression = is_expression(reference_answer)
        answer: set[Fraction] = set() if expression else {abs(v) for v in mentioned_values(reference_answer)}
        # The answer may be a percent written either way (60 and 0.6 are the same answer).
        answer |= {v * 100 for v in answer} | {v / 100 for v in answer}
        allowed = {abs(v) for v in written_values(statement)}
        for step in student_steps:
            allowed |= {abs(v) for v in written_values(step)}
        in_reference: set[Fraction] = mentioned_values(reference_answer) if expression else set()
        for step in reference_steps:
            in_reference |= mentioned_values(step)
        corrected: set[Fraction] = set()
        texts: list[tuple[str, str]] = []
        if not reveal_corrections:
            for value in corrected_values:
                corrected |= _values(value)
            texts.extend((normalise(t), "the corrected step") for t in corrected_texts)
        answer_text = normalise(reference_answer)
        if len(answer_text) >= MIN_TEXT_MATCH:
            texts.append((answer_text, "the reference answer"))
        texts.extend((normalise(step), "a step of the reference solution") for step in reference_steps)
        return cls(
            answer_values=frozenset(answer),
            reference_only=frozenset(in_reference - allowed),
            corrected=frozenset(corrected),
            forbidden_texts=tuple((t, why) for t, why in texts if len(t) >= MIN_TEXT_MATCH),
            steps=max(len(student_steps), 1) + 1,  # "step n + 1": where an unfinished solution goes next
        )

    def check(self, hint: str) -> LeakCheck:
        """Whether `hint` may be shown, and if not, why (for the record; never shown to the student)."""
        reasons: list[str] = []
        seen = mentioned_values(hint, steps=self.steps)
        if seen & self.answer_values:
            reasons.append("it contains the reference answer")
        hidden = sorted(seen & self.reference_only)
        if hidden:
            reasons.append("it uses a number only the reference solution has: " + ", ".join(_show(v) for v in hidden))
        revealed = sorted(seen & self.corrected)
        if revealed:
            reasons.append("it gives the corrected value: " + ", ".join(_show(v) for v in revealed))
        flat = normalise(hint)
        for text, why in self.forbidden_texts:
            if text and text in flat:
                reasons.append(f"it writes out {why}")
        return LeakCheck(ok=not reasons, reasons=tuple(dict.fromkeys(reasons)))


_ASSIGNED = re.compile(r"^\s*\$?\s*[A-Za-z]\w*\s*=\s*")
_VARIABLE_TERM = re.compile(r"(?<![A-Za-z\\])[a-z](?![A-Za-z])")
_OPERATOR = re.compile(r"[-+−*×·/^()]")


def is_expression(answer: str) -> bool:
    """An answer in a variable ("2x + 3", "(x + 2)(x + 3)") rather than a quantity ("126", "x = 6", "12 km/h")."""
    body = _ASSIGNED.sub("", answer)
    body = re.sub(r"\\text\{[^}]*\}|\\[A-Za-z]+", " ", body)
    return (
        bool(_VARIABLE_TERM.search(body))
        and bool(_OPERATOR.search(body))
        and not re.search(r"\d\s*[a-z]{1,3}\s*/\s*[a-z]{1,3}\b", body)
    )


def _values(value: str | Fraction) -> set[Fraction]:
    if isinstance(value, Fraction):
        return {abs(value)}
    return {abs(v) for v in mentioned_values(value)}


def _show(value: Fraction) -> str:
    return str(value.numerator) if value.denominator == 1 else f"{value.numerator}/{value.denominator}"
