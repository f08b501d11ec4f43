"""Carried and substituted values: where each operand comes from, and a use that contradicts its source.

Every number a calculation uses has a source: the problem, an earlier step (a result it computed or a number it
wrote), or a common constant (60 minutes, 12 months, 100 percent). Two uses contradict their source:
- a substitution: "2C + 5 = 2(7) + 5" after "C = -7" puts 7 where C's value, -7, belongs;
- a miscopied result: "$50 − $15" right after computing that the tickets cost $25, where 15 comes from nowhere,
  the result just computed is never used, and the two look like one copied wrongly (a sign, a swapped pair of
  digits, one digit).
Both are reported as the operand, where it should have come from, and the value there. Anything else (an operand
with no source at all, which is often mental arithmetic) is not judged here.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Literal

from .. import cas
from .arithmetic import ArithmeticFinding
from .claims import Claim, StepMath

# Constants a solution may use without the problem stating them (minutes, hours, days, weeks, dozens, percent).
UNIT_CONSTANTS = frozenset(Fraction(n) for n in (0, 1, 2, 3, 4, 5, 7, 10, 12, 24, 30, 52, 60, 100, 365, 1000))

Source = Literal["problem", "step", "constant", "unknown"]


@dataclass(frozen=True)
class Operand:
    """A number a calculation uses, with where it came from: `step` is the position of the earlier step."""

    value: Fraction
    source: Source
    step: int | None = None


@dataclass(frozen=True)
class CarriedFinding:
    claim: Claim
    kind: Literal["substitution", "miscopied"]
    used: Fraction  # the operand as written
    expected: Fraction  # the value its source has
    source_step: int | None  # position of the step the value comes from (None: the problem)
    name: str = ""  # the variable, for a substitution


def _assignment(claim: Claim) -> tuple[str, Fraction] | None:
    """ "C = -7", "x = 5/2": a variable and its value."""
    for name_side, value_side in ((claim.left.node, claim.right.node), (claim.right.node, claim.left.node)):
        if isinstance(name_side, cas.Var) and not cas.variables(value_side):
            try:
                value = cas.evaluate(value_side)
            except (cas.ParseFailure, cas.HostileInput, ArithmeticError):
                return None
            if isinstance(value, Fraction):
                return name_side.name, value
    return None


def _constant(node: cas.Node) -> Fraction | None:
    match node:
        case cas.Num(value):
            return value
        case cas.Neg(cas.Num(value)):
            return -value
        case _:
            return None


def _substituted(pattern: cas.Node, numbers: cas.Node, found: dict[str, Fraction]) -> bool:
    """Whether `numbers` is `pattern` with its variables replaced by numbers (collected into `found`)."""
    if isinstance(pattern, cas.Var):
        value = _constant(numbers)
        if value is None or found.get(pattern.name, value) != value:
            return False
        found[pattern.name] = value
        return True
    match pattern, numbers:
        case cas.Binary(op, left, right), cas.Binary(other_op, other_left, other_right) if op == other_op:
            return _substituted(left, other_left, found) and _substituted(right, other_right, found)
        case cas.Neg(inner), cas.Neg(other):
            return _substituted(inner, other, found)
        case (cas.Percent(inner), cas.Percent(other)) | (cas.Sqrt(inner), cas.Sqrt(other)):
            return _substituted(inner, other, found)
        case (cas.Factorial(inner), cas.Factorial(other)):
            return _substituted(inner, other, found)
        case cas.Num(value), cas.Num(other_value):
            return value == other_value
        case cas.Pi(), cas.Pi():
            return True
        case _:
            return False


def _near_copy(used: Fraction, result: Fraction) -> bool:
    """A sign lost, two digits swapped, or one digit changed: what copying a number wrongly looks like."""
    if used == result:
        return False
    if used == -result:
        return True
    a, b = _digits(abs(used)), _digits(abs(result))
    if a is None or b is None or len(a) != len(b) or len(a) < 2:
        return False
    if sorted(a) == sorted(b) and sum(x != y for x, y in zip(a, b, strict=True)) == 2:
        return True
    return sum(x != y for x, y in zip(a, b, strict=True)) == 1


def _digits(value: Fraction) -> str | None:
    if value.denominator != 1:
        text = f"{float(value):.6f}".rstrip("0")
        return text.replace(".", "") if Fraction(text) == value else None
    return str(value.numerator)


def _results(findings: Sequence[ArithmeticFinding]) -> list[Fraction]:
    out: list[Fraction] = []
    for finding in findings:
        if finding.outcome == "holds" and isinstance(finding.stated, Fraction):
            out.append(finding.stated)
    return out


def check_carried(
    texts: Sequence[str],
    steps_math: Sequence[StepMath],
    arithmetic: Sequence[Sequence[ArithmeticFinding]],
    problem_numbers: frozenset[Fraction],
    problem_assignments: dict[str, Fraction],
    *,
    copies: bool = True,
) -> dict[int, CarriedFinding]:
    """The first contradicted use in each step, by step position. `copies=False` looks for substitutions only."""
    found: dict[int, CarriedFinding] = {}
    known: dict[str, tuple[Fraction, int | None]] = {name: (v, None) for name, v in problem_assignments.items()}
    ambiguous: set[str] = set()
    seen: set[Fraction] = set(problem_numbers) | set(UNIT_CONSTANTS)
    pending: list[tuple[Fraction, int]] = []  # results not used yet, with their step
    for position, (text, math, findings) in enumerate(zip(texts, steps_math, arithmetic, strict=True)):
        for name, value in assignments_in(text):  # "Let C = -7. Then ...": given before it is used
            _assign(known, ambiguous, name, value, position)
        finding = _in_step(math, findings, known, ambiguous, seen, pending, position)
        if finding is not None:
            found[position] = finding
        results = _results(findings)
        if pending:
            used = {leaf for c in math.claims for side in (c.left, c.right) for leaf in cas.leaves(side.node)}
            # Only the last two steps' results can be the source of a miscopy (see _miscopy).
            pending = [(v, step) for v, step in pending if step >= position - 1 and v not in used and -v not in used]
        if copies:
            pending.extend((value, position) for value in results if value not in seen)
        seen.update(math.numbers)  # written numbers carry no sign (claims.numbers_in)
        seen.update(results)
    return found


def _in_step(
    math: StepMath,
    findings: Sequence[ArithmeticFinding],
    known: dict[str, tuple[Fraction, int | None]],
    ambiguous: set[str],
    seen: set[Fraction],
    pending: list[tuple[Fraction, int]],
    position: int,
) -> CarriedFinding | None:
    """Claims in the order written: a value assigned or computed earlier in the step is a source for later ones."""
    first: CarriedFinding | None = None
    look_for_copies = bool(pending) and _plain_arithmetic(math)
    in_claims: Counter[Fraction] = Counter()
    in_prose: Counter[Fraction] = Counter()
    if look_for_copies:
        in_claims = Counter(leaf for c in math.claims for side in (c.left, c.right) for leaf in cas.leaves(side.node))
        in_prose = Counter(math.numbers)
    here: set[Fraction] = set()
    by_claim = {id(f.claim): f for f in findings}
    for claim in math.claims:
        if first is None and known:
            first = _substitution(claim, known, ambiguous)
        finding = by_claim.get(id(claim))
        if first is None and finding is not None and look_for_copies:
            first = _miscopy(finding, seen, here, pending, position, in_claims, in_prose)
        assignment = (
            _assignment(claim)
            if isinstance(claim.left.node, cas.Var) or isinstance(claim.right.node, cas.Var)
            else None
        )
        if assignment is not None:
            _assign(known, ambiguous, *assignment, position)
        if look_for_copies:
            if finding is not None:
                here |= {v for v in (finding.computed, finding.stated) if isinstance(v, Fraction)}
            here |= set(_chain_values(claim))
    return first


def _assign(
    known: dict[str, tuple[Fraction, int | None]], ambiguous: set[str], name: str, value: Fraction, position: int
) -> None:
    if name in known and known[name][0] != value:
        ambiguous.add(name)  # two values for one name: cases, or a reused letter
    if name not in known or known[name][0] != value:
        known[name] = (value, position)


def _chain_values(claim: Claim) -> list[Fraction]:
    """Every value the claim's two sides compute, inner ones included: "2 × (9 + 40)" gives 49 and 98."""
    out: list[Fraction] = []
    pending = [claim.left.node, claim.right.node]
    while pending and len(out) < 64:
        node = pending.pop()
        pending.extend(cas.children(node))
        if not cas.has_operator(node):
            continue
        try:
            value = cas.evaluate(node)
        except (cas.ParseFailure, cas.HostileInput, ArithmeticError):
            continue
        if isinstance(value, Fraction):
            out.append(value)
    return out


