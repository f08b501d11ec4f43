"""The bounded parser: notation it reads, and hostile input it refuses quickly."""

from __future__ import annotations

import time
from fractions import Fraction

import pytest

from verifier_worker import cas
from verifier_worker.checkers.claims import claims_in


def value_of(text: str) -> Fraction | float:
    return cas.evaluate(cas.parse_tokens(cas.tokenize(cas.normalize(text))))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("12 × 7", Fraction(84)),
        (r"3 \times 4", Fraction(12)),
        (r"3 \cdot 4", Fraction(12)),
        ("3 · 4", Fraction(12)),
        ("12 ÷ 4", Fraction(3)),
        (r"12 \div 4", Fraction(3)),
        ("3 x 4", Fraction(12)),
        ("2^10", Fraction(1024)),
        (r"\frac{3}{4} \cdot 8", Fraction(6)),
        ("(2 + 3) * 4", Fraction(20)),
        ("1,200 + 300", Fraction(1500)),
        ("-3 + 5", Fraction(2)),
        ("2.5 * 4", Fraction(10)),
        ("2 1/2 + 1/2", Fraction(3)),
        ("20% of 50", Fraction(10)),
    ],
)
def test_notation_is_evaluated_exactly(text: str, expected: Fraction) -> None:
    # given a calculation in one of the notations students use / when evaluated / then the value is exact
    assert value_of(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "10^{10^{10^{10}}} = 5",
        "9!!!!!! = 3",
        "1" * 40 + " + 1 = 2",
    ],
)
def test_hostile_calculations_are_refused_quickly(text: str) -> None:
    # given a calculation that would explode / when evaluated / then HostileInput is raised within a second
    def evaluate_every_claim() -> None:
        for claim in claims_in(text):
            cas.evaluate(claim.left.node)

    started = time.perf_counter()
    with pytest.raises(cas.HostileInput):
        evaluate_every_claim()
    assert time.perf_counter() - started < 1.0


def test_long_and_deep_input_is_refused_before_parsing() -> None:
    started = time.perf_counter()
    with pytest.raises(cas.HostileInput, match="characters long"):
        cas.normalize("1 + " * 50_000 + "1 = 2")
    with pytest.raises(cas.HostileInput, match="nested"):
        cas.normalize("{" * 500 + "1" + "}" * 500)
    assert time.perf_counter() - started < 1.0


def test_deadline_expires_without_signals() -> None:
    deadline = cas.Deadline(0.0)
    assert deadline.expired()
    with pytest.raises(cas.BudgetExceeded):
        deadline.check()


def test_sympy_conversion_builds_expressions_without_eval() -> None:
    node = cas.parse_tokens(cas.tokenize(cas.normalize("3x + 5")))
    import sympy

    assert cas.to_sympy(node) == 3 * sympy.Symbol("x") + 5


def test_render_uses_school_symbols() -> None:
    node = cas.parse_tokens(cas.tokenize(cas.normalize("12 * 7")))
    assert cas.render(node) == "12 × 7"


@pytest.mark.parametrize(
    ("text", "left", "right"),
    [
        ("so that's 5*5 = 25 classes", "5 * 5", "25"),
        ("7995 (total cookies) - 2595 (rainbow cookies) = 4500", "7995 - 2595", "4500"),
        ("3 plates × $6.00/plate = $18.00", "3 * 6.00", "18.00"),
        ("It increases by 20/100*20 = $4", "20 / 100 * 20", "4"),
    ],
)
def test_claims_are_read_through_notes_rates_and_contractions(text: str, left: str, right: str) -> None:
    claims = claims_in(text)
    assert [(c.left.text, c.right.text) for c in claims] == [(left, right)]


@pytest.mark.parametrize(
    "text", ["4 divided by 4/9 equals 9", "b x 1.5 + 3 = 15", "3 x 50 = 5 x x", r"\[49 - 6 = 3ab\]"]
)
def test_partial_calculations_are_not_claims(text: str) -> None:
    assert claims_in(text) == ()


def test_the_shared_parse_cache_is_bounded_and_skips_long_texts() -> None:
    # given the per-process cache of parsed texts (a problem's statement and reference are parsed once)
    from verifier_worker.checkers import claims

    info = claims._shared_step_math.cache_info()
    assert info.maxsize is not None
    assert info.maxsize <= 4096
    # when a text longer than the shared bound is parsed / then it is parsed, but not kept
    long_text = "3 + 4 = 7. " * (claims.MAX_SHARED_CHARS // 10 + 1)
    before = claims._shared_step_math.cache_info().currsize
    assert claims.step_math(long_text).claims
    assert claims._shared_step_math.cache_info().currsize == before
    # and a short one is kept, and the same immutable parse is returned again
    first = claims.step_math("12 × 7 = 84, a shared parse")
    assert claims.step_math("12 × 7 = 84, a shared parse") is first
