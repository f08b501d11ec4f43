"""Arithmetic claims: does "a op b = c" hold, allowing the rounding the student announced or implied?"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction
from typing import Literal, assert_never

from .. import cas
from .claims import MEASUREMENT_UNITS, Claim

Outcome = Literal["holds", "fails", "unclear"]

OPERATION_WORDS: dict[cas.BinaryOperator, str] = {
    "add": "addition",
    "sub": "subtraction",
    "mul": "multiplication",
    "div": "division",
    "pow": "power",
}


def operation_word(node: cas.Node) -> str:
    """The school word for the outermost operation: "multiplication", "percentage", ..."""
    match node:
        case cas.Binary("mul", cas.Percent(), _):
            return "percentage"
        case cas.Binary(op, _, _):
            return OPERATION_WORDS[op]
        case cas.Percent():
            return "percentage"
        case cas.Sqrt():
            return "square root"
        case cas.Factorial():
            return "factorial"
        case cas.Abs():
            return "absolute value"
        case cas.Binom():
            return "combination"
        case cas.Num() | cas.Var() | cas.Pi() | cas.Neg():
            return "calculation"
        case _:
            assert_never(node)


@dataclass(frozen=True)
class ArithmeticFinding:
    claim: Claim
    outcome: Outcome
    computed: cas.Number | None = None
    stated: cas.Number | None = None
    reason: str = ""

    @property
    def operation(self) -> str:
        node = self.claim.left.node if cas.has_operator(self.claim.left.node) else self.claim.right.node
        return operation_word(node)


def format_number(value: cas.Number) -> str:
    if isinstance(value, Fraction) and value.denominator == 1:
        return f"{value.numerator:,}" if abs(value) >= 10_000 else str(value.numerator)
    number = float(value)
    if isinstance(value, Fraction) and value.denominator in (2, 4, 5, 8, 10, 20, 25, 50, 100, 1000):
        return f"{number:g}"
    if isinstance(value, Fraction) and value.denominator < 100:
        return f"{value.numerator}/{value.denominator}"
    return f"{number:.4g}" if abs(number) < 1e6 else f"{number:,.0f}"


def _decimal_places(text: str) -> int | None:
    """Decimal places of a lone written number ("3.50" -> 2), or None when the part is not a lone number."""
    stripped = text.replace(" ", "").replace(",", "").lstrip("-").rstrip("%")
    if not stripped or any(ch not in "0123456789." for ch in stripped):
        return None
    return len(stripped.split(".", 1)[1]) if "." in stripped else 0


def _has_percent_mix(node: cas.Node) -> bool:
    """ "50 + 20%" reads as "50 plus 20 % of 50" to many students: too ambiguous to judge."""
    if isinstance(node, cas.Binary) and node.op in ("add", "sub"):
        sides = (isinstance(node.left, cas.Percent), isinstance(node.right, cas.Percent))
        if any(sides) and not all(sides):
            return True
    return any(_has_percent_mix(child) for child in cas.children(node))


def _close(a: float, b: float, tolerance: float) -> bool:
    return abs(a - b) <= tolerance + 1e-9 * max(1.0, abs(a), abs(b))


def check_claim(claim: Claim) -> ArithmeticFinding:
    left, right = claim.left.node, claim.right.node
    if cas.variables(left) or cas.variables(right):
        return ArithmeticFinding(claim, "unclear", reason="has variables")
    if not (cas.has_operator(left) or cas.has_operator(right)):
        return ArithmeticFinding(claim, "unclear", reason="restates a number")
    left_measures, right_measures = claim.left.units & MEASUREMENT_UNITS, claim.right.units & MEASUREMENT_UNITS
    if left_measures and right_measures and not left_measures & right_measures:
        return ArithmeticFinding(claim, "unclear", reason="different units on each side (a conversion or scale)")
    if len(claim.left.units) > 1 and cas.is_binary(left, "add", "sub"):
        return ArithmeticFinding(claim, "unclear", reason="adds different units")
    if _has_percent_mix(left) or _has_percent_mix(right):
        return ArithmeticFinding(claim, "unclear", reason="percentage added to a number")
    computed, stated = cas.evaluate(left), cas.evaluate(right)
    if computed == stated:
        return ArithmeticFinding(claim, "holds", computed, stated)
    a, b = float(computed), float(stated)
    if _percent_rescaled(claim, a, b):
        return ArithmeticFinding(claim, "holds", computed, stated, reason="percent written as a whole number")
    places = _decimal_places(claim.right.text) if _is_lone(right) else None
    readings = _readings(claim, b)
    for value, shown in readings:
        # Rounded or truncated to the written places, on the scale it is written in ("66.67%"): off by less than
        # one unit in the last place (a whole unit, as in 27/45 = 0.5, is a slip).
        if places and abs(a * shown - value * shown) < 10.0 ** (-places) * (1 - 1e-9):
            return ArithmeticFinding(claim, "holds", computed, stated, reason=f"rounded to {places} decimal places")
    if claim.approximate and (_close(a, b, 1.0) or _close(a, b, 0.02 * abs(a))):
        return ArithmeticFinding(claim, "holds", computed, stated, reason="approximately equal")
    # "2/3 = 67%" may be rounded, "100% - 40% = 70%" is not: percentages are compared on their own scale.
    if places == 0 and any(not _whole(a * shown) and abs(a * shown - value * shown) < 1 for value, shown in readings):
        return ArithmeticFinding(claim, "unclear", computed, stated, reason="rounded to a whole number")
    if isinstance(computed, float) and _close(a, b, 0.01 * abs(a)):
        return ArithmeticFinding(claim, "unclear", computed, stated, reason="irrational value, rounded")
    if (claim.left.units or claim.right.units) and _conversion_ratio(a, b):
        return ArithmeticFinding(claim, "unclear", computed, stated, reason="may be a unit conversion")
    run_on = _run_on(claim, computed)
    if run_on == "continues":
        return ArithmeticFinding(claim, "holds", computed, stated, reason="the next calculation continues here")
    if run_on == "may continue":
        return ArithmeticFinding(claim, "unclear", computed, stated, reason="the next calculation may start here")
    return ArithmeticFinding(claim, "fails", computed, stated)


CONVERSION_FACTORS = (10, 12, 16, 24, 36, 60, 100, 1000, 3600)


def _conversion_ratio(a: float, b: float) -> bool:
    """ "15 × 20 cents = $3": the sides differ by a unit factor, and units are written."""
    if a == 0 or b == 0:
        return False
    ratio = max(abs(a), abs(b)) / min(abs(a), abs(b))
    return any(math.isclose(ratio, factor, rel_tol=1e-9) for factor in CONVERSION_FACTORS)


def _is_lone(node: cas.Node) -> bool:
    return isinstance(node, cas.Num | cas.Neg) or (isinstance(node, cas.Percent) and isinstance(node.operand, cas.Num))


def _readings(claim: Claim, stated: float) -> list[tuple[float, float]]:
    """How the stated value may be meant, each with the factor it is written at: "70%" is 0.7 written at 100. With a
    percentage on one side only ("(2/3) × 100 = 66.67%"), the percent may be written as a whole number."""
    shown = 100.0 if isinstance(claim.right.node, cas.Percent) else 1.0
    readings = [(stated, shown)]
    if ("%" in claim.right.text) != ("%" in claim.left.text):
        readings += [(stated * 100, shown / 100), (stated / 100, shown * 100)]
    return readings


def _whole(value: float) -> bool:
    return abs(value - round(value)) < 1e-9


def _is_integer(value: cas.Number) -> bool:
    return isinstance(value, Fraction) and value.denominator == 1


def _percent_rescaled(claim: Claim, a: float, b: float) -> bool:
    uses_percent = "%" in claim.left.text or "%" in claim.right.text
    return uses_percent and (_close(a * 100, b, 1e-9) or _close(a, b * 100, 1e-9))


def _leftmost_number(node: cas.Node) -> cas.Number | None:
    while isinstance(node, cas.Binary):
        node = node.left
    return node.value if isinstance(node, cas.Num) else None


def _run_on(claim: Claim, computed: cas.Number) -> Literal["continues", "may continue", "no"]:
    """ "5 × 2 = 10 + 3 = 13": the student wrote the next calculation straight after the result. Only when the
    chain goes on to a result ("5 × 2 = 10 + 3" alone may be either), and never when the right side is bracketed as
    a whole: "(4 + 7) = (11 + 5) = 16" rewrites the left side, and hides a slip."""
    first = _leftmost_number(claim.right.node)
    if not cas.has_operator(claim.right.node) or first is None or not math.isclose(float(first), float(computed)):
        return "no"
    if _bracketed(claim.right.text):
        return "no"
    return "continues" if claim.continued else "may continue"


def _bracketed(text: str) -> bool:
    """ "( 11 + 5 )": the whole part is inside one pair of brackets."""
    stripped = text.strip()
    if not (stripped.startswith("(") and stripped.endswith(")")):
        return False
    depth = 0
    for position, char in enumerate(stripped):
        depth += {"(": 1, ")": -1}.get(char, 0)
        if depth == 0 and position < len(stripped) - 1:
            return False
    return True


def check_claims(claims: tuple[Claim, ...]) -> list[ArithmeticFinding]:
    findings: list[ArithmeticFinding] = []
    for claim in claims:
        try:
            findings.append(check_claim(claim))
        except cas.HostileInput:
            raise  # the caller leaves the whole step unverified, with this reason
        except (cas.ParseFailure, OverflowError, ValueError, ZeroDivisionError) as exc:
            findings.append(ArithmeticFinding(claim, "unclear", reason=str(exc) or type(exc).__name__))
    return findings