def _plain_arithmetic(math: StepMath) -> bool:
    """Word-problem arithmetic: no variables, powers, roots or fractions written as such. Elsewhere (algebra,
    number bases, fraction rewrites) a number with no visible source is the rule, not a sign of a slip."""
    for claim in math.claims:
        for side in (claim.left.node, claim.right.node):
            if cas.variables(side) or not _plain_node(side):
                return False
    return True


def _plain_node(node: cas.Node) -> bool:
    match node:
        case cas.Binary("pow", _, _) | cas.Sqrt() | cas.Factorial() | cas.Pi():
            return False
        case cas.Binary("div", cas.Num(), cas.Num()):
            return False
        case _:
            return all(_plain_node(child) for child in cas.children(node))


def _substitution(
    claim: Claim, known: dict[str, tuple[Fraction, int | None]], ambiguous: set[str]
) -> CarriedFinding | None:
    for pattern, numbers in ((claim.left.node, claim.right.node), (claim.right.node, claim.left.node)):
        names = cas.variables(pattern)
        # "2C + 5 = 2(7) + 5": the numbers side keeps the pattern's own numbers. "B/S = 5/6" is a relation.
        if not names or not cas.leaves(pattern) or cas.variables(numbers) or not cas.has_operator(numbers):
            continue
        values: dict[str, Fraction] = {}
        if not _substituted(pattern, numbers, values):
            continue
        for name, value in sorted(values.items()):
            if name in known and name not in ambiguous and known[name][0] != value:
                expected, step = known[name]
                return CarriedFinding(claim, "substitution", value, expected, step, name)
    return None


