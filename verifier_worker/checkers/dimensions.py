"""Dimensional consistency where units are explicit: "5 m × 4 m = 20 m" multiplies two lengths, so the result is
an area (m²), not a length.

Only the plain case is read: a product of numbers that each carry the same unit of length, area or volume, equal to
a number with a unit of a different power. Any other unit, a conversion, or a unit that is not written after
every factor is left alone (no claim is made). A units library was considered (pint): for this one question, a
small table of length units and their powers decides the same cases without its start-up cost on every worker.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .. import cas

LENGTH_UNITS = frozenset(
    ["mm", "cm", "m", "km", "in", "ft", "yd", "mi", "inch", "inches", "foot", "feet", "yard", "yards", "mile",
     "miles", "meter", "meters", "metre", "metres", "centimeter", "centimeters", "kilometer", "kilometers"]
)  # fmt: skip
_NUMBER = r"\d+(?:\.\d+)?"
_FACTOR = re.compile(rf"({_NUMBER})\s*([A-Za-z]+)(\s*\^\s*\(?\s*[23]\s*\)?|[²³])?")
_PRODUCT = re.compile(
    rf"(?P<factors>{_NUMBER}\s*[A-Za-z]+(?:\s*\^\s*\(?\s*[23]\s*\)?|[²³])?"
    rf"(?:\s*[*×xX]\s*{_NUMBER}\s*[A-Za-z]+(?:\s*\^\s*\(?\s*[23]\s*\)?|[²³])?)+)"
    rf"\s*=\s*(?P<result>{_NUMBER})\s*(?P<unit>[A-Za-z]+)(?P<power>\s*\^\s*\(?\s*[23]\s*\)?|[²³])?(?![A-Za-z])"
)


@dataclass(frozen=True)
class DimensionFinding:
    text: str  # the product as written, "5 m × 4 m"
    unit: str
    factor_power: int  # the power the factors multiply to (2: an area)
    result_power: int  # the power the result is written with


def _power(text: str | None) -> int:
    if not text:
        return 1
    return 3 if "3" in text or "³" in text else 2


def check_dimensions(text: str) -> DimensionFinding | None:
    """The first product of lengths whose result is written with the wrong power of the unit, or None."""
    try:
        plain = cas.normalize(text).replace("²", "^2").replace("³", "^3")
    except cas.HostileInput:
        return None
    for found in _PRODUCT.finditer(plain[: cas.MAX_TEXT_CHARS]):
        factors = _FACTOR.findall(found.group("factors"))
        units = {unit.lower() for _, unit, _ in factors}
        if len(units) != 1 or found.group("unit").lower() not in units:
            continue
        (unit,) = units
        if unit not in LENGTH_UNITS:
            continue
        total = sum(_power(power) for _, _, power in factors)
        written = _power(found.group("power"))
        if total != written and total <= 3:
            return DimensionFinding(found.group("factors").strip(), unit, total, written)
    return None
