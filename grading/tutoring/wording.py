"""The words of templated hints, per level, built from a step's facts. Short, kind, no blame words, the step named
by number; every one still goes through the no-leak filter (grading.tutoring.hints) before a student sees it.

Levels (issue 12):
1. where to look ("Check the multiplication in step 2.");
2. what kind of slip, in terms of the quantities ("Step 2 multiplies 3 teachers by $4 for a student. Is that
   the amount the question needs here?");
3. a Socratic question pointing at the next valid move, from the reference solution's corresponding step
   ("For step 2: what do you get when you multiply 3 teachers by $6 for a teacher?").

Each function returns the candidate texts for a level, best first ([] when nothing can be said at that level).
Strings go through Django's translation functions; quantities come from the problem's own words.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction

from django.utils.translation import gettext as _

from .findings import StepFacts

# The examples a "could not read this as math" hint may show, tried in order (the filter may refuse some).
UNREADABLE_EXAMPLES = ("12 × 3 = 36", "10 + 5 = 15", "20 ÷ 4 = 5", "9 − 2 = 7")


def operation_noun(operation: str) -> str:
    return {
        "add": _("addition"),
        "subtract": _("subtraction"),
        "multiply": _("multiplication"),
        "divide": _("division"),
        "percent": _("percentage"),
        "power": _("power"),
        "root": _("square root"),
    }.get(operation, _("calculation"))


def does(operation: str, a: str, b: str) -> str | None:
    """What a step does with two quantities, as a clause after "Step n"."""
    found = {
        "multiply": _("multiplies %(a)s by %(b)s"),
        "add": _("adds %(a)s and %(b)s"),
        "subtract": _("takes %(b)s away from %(a)s"),
        "divide": _("divides %(a)s by %(b)s"),
        "percent": _("works out %(a)s percent of %(b)s"),
    }.get(operation)
    return found % {"a": a, "b": b} if found else None


def question(operation: str, a: str, b: str) -> str | None:
    """A question that asks for one calculation without doing it."""
    found = {
        "multiply": _("what do you get when you multiply %(a)s by %(b)s?"),
        "add": _("what do you get when you add %(a)s and %(b)s?"),
        "subtract": _("what is left when you take %(b)s away from %(a)s?"),
        "divide": _("what do you get when you divide %(a)s by %(b)s?"),
        "percent": _("what is %(a)s percent of %(b)s?"),
    }.get(operation)
    return found % {"a": a, "b": b} if found else None


@dataclass(frozen=True)
class NextMove:
    """The reference solution's step that comes next, with its operands named (None where a name would reveal a
    number the student has not got: such a move cannot be asked about)."""

    operation: str
    names: tuple[str, ...]
    variable: str = ""


def from_step(value: str, k: int) -> str:
    """A number the student wrote in an earlier step, named by that step."""
    return _("the %(value)s from step %(k)s") % {"value": value, "k": k}


def generic(n: int) -> str:
    """Always safe: it names only the step."""
    return _("Look again at step %(n)s.") % {"n": n}


# --- At the first error --------------------------------------------------------------------------------------


def error_where(facts: StepFacts) -> list[str]:
    n = facts.number
    texts: list[str] = []
    if facts.category == "arithmetic" or (not facts.category and facts.operation in ("add", "subtract", "multiply")):
        texts.append(
            _("Check the %(operation)s in step %(n)s.") % {"operation": operation_noun(facts.operation), "n": n}
        )
    elif facts.category == "algebra" and facts.operation == "rewrite":
        texts.append(_("Check how you simplified the expression in step %(n)s.") % {"n": n})
    elif facts.category == "units":
        texts.append(_("Check the units of the result in step %(n)s.") % {"n": n})
    elif facts.category == "algebra":
        if n > 1:
            texts.append(_("Check how step %(n)s follows from step %(prev)s.") % {"n": n, "prev": n - 1})
        else:
            texts.append(_("Check how step 1 follows from the equation in the problem."))
    elif facts.category == "carried":
        texts.append(_("Check the numbers step %(n)s takes from earlier steps.") % {"n": n})
    elif facts.category == "grounding":
        texts.append(_("Check which amount step %(n)s works out.") % {"n": n})
    elif facts.category == "final_answer":
        texts.append(_("Check your answer in step %(n)s against what the question asks.") % {"n": n})
    texts.append(generic(n))
    return texts


def error_kind(facts: StepFacts, operand_names: Sequence[str]) -> list[str]:
    n = facts.number
    texts: list[str] = []
    operation = facts.calculation or facts.operation
    clause = does(operation, *operand_names[:2]) if len(operand_names) >= 2 else None
    if facts.category == "arithmetic" and clause:
        texts.append(
            _("Step %(n)s %(does)s. Work out that %(operation)s again.")
            % {"n": n, "does": clause, "operation": operation_noun(operation)}
        )
    elif facts.category == "grounding" and clause:
        texts.append(_("Step %(n)s %(does)s. Is that the amount the question needs here?") % {"n": n, "does": clause})
    elif facts.category == "grounding":
        texts.append(
            _("Step %(n)s works out an amount the question does not need. Which amount comes next?") % {"n": n}
        )
    elif facts.category == "carried" and facts.claimed:
        operand = facts.operands[0] if facts.operands else None
        if operand is not None and operand.step is not None:
            where = _("step %(k)s") % {"k": operand.step + 1}
        elif operand is not None and operand.source == "problem":
            where = _("the problem")
        else:
            where = _("the step before")
        texts.append(
            _("Step %(n)s uses %(used)s, but that is not the number %(where)s gives.")
            % {"n": n, "used": facts.claimed, "where": where}
        )
    elif facts.category == "units" and facts.claimed:
        texts.append(
            _("Step %(n)s writes its result in %(unit)s. Which unit do these amounts give together?")
            % {"n": n, "unit": facts.claimed}
        )
    elif facts.category == "algebra":
        texts.append(_("Step %(n)s does not keep the two sides equal. Do the same thing to both sides.") % {"n": n})
    elif facts.category == "final_answer":
        texts.append(_("Step %(n)s answers a different question. Read the last line of the problem again.") % {"n": n})
    return texts


def socratic(n: int, move: NextMove | None) -> list[str]:
    if move is None:
        return []
    if move.operation == "equation":
        if n > 1 and move.variable:
            return [
                _("For step %(n)s: what can you do to both sides of step %(prev)s to get %(var)s on its own?")
                % {"n": n, "prev": n - 1, "var": move.variable}
            ]
        return []
    if len(move.names) < 2:
        return []
    asked = question(move.operation, move.names[0], move.names[1])
    return [_("For step %(n)s: %(question)s") % {"n": n, "question": asked}] if asked else []


# --- Where an unfinished solution stops ------------------------------------------------------------------


def next_where(n: int) -> list[str]:
    return [
        _("Your steps so far are right, but you haven't reached the answer yet. What should step %(n)s work out?")
        % {"n": n}
    ]


def next_kind(n: int, last_value: str, last_step: int, question_text: str) -> list[str]:
    texts: list[str] = []
    values = {"value": last_value, "k": last_step, "question": question_text, "n": n}
    if question_text:
        texts.append(
            _("Step %(k)s gives %(value)s. The question asks: %(question)s What does step %(n)s need?") % values
        )
    texts.append(_("Step %(k)s gives %(value)s. What is still missing for step %(n)s?") % values)
    return texts


def next_socratic(n: int, move: NextMove | None) -> list[str]:
    if move is None or len(move.names) < 2:
        return []
    asked = question(move.operation, move.names[0], move.names[1])
    return [_("Next, in step %(n)s: %(question)s") % {"n": n, "question": asked}] if asked else []


# --- A step that could not be read as math -----------------------------------------------------------------


def unreadable_where(n: int) -> list[str]:
    texts = [
        _("I couldn't read step %(n)s as math. Write the calculation, e.g. %(example)s.") % {"n": n, "example": example}
        for example in UNREADABLE_EXAMPLES
    ]
    texts.append(_("I couldn't read step %(n)s as math. Write it as a calculation with an = sign.") % {"n": n})
    return texts


def unreadable_kind(n: int) -> list[str]:
    return [_("Write step %(n)s with its numbers, a sign such as × or +, and an = sign, all on one line.") % {"n": n}]


# --- Before the first attempt ---------------------------------------------------------------------------------


def start_where() -> list[str]:
    return [_("Start with what the question asks. Which numbers in the problem do you need first?")]


def start_kind(quantities: Sequence[str]) -> list[str]:
    if len(quantities) < 2:
        return []
    shown = ", ".join(quantities[:-1]) + " " + _("and") + " " + quantities[-1]
    return [_("The problem gives %(list)s. Which two go together first?") % {"list": shown}]


def start_socratic(move: NextMove | None) -> list[str]:
    if move is None or len(move.names) < 2:
        return []
    asked = question(move.operation, move.names[0], move.names[1])
    return [_("To start: %(question)s") % {"question": asked[:1].upper() + asked[1:]}] if asked else []


def value_text(value: Fraction) -> str:
    if value.denominator == 1:
        return str(value.numerator)
    return f"{value.numerator}/{value.denominator}"