def _miscopy(
    finding: ArithmeticFinding,
    seen: set[Fraction],
    here: set[Fraction],
    pending: list[tuple[Fraction, int]],
    position: int,
    in_claims: Counter[Fraction],
    in_prose: Counter[Fraction],
) -> CarriedFinding | None:
    if finding.outcome not in ("holds", "fails"):
        return None
    side = finding.claim.left.node if cas.has_operator(finding.claim.left.node) else finding.claim.right.node
    leaves = cas.leaves(side)
    for leaf in leaves:
        if leaf in seen or leaf in here or -leaf in seen or in_prose[abs(leaf)] > in_claims[leaf]:
            continue  # from the problem, an earlier step, this step's own words or an earlier claim in it
        copies = [(value, step) for value, step in pending if _near_copy(leaf, value) and value not in leaves]
        if len(copies) == 1 and copies[0][1] >= position - 2:
            value, step = copies[0]
            return CarriedFinding(finding.claim, "miscopied", leaf, value, step)
    return None


_ASSIGNMENT = re.compile(
    r"(?<![\w.^*/+\-)])([A-Za-z])\s*=\s*(-?\d+(?:\.\d+)?(?:/\d+)?)(?!\d|\.\d|\s*[-+*/^(=]|\s*[A-Za-z]\b)"
)


def assignments_in(text: str) -> list[tuple[str, Fraction]]:
    """ "when x = 2", "Let C = -7": a letter given a lone number, in the order written."""
    try:
        normalized = cas.normalize(text)
    except cas.HostileInput:
        return []
    out: list[tuple[str, Fraction]] = []
    for found in _ASSIGNMENT.finditer(normalized):
        try:
            out.append((found.group(1), Fraction(found.group(2))))
        except (ValueError, ZeroDivisionError):
            continue
    return out


def problem_assignments(statement: str) -> dict[str, Fraction]:
    """ "Evaluate 3x - 4 when x = 2": values the solution must substitute (a letter given two values: none)."""
    out: dict[str, Fraction] = {}
    twice: set[str] = set()
    for name, value in assignments_in(statement):
        if name in out and out[name] != value:
            twice.add(name)
        out[name] = value
    return {name: value for name, value in out.items() if name not in twice}
