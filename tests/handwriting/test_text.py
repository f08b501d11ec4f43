"""From the recogniser's spaced LaTeX tokens to a line the symbolic checker reads like typed text."""

from __future__ import annotations

import pytest

from verifier_worker.handwriting.text import step_text


@pytest.mark.parametrize(
    ("latex", "text"),
    [
        ("2 x + 1 = 7", "2x + 1 = 7"),
        ("x = - 3", "x = -3"),
        ("- 3 + x = 1", "-3 + x = 1"),
        ("1 2 - 4 = 8", "12 - 4 = 8"),
        ("\\frac{x + 1}{2} = 3", "\\frac{x + 1}{2} = 3"),
        ("\\left( x + 1 \\right) = 2", "(x + 1) = 2"),
        ("( - 2 ) x", "(-2)x"),
        ("5 \\times 3 = 1 5", "5 \\times 3 = 15"),
        ("\\pi x", "\\pi x"),
        ("x^{2} = 9", "x^{2} = 9"),
        ("", ""),
    ],
)
def test_step_text(latex, text):
    assert step_text(latex) == text
