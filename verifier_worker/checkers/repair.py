"""What a slip did to the final answer: carry its correction through the calculations after it.

A false "a op b = c" is certainly wrong, but it is the first error only when nothing before it went wrong too. One
check settles that from the student's own text: put the correct result in place of the written one, recompute every
later calculation that uses it (and those that use theirs, in the order written), and read the final answer again.
When that gives the expected answer, the rest of the solution was right and the slip alone made the answer wrong;
when it does not, something else is wrong as well, possibly before the slip.

Only exact values (Fractions) are carried; a written number that the problem also gives is not replaced (a later
"12" may be the problem's 12, not the slip's), and a calculation that no longer evaluates stops the carry there.
"""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction
from typing import assert_never

from .. import cas
from .arithmetic import ArithmeticFinding

MAX_CARRIED = 64  # values carried forward at most: a bound on the work for a long solution


def calculation_side(finding: ArithmeticFinding) -> tuple[cas.Node, cas.Number | None]:
    """The side that calculates and the result the student wrote for it: "12 × 7 = 82" gives (12 × 7, 82)."""
    claim = finding.claim
    if cas.has_operator(claim.left.node):
        return claim.left.node, finding.stated
    return claim.right.node, finding.computed


def _replaced(node: cas.Node, values: dict[Fraction, Fraction]) -> cas.Node:
    match node:
        case cas.Num(value):
            return cas.Num(values[value]) if value in values else node
        case cas.Var() | cas.Pi():
            return node
        case cas.Neg(operand):
            return cas.Neg(_replaced(operand, values))
        case cas.Percent(operand):
            return cas.Percent(_replaced(operand, values))
        case cas.Factorial(operand):
            return cas.Factorial(_replaced(operand, values))
        case cas.Sqrt(operand):
            return cas.Sqrt(_replaced(operand, values))
        case cas.Abs(operand):
            return cas.Abs(_replaced(operand, values))
        case cas.Binom(n, k):
            return cas.Binom(_replaced(n, values), _replaced(k, values))
        case cas.Binary(op, left, right):
            return cas.Binary(op, _replaced(left, values), _replaced(right, values))
        case _:
            assert_never(node)


def corrected_values(
    arithmetic: Sequence[Sequence[ArithmeticFinding]],
    position: int,
    slip: ArithmeticFinding,
    given: frozenset[Fraction] = frozenset(),
) -> dict[Fraction, Fraction]:
    """Each value the solution wrote after the slip (the slip's own result included) mapped to the value it would
    have had with the slip corrected; {} when the slip's values are not exact."""
    _, written = calculation_side(slip)
    right = slip.computed if written is slip.stated else slip.stated
    if not isinstance(written, Fraction) or not isinstance(right, Fraction) or written in given:
        return {}
    carried: dict[Fraction, Fraction] = {written: right}
    started = False
    for findings in arithmetic[position:]:
        for finding in findings:
            if finding is slip:
                started = True
                continue
            if not started or len(carried) >= MAX_CARRIED:
                continue
            node, result = calculation_side(finding)
            if not isinstance(result, Fraction) or result in carried or result in given:
                continue
            if not any(leaf in carried for leaf in cas.leaves(node)):
                continue
            try:
                value = cas.evaluate(_replaced(node, carried))
            except (cas.ParseFailure, cas.HostileInput, ArithmeticError, ValueError):
                continue
            if isinstance(value, Fraction):
                carried[result] = value
    return carried


def corrected_answer(
    arithmetic: Sequence[Sequence[ArithmeticFinding]],
    position: int,
    slip: ArithmeticFinding,
    answer: Fraction,
    given: frozenset[Fraction] = frozenset(),
) -> tuple[Fraction, ...]:
    """The final answer the solution would have reached with the slip corrected, in each scale it may be written
    in ("50%" may be the 0.5 a calculation wrote); () when the correction does not reach the answer."""
    carried = corrected_values(arithmetic, position, slip, given)
    return tuple(
        carried[written] * scale
        for written, scale in ((answer, 1), (answer / 100, 100), (answer * 100, Fraction(1, 100)))
        if written in carried
    )
