"""Reference grounding: when the final answer is wrong but no step has a plain slip, find where it went astray.

The quantities a valid solution can produce are approximated by the "plausible" set: every number in the
problem statement and the teacher's reference solution, the reference answer, common unit constants, and those
values scaled by 100 (percent written either way). Walking the student's steps in order, the first step that
computes a value outside that set is the first step that departs from any path the reference supports. Later
steps that carry the wrong value forward are not new errors. When every computed value is plausible, the first
step that writes the wrong final value is where the solution went wrong.

With only a reference answer (no reference solution) the set is too thin to separate valid from invalid
intermediate values, so grounding then only points at the first step that writes the wrong final value.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from fractions import Fraction

from .. import cas
from .algebra import Equation, is_assignment
from .arithmetic import ArithmeticFinding, format_number
from .claims import StepMath

# Constants a solution may use without the problem stating them (minutes, hours, days, weeks, dozens, percent).
UNIT_CONSTANTS = frozenset(Fraction(n) for n in (0, 1, 2, 3, 4, 5, 7, 10, 12, 24, 30, 52, 60, 100, 365, 1000))
NUMBER_WORDS = {
    "half": Fraction(1, 2),
    "third": Fraction(1, 3),
    "quarter": Fraction(1, 4),
    "twice": Fraction(2),
    "double": Fraction(2),
    "triple": Fraction(3),
    "one": Fraction(1),
    "two": Fraction(2),
    "three": Fraction(3),
    "four": Fraction(4),
    "five": Fraction(5),
    "six": Fraction(6),
    "seven": Fraction(7),
    "eight": Fraction(8),
    "nine": Fraction(9),
    "ten": Fraction(10),
    "eleven": Fraction(11),
    "twelve": Fraction(12),
    "fifteen": Fraction(15),
    "twenty": Fraction(20),
    "thirty": Fraction(30),
    "fifty": Fraction(50),
    "hundred": Fraction(100),
    "dozen": Fraction(12),
}
_WORD = re.compile(r"[A-Za-z]+")


@dataclass(frozen=True)
class GroundingFinding:
    position: int  # position of the step in the request
    value: Fraction | float
    claim_text: str  # "3 × 4 = 12" when the value came from a calculation, else ""
    unit: str
    reason: str


def words_to_numbers(text: str) -> set[Fraction]:
    return {NUMBER_WORDS[w.lower()] for w in _WORD.findall(text) if w.lower() in NUMBER_WORDS}


def _expand(values: Iterable[Fraction | float]) -> set[float]:
    out: set[float] = set()
    for value in values:
        number = float(value)
        out.update({round(number, 6), round(number * 100, 6), round(number / 100, 6)})
    return out


@dataclass(frozen=True)
class Plausible:
    """Values a valid solution may compute (`results`, scaled by 100 either way), values it may merely mention
    (`mentioned`), and the values the reference solution computes, unscaled (`exact`)."""

    results: set[float]
    mentioned: set[float]
    exact: frozenset[float] = frozenset()
    given: frozenset[float] = frozenset()  # the problem's own numbers


def plausible_values(
    statement_numbers: Sequence[Fraction],
    statement: str,
    reference: StepMath,
    reference_answer: Fraction | None,
) -> Plausible:
    results: set[Fraction | float] = set()
    for claim in reference.claims:
        for side in (claim.left.node, claim.right.node):
            try:
                results.add(cas.evaluate(side))
            except (cas.ParseFailure, cas.HostileInput):
                continue
    if reference_answer is not None:
        results.add(reference_answer)
    mentioned: set[Fraction | float] = set(results)
    mentioned.update(statement_numbers)
    mentioned.update(words_to_numbers(statement))
    mentioned.update(UNIT_CONSTANTS)
    mentioned.update(reference.numbers)
    exact = frozenset(round(float(v), 6) for v in results)
    given = frozenset(round(float(v), 6) for v in (*statement_numbers, *words_to_numbers(statement)))
    return Plausible(_expand(results), _expand(mentioned), exact, given)


def _is_plausible(value: Fraction | float, plausible: set[float]) -> bool:
    number = float(value)
    if round(number, 6) in plausible or round(-number, 6) in plausible:
        return True
    return any(abs(number - p) <= 0.006 * max(1.0, abs(p)) and abs(number - p) < 0.01 for p in plausible)


def _unit_after(text: str, value_text: str) -> str:
    match = re.search(re.escape(value_text.replace(" ", "")) + r"\s*([A-Za-z]{3,})", text.replace(" ", " "))
    if match and match.group(1).lower() not in {"and", "the", "for", "per", "which", "that", "this", "then", "so"}:
        return match.group(1)
    return ""


def first_departure(
    steps_text: Sequence[str],
    steps_math: Sequence[StepMath],
    arithmetic: Sequence[Sequence[ArithmeticFinding]],
    equations: Sequence[Sequence[Equation]],
    plausible: Plausible,
    limit: int,
) -> GroundingFinding | None:
    """The first step (before `limit`) that computes a value no valid path uses, and passes it on."""
    for position in range(min(limit, len(steps_math))):
        for finding in arithmetic[position]:
            if finding.outcome != "holds" or finding.stated is None:
                continue
            claim = finding.claim
            result = finding.stated if cas.has_operator(claim.left.node) else finding.computed
            if result is None or _is_plausible(result, plausible.results):
                continue
            result_text = claim.right.text if cas.has_operator(claim.left.node) else claim.left.text
            return GroundingFinding(
                position,
                result,
                f"{cas.render(claim.left.node)} = {cas.render(claim.right.node)}",
                _unit_after(steps_text[position], result_text),
                "computes a value the reference solution never uses",
            )
        for equation in equations[position]:
            solution = _single_rational_solution(equation)
            if solution is None or _is_plausible(solution, plausible.results):
                continue
            if is_assignment(equation) and round(float(solution), 6) in plausible.given:
                continue  # "O_s = 20" with 20 from the problem: it restates the data, it computes nothing
            return GroundingFinding(
                position,
                solution,
                "",
                "",
                f"its equation {equation.text} gives {equation.variable} = {format_number(solution)}",
            )
    return None


def _single_rational_solution(equation: Equation) -> Fraction | None:
    if not equation.solutions or len(equation.solutions) != 1:
        return None
    (solution,) = tuple(equation.solutions)
    if not getattr(solution, "is_Rational", False):
        return None
    return Fraction(int(solution.p), int(solution.q))


def first_mention(steps_math: Sequence[StepMath], value: Fraction, limit: int) -> int | None:
    for position in range(min(limit + 1, len(steps_math))):
        if any(number == value for number in steps_math[position].numbers):
            return position
    return None


def describe(finding: GroundingFinding) -> str:
    quantity = f" {finding.unit}" if finding.unit else ""
    if not finding.claim_text and finding.reason.startswith("its equation"):
        return (
            f"In this step {finding.reason[4:]}, but that does not fit the problem. Check how the equation was set up."
        )
    if finding.claim_text:
        return f"This step computes {finding.claim_text}{quantity}, but the problem needs a different quantity here."
    return f"This step uses {format_number(finding.value)}{quantity}, but the problem needs a different quantity here."
