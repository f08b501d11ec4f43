"""Reference grounding: when the final answer is wrong but no step has a plain slip, find where it went astray.

The quantities a valid solution can produce are approximated by the "plausible" set: every number in the
problem statement and the teacher's reference solution, the reference answer, common unit constants, and those
values scaled by 100 (percent written either way). Walking the student's steps in order, the first step that
computes a value outside that set is the first step that departs from any path the reference supports. Later
steps that carry the wrong value forward are not new errors. When every computed value is plausible, the first
step that writes the wrong final value is where the solution went wrong.

Some values outside the set are still on the path: a partial sum or product of a reference calculation ("15 + 30"
when it adds 15 + 30 + 60), a unit conversion factor ("60 × 60"), the complement of a given share ("100% - 40%"), an
equation whose solution is a given. A result stated without its calculation ("Total Score = 570") counts like a
computed one. When the departing calculation is a reference one with one operand added or replaced, and that
operand was stated in words in the step just before ("the sixth side takes 5 minutes"), that statement departs.

With only a reference answer (no reference solution) the set is too thin to separate valid from invalid
intermediate values, so grounding then only points at the first step that writes the wrong final value.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from fractions import Fraction

from .. import cas
from .algebra import Equation
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
    # The reference's sums and products as multisets of their terms ("15 + 30 + 60"): a student's "15 + 30" is part
    # of one, taken in another order, not a departure from the reference path.
    sums: tuple[Terms, ...] = ()
    products: tuple[Terms, ...] = ()


Terms = frozenset[tuple[float, int]]  # (term, how many times it occurs); a subtracted term is negative
MAX_TERMS = 12  # longer sums or products are not compared term by term


def _terms(node: cas.Node, operation: str) -> list[float] | None:
    """The terms of a sum (subtracted ones negated) or the factors of a product, evaluated; None when one does
    not evaluate to a number, or there are too many."""
    pending: list[tuple[cas.Node, int]] = [(node, 1)]
    out: list[float] = []
    while pending:
        current, sign = pending.pop()
        match current:
            case cas.Binary("add", left, right) if operation == "add":
                pending += [(left, sign), (right, sign)]
                continue
            case cas.Binary("sub", left, right) if operation == "add":
                pending += [(left, sign), (right, -sign)]
                continue
            case cas.Binary("mul", left, right) if operation == "mul":
                pending += [(left, sign), (right, sign)]
                continue
            case _:
                try:
                    out.append(round(sign * float(cas.evaluate(current)), 6))
                except (cas.ParseFailure, cas.HostileInput, ArithmeticError, ValueError):
                    return None
        if len(out) > MAX_TERMS:
            return None
    return out


def _counted(terms: list[float]) -> Terms:
    return frozenset((term, terms.count(term)) for term in set(terms))


def _operation(node: cas.Node) -> str:
    return "add" if cas.is_binary(node, "add", "sub") else "mul" if cas.is_binary(node, "mul") else ""


def part_of_reference(node: cas.Node, plausible: Plausible) -> bool:
    """ "15 + 30" when the reference adds 15 + 30 + 60: some of the terms of one of the reference's sums (or
    factors of one of its products), each at most as often, so a partial result on the reference path."""
    operation = _operation(node)
    terms = _terms(node, operation) if operation else None
    if not terms:
        return False
    mine = dict(_counted(terms))
    for reference in plausible.sums if operation == "add" else plausible.products:
        counts = dict(reference)
        if sum(mine.values()) < sum(counts.values()) and all(counts.get(t, 0) >= n for t, n in mine.items()):
            return True
    return False


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
    sums: list[Terms] = []
    products: list[Terms] = []
    for claim in reference.claims:
        for side in (claim.left.node, claim.right.node):
            operation = _operation(side)
            terms = _terms(side, operation) if operation else None
            if terms and len(terms) >= 2:
                (sums if operation == "add" else products).append(_counted(terms))
    return Plausible(_expand(results), _expand(mentioned), exact, given, tuple(sums), tuple(products))


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
            calculation = claim.left.node if cas.has_operator(claim.left.node) else claim.right.node
            if part_of_reference(calculation, plausible):
                continue  # a partial sum or product of the reference's, on its path in another order
            if restates_data(calculation, plausible):
                continue
            stated = stated_operand(calculation, position, steps_math, plausible)
            if stated is not None:
                return stated
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
            if any(round(float(solution) * scale, 6) in plausible.given for scale in (1, 100)):
                continue  # "O_s = 20", "D - 8 = 60 - 8", "r = 2%" with 60, 2% from the problem: it restates data
            return GroundingFinding(
                position,
                solution,
                "",
                "",
                f"its equation {equation.text} gives {equation.variable} = {format_number(solution)}",
            )
        for value in steps_math[position].stated:
            # "Total Score = 570": a result stated without its calculation.
            if _is_plausible(value, plausible.results) or round(float(value), 6) in plausible.given:
                continue
            return GroundingFinding(position, value, "", "", "states a value the reference solution never uses")
    return None


# Unit conversion factors: "60 × 60 = 3600" seconds in an hour is a fact about units, not about the problem.
CONVERSIONS = frozenset(float(n) for n in (7, 12, 24, 30, 52, 60, 100, 365, 1000, 3600))


def restates_data(calculation: cas.Node, plausible: Plausible) -> bool:
    """A calculation that only restates what the problem gives, so it cannot be where a solution departs: a unit
    conversion factor ("60 × 60", "24 × 7") or the complement of a given share ("100% - 40%", "1 - 1/4")."""
    leaves = [round(float(leaf), 6) for leaf in cas.leaves(calculation)]
    match calculation:
        case cas.Binary("mul" | "div", _, _) if len(leaves) >= 2 and all(leaf in CONVERSIONS for leaf in leaves):
            return True
        case cas.Binary("sub", whole, share):
            try:
                whole_value, share_value = cas.evaluate(whole), cas.evaluate(share)
            except (cas.ParseFailure, cas.HostileInput, ArithmeticError, ValueError):
                return False
            given = plausible.given | {1.0, 100.0}
            shares = [round(float(leaf), 6) for leaf in cas.leaves(share)]
            return whole_value == 1 and 0 < share_value < 1 and all(leaf in given for leaf in shares)
        case _:
            return False


def stated_operand(
    calculation: cas.Node, position: int, steps_math: Sequence[StepMath], plausible: Plausible
) -> GroundingFinding | None:
    """The departing calculation is one of the reference's with one operand added or replaced, and that operand is
    a number the problem does not give, stated in words in the step just before (no calculation there: "the sixth
    side takes 5 minutes"): that statement is where the wrong quantity came in."""
    operation = _operation(calculation)
    terms = _terms(calculation, operation) if operation and position > 0 else None
    previous = steps_math[position - 1] if position > 0 else None
    if not terms or previous is None or previous.claims:
        return None
    mine = Counter(terms)
    best: tuple[int, Counter[float], Counter[float]] | None = None
    for reference in plausible.sums if operation == "add" else plausible.products:
        counts = Counter(dict(reference))
        if not mine & counts:
            continue
        extra, missing = mine - counts, counts - mine
        distance = sum(extra.values()) + sum(missing.values())
        if best is None or distance < best[0]:
            best = (distance, extra, missing)
    if best is None or sum(best[1].values()) != 1 or sum(best[2].values()) > 1:
        return None
    (suspect,) = best[1].elements()
    stated = [v for v in previous.numbers if round(float(v), 6) == abs(suspect)]
    if abs(suspect) in plausible.given or not stated:
        return None
    return GroundingFinding(position - 1, stated[0], "", "", "states a quantity the reference does not use")


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
