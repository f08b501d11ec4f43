"""Parser coverage: each notation is read, right work in it is not flagged, and a slip in it is."""

from __future__ import annotations

from fractions import Fraction

import pytest

from verifier_worker import cas
from verifier_worker.backends.symbolic import SymbolicVerifier
from verifier_worker.checkers.arithmetic import check_claims
from verifier_worker.checkers.claims import claims_in
from verifier_worker.types import Problem, StepInput, VerificationRequest, VerificationResult


def verify(steps: list[str], answer: str = "", statement: str = "A problem.") -> VerificationResult:
    request = VerificationRequest(
        problem=Problem(statement, answer), steps=tuple(StepInput(i, text) for i, text in enumerate(steps))
    )
    return SymbolicVerifier().verify_batch([request])[0]


def outcomes(text: str) -> list[str]:
    return [finding.outcome for finding in check_claims(claims_in(text))]


@pytest.mark.parametrize(
    ("right", "wrong"),
    [
        ("|-4| + 3 = 7", "|-4| + 3 = -1"),
        (r"\left| 2 - 9 \right| = 7", r"\left| 2 - 9 \right| = -7"),
        ("C(5, 2) = 10", "C(5, 2) = 20"),
        (r"\binom{6}{2} = 15", r"\binom{6}{2} = 12"),
        ("5C2 = 10", "5C2 = 11"),
        ("180° − 90° − 30° = 60°", "180° − 90° − 30° = 70°"),
        (r"180^\circ - 35^\circ = 145^\circ", r"180^\circ - 35^\circ = 155^\circ"),
        (r"0.\overline{3} \times 3 = 1", r"0.\overline{3} \times 3 = 0.9"),
        (r"0.1\overline{6} = 1/6", r"0.1\overline{6} = 1/5"),
        (r"\text{Total} = 3 + 4 = 7", r"\text{Total} = 3 + 4 = 8"),
        ("$5 + $10 = $15", "$5 + $10 = $16"),
        (r"He pays \$12 and \$8, so \$12 + \$8 = \$20.", r"He pays \$12 and \$8, so \$12 + \$8 = \$21."),
    ],
)
def test_each_notation_is_read(right: str, wrong: str) -> None:
    assert outcomes(right)
    assert "fails" not in outcomes(right)
    assert "holds" in outcomes(right)
    assert "fails" in outcomes(wrong)


@pytest.mark.parametrize(
    ("steps", "answer"),
    [
        (["−5x = −15", "x = 3"], "3"),
        (["−3x + 2 = 11", "−3x = 9", "x = -3"], "-3"),
        (["x_1 + x_2 = 5", "x_1 = 2"], ""),
        (["x₁ = 2 and x₂ = 3"], ""),
        (["f(x) = 2x + 3", "f(2) = 2(2) + 3 = 7"], "7"),
        (["f'(x) = 6x + 2", "f'(1) = 6 + 2 = 8"], "8"),
        (["f^{-1}(5) = 2", "f^{-1}(9) = 2(2) + 1 = 5"], "5"),
        (["2 < x < 5, so x = 3 or x = 4."], ""),
        (["x ≥ 3 and x ≤ 7", "So 3 ≤ x ≤ 7."], ""),
        (["1/3 = 0.333...", "So 0.333... × 3 ≈ 1"], ""),
        (["|x − 1| = −(x − 1) = 1 − x when x < 1"], ""),
        (["P(A|B) = 0.5 and 3 | 12"], ""),
        (["Since 324_8 = 212, we add 212 + 1 = 213."], "213"),
    ],
)
def test_right_work_in_other_notation_is_not_flagged(steps: list[str], answer: str) -> None:
    result = verify(steps, answer)
    assert result.first_error_index is None
    assert all(v.verdict != "incorrect" for v in result.steps)


@pytest.mark.parametrize(
    ("steps", "wrong"),
    [
        (["−5x = −15", "x = -3"], 1),
        (["−3x + 2 = 11", "−3x = 13"], 1),
        (["x_1 + 4 = 9", "x_1 = 3"], 1),
    ],
)
def test_slips_in_that_notation_are_flagged(steps: list[str], wrong: int) -> None:
    assert verify(steps, "3").first_error_index == wrong


def test_notation_is_read_as_the_intended_value() -> None:
    def value(text: str) -> Fraction | float:
        return cas.evaluate(cas.parse_tokens(cas.tokenize(cas.normalize(text))))

    assert value("C(10, 3)") == 120
    assert value(r"\binom{52}{5}") == 2_598_960
    assert value("|3 - 10|") == 7
    assert value(r"1.\overline{27}") == Fraction(14, 11)
    assert cas.render(cas.parse_tokens(cas.tokenize(cas.normalize("-5x")))) == "-5x"


def test_huge_binomials_are_refused_quickly() -> None:
    with pytest.raises(cas.HostileInput):
        cas.evaluate(cas.parse_tokens(cas.tokenize(cas.normalize("C(5000, 2500)"))))


def test_a_number_equal_to_an_expression_with_a_variable_is_an_equation() -> None:
    # given "51 = 3x" after words (a lone number on the left is otherwise a label) / then it is an equation
    assert [(c.left.text, c.right.text) for c in claims_in(r"According to the problem, \( 51 = 3x \).")] == [
        ("51", "3 x")
    ]
    # while a lone number before a calculation stays a label, and two equations run together are not a chain
    assert claims_in("So 10 = 76 + 10 apples") == ()
    assert ("0", "y + 4 - 4") not in [(c.left.text, c.right.text) for c in claims_in("0 = y + 4 -4 = y")]
