"""From the recogniser's LaTeX to a solution line as a student would type it.

mathnote-ocr writes one token per symbol, separated by spaces ("2 x + 1 = 7"). The symbolic checker reads
"2 x" as two numbers, so symbols are joined and only binary operators and relations keep a space around them:
"2x + 1 = 7". A leading sign, or one after an operator or an opening bracket, is unary: "x = -3".
The result is still valid LaTeX, so the page typesets exactly the line that will be checked.
"""

from __future__ import annotations

import re

OPERATORS = frozenset({"+", "-", "=", "<", ">", "\\leq", "\\geq", "\\neq", "\\times", "\\cdot", "\\div", "\\pm"})
SIGNS = frozenset({"+", "-", "\\pm"})
OPENERS = ("(", "[", "{")
_COMMAND_AT_END = re.compile(r"\\[A-Za-z]+$")
_SIZED = {"\\left(": "(", "\\right)": ")", "\\left[": "[", "\\right]": "]"}


def step_text(latex: str) -> str:
    for sized, plain in _SIZED.items():
        latex = latex.replace(sized, f" {plain} ")
    out = ""
    previous: str | None = None
    for token in latex.split():
        if token in OPERATORS:
            unary = token in SIGNS and (previous is None or previous in OPERATORS or previous.endswith(OPENERS))
            if unary:
                out += token if previous is None or previous.endswith(OPENERS) else f" {token}"
            else:
                out += f" {token} "
        else:
            if out and _COMMAND_AT_END.search(out) and token[0].isalpha():
                out += " "  # \pi x, not \pix
            out += token
        previous = token
    return re.sub(r"\s+", " ", out).strip()
