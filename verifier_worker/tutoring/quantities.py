"""Names for the numbers a hint talks about, taken from the words around them: "27 students", "$4 for a student",
...

A hint at level 2 says what a step does in terms of the quantities ("Step 2 multiplies 3 teachers by $4 for a
student"), so each operand needs a short name. A number from the problem is named by the words that follow it
in the statement (a noun phrase of at most MAX_NAME_WORDS words, with "for a …" / "per …" / "each …" kept); the
hint's own wording (grading.tutoring.wording) names a number from an earlier step by that step. Only numbers
are named, never computed, so a name cannot reveal a value the filter forbids (and every hint still goes
through it).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from fractions import Fraction

from .numbers import written_values

MAX_NAME_WORDS = 4
_TOKEN = re.compile(r"\\?\$|\d[\d,]*(?:\.\d+)?|[A-Za-z]+(?:'[a-z]+)?|[^\sA-Za-z\d]")
# Words that end a noun phrase after a number: verbs and joining words a problem statement uses.
_STOP_WORDS = """and or but goes go went is are was were be been has have had costs cost costed pays pay paid
    buys buy bought
    sells sell sold makes make made gets get got takes take took gives give gave needs need needed does do did
    will would can could should must the on in at to from into with than then so if when which who that this these
    those it they he she we you i of as by how what much many left more less"""
_STOP = frozenset(_STOP_WORDS.split())
_LINKS = frozenset({"for", "per", "each", "a", "an", "every"})
_MONEY = frozenset({"$", "\\$"})


@dataclass(frozen=True)
class Quantity:
    value: Fraction
    name: str  # "27 students", "$4 for a student", "the 108 from step 1", or the number itself


def show_number(value: Fraction) -> str:
    if value.denominator == 1:
        return f"{value.numerator:,}" if abs(value) >= 10_000 else str(value.numerator)
    as_float = float(value)
    if value.denominator in (2, 4, 5, 8, 10, 20, 25, 50, 100, 1000):
        return f"{as_float:g}"
    return f"{value.numerator}/{value.denominator}"


def problem_quantities(statement: str) -> dict[Fraction, str]:
    """Each number of the statement (first occurrence) and its name."""
    tokens = _TOKEN.findall(statement[:5000])
    names: dict[Fraction, str] = {}
    for i, token in enumerate(tokens):
        if not token[0].isdigit():
            continue
        values = written_values(token)
        if len(values) != 1:
            continue
        (value,) = values
        if value in names:
            continue
        money = i > 0 and tokens[i - 1] in _MONEY
        phrase: list[str] = []
        j = i + 1
        while j < len(tokens) and len(phrase) < MAX_NAME_WORDS:
            word = tokens[j]
            lowered = word.lower()
            if not word[0].isalpha() or (lowered in _STOP and not (phrase and lowered in _LINKS)):
                break
            if lowered in _LINKS and not phrase and not money:
                break
            phrase.append(word)
            j += 1
        while phrase and phrase[-1].lower() in _LINKS:
            phrase.pop()
        number = ("$" if money else "") + show_number(value)
        names[value] = f"{number} {' '.join(phrase)}".strip()
    return names
