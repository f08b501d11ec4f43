"""How a score is computed from the verdicts: the one score policy. Grading, overrides and regrades call it."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal


def compute_score(
    *, points: Decimal, steps: int, first_error_index: int | None, late_penalty_percent: int, is_late: bool
) -> Decimal:
    """The default rule: the share of steps before the first error, times the points; less the late penalty."""
    if steps <= 0:
        share = Decimal(0)
    elif first_error_index is None:
        share = Decimal(1)
    else:
        share = Decimal(max(0, min(first_error_index, steps))) / Decimal(steps)
    score = Decimal(points) * share
    if is_late:
        score = score * (Decimal(100) - Decimal(late_penalty_percent)) / Decimal(100)
    return score.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
