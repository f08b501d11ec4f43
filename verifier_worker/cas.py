"""Safe, bounded parsing of the arithmetic and algebra a student writes.

Nothing here calls `eval`. Text (plain or LaTeX) is normalized, split into tokens, and parsed by a small Pratt
parser into an AST of plain tuples. The AST is then either evaluated exactly (Fractions) or turned into sympy
objects by constructing them directly. Before anything is evaluated, guards bound the input length, the
nesting depth, the digit count of each number, exponents and factorials, so sympy never sees an expression that
can blow up. A cheap `Deadline` is checked between claims; it works in any thread and inside Celery's prefork
workers because it never uses signals.
"""

from __future__ import annotations

import math
import re
import time
from dataclasses import dataclass, field
from fractions import Fraction
from functools import lru_cache
from typing import Any

MAX_TEXT_CHARS = 20_000
MAX_DEPTH = 40
MAX_DIGITS = 30
MAX_EXPONENT = 400
MAX_RESULT_DIGITS = 400
MAX_FACTORIAL = 170
MAX_TOKENS_PER_EXPRESSION = 200


class HostileInput(ValueError):
    """The input is too large or too deep to check safely; the step is left unverified with this reason."""


class ParseFailure(ValueError):
    """The text is not an expression this parser understands; nothing is claimed about it."""


class BudgetExceeded(RuntimeError):
    """The time budget for one verification ran out."""


@dataclass
class Deadline:
    seconds: float
    started: float = field(default_factory=time.perf_counter)

    def remaining(self) -> float:
        return self.seconds - (time.perf_counter() - self.started)

    def expired(self) -> bool:
        return self.remaining() <= 0

    def check(self) -> None:
        if self.expired():
            raise BudgetExceeded(f"the {self.seconds:.1f} s time budget ran out")


# --------------------------------------------------------------------------------------------------------------
# Guards and normalization
# --------------------------------------------------------------------------------------------------------------


def guard_text(text: str) -> None:
    if len(text) > MAX_TEXT_CHARS:
        raise HostileInput(f"the step is {len(text):,} characters long; steps over {MAX_TEXT_CHARS:,} are not checked")
    depth = 0
    for char in text:
        if char in "({[":
            depth += 1
            if depth > MAX_DEPTH:
                raise HostileInput(f"brackets are nested more than {MAX_DEPTH} deep")
        elif char in ")}]":
            depth = max(0, depth - 1)
    if re.search(rf"\d{{{MAX_DIGITS + 1},}}", text.replace(",", "")):
        raise HostileInput(f"a number has more than {MAX_DIGITS} digits")
    if re.search(r"!{3,}", text):
        raise HostileInput("repeated factorials are too large to check")


_TEXT_COMMANDS = re.compile(r"\\(?:text|mathrm|textbf|textit|mbox|operatorname|mathbf|emph)\s*\{([^{}]*)\}")
_FRAC = re.compile(r"\\[dt]?frac\s*\{([^{}]*)\}\s*\{([^{}]*)\}")
_FRAC_DIGITS = re.compile(r"\\[dt]?frac\s*(\d)\s*(\d)")
_LATEX_MIXED = re.compile(r"(?<![\d.])(\d+)\s*\\[dt]?frac\s*\{(\d+)\}\s*\{(\d+)\}")
_SUBSCRIPT = re.compile(r"_\{[^{}]*\}|_[A-Za-z0-9]")
_SQRT = re.compile(r"\\sqrt\s*\{([^{}]*)\}")
_BOXED = re.compile(r"\\(?:boxed|fbox)\s*\{")
_SIMPLE_REPLACEMENTS: tuple[tuple[str, str], ...] = (
    ("\\left", ""),
    ("\\right", ""),
    ("\\times", " * "),
    ("\\cdot", " * "),
    ("\\ast", " * "),
    ("\\div", " / "),
    ("\\%", "%"),
    ("\\$", " "),
    ("\\approx", " ≈ "),
    ("\\neq", " ≠ "),
    ("\\ne ", " ≠ "),
    ("\\(", " ; "),
    ("\\)", " ; "),
    ("\\[", " ; "),
    ("\\]", " ; "),
    ("\\,", " "),
    ("\\;", " "),
    ("\\!", ""),
    ("\\quad", " ; "),
    ("\\qquad", " ; "),
    ("\\implies", " ; "),
    ("\\Rightarrow", " ; "),
    ("\\rightarrow", " ; "),
    ("\\to", " ; "),
    ("\\geq", " ≥ "),
    ("\\leq", " ≤ "),
    ("\\ge", " ≥ "),
    ("\\le", " ≤ "),
    ("\\pi", "pi"),
    ("\\{", " ; "),
    ("\\}", " ; "),
    ("&=", "="),
    ("&", " "),
    ("\\\\", " ; "),
    ("$", " "),
    ("×", " * "),
    ("·", " * "),
    ("⋅", " * "),
    ("∗", " * "),
    ("÷", " / "),
    ("−", "-"),
    ("²", "^2"),
    ("³", "^3"),
    ("√", " sqrt "),
    ("⇒", " ; "),
    ("→", " ; "),
)


@lru_cache(maxsize=4096)
def normalize(text: str) -> str:
    """LaTeX and typographic notation to one plain notation the tokenizer reads. Cached per process."""
    guard_text(text)
    out = _TEXT_COMMANDS.sub(lambda m: f" {m.group(1)} ", text)
    out = _BOXED.sub("{", out)
    out = _LATEX_MIXED.sub(lambda m: f"({m.group(1)}+{m.group(2)}/{m.group(3)})", out)
    # In LaTeX, "2\sqrt{10}", "25\pi", "3\frac{x}{2}" are products: glue them so they read as one term.
    out = re.sub(r"(?<=[\d)}])\s*(?=\\(?:sqrt|pi|frac|dfrac)(?![A-Za-z]))", "", out)
    # "1.2342...": a repeating decimal is not the number written; "7:50 + 30 minutes = 8:20": nor is a clock time.
    out = re.sub(r"\.\.\.|…", " @ ", out)
    out = re.sub(r"\b\d{1,2}:\d{2}\b", " @ ", out)
    out = _SUBSCRIPT.sub(" @ ", out)
    # "7995 (total cookies) - 2595 (rainbow cookies)": a note in brackets is not part of the calculation.
    out = re.sub(r"\(\s*[A-Za-z][A-Za-z\s'’-]+\)", " ", out)
    for _ in range(MAX_DEPTH):
        replaced = _FRAC.sub(lambda m: f"(({m.group(1)})/({m.group(2)}))", out)
        replaced = _FRAC_DIGITS.sub(lambda m: f"(({m.group(1)})/({m.group(2)}))", replaced)
        replaced = _SQRT.sub(lambda m: f"sqrt({m.group(1)})", replaced)
        if replaced == out:
            break
        out = replaced
    for old, new in _SIMPLE_REPLACEMENTS:
        out = out.replace(old, new)
    # Any other command (\log, \sin, \lfloor, \Join) is a function or relation we do not evaluate: "@" marks it,
    # and the expression right after it is not read as a plain calculation.
    out = re.sub(r"\\[A-Za-z]+", " @ ", out)
    out = out.replace("{", "(").replace("}", ")")
    # "3 x 4", "3x4", "3 X 4": the letter x between two numbers is a multiplication sign.
    out = re.sub(r"(?<=\d)(?:\s{1,3}[xX]\s{1,3}|[xX])(?=\(?\d)", " * ", out)
    out = re.sub(r"(\)|\bpi)\s+\(", r"\1(", out)  # "\frac{1}{3} (x - 30)": a product, as the LaTeX means
    return out


# --------------------------------------------------------------------------------------------------------------
# Tokens
# --------------------------------------------------------------------------------------------------------------

_TOKEN = re.compile(
    r"""
    (?P<mixed>(?<![\d.,/])\d+\s+\d+/\d+(?![\d.,/]))
  | (?P<num>\d{1,3}(?:,\d{3})+(?:\.\d+)?(?![\d])|\d+(?:\.\d+)?|\.\d+)
  | (?P<op>\*\*|[-+*/^])
  | (?P<lp>\()
  | (?P<rp>\))
  | (?P<eq>==|=)
  | (?P<approx>≈|~)
  | (?P<pct>%)
  | (?P<fact>!)
  | (?P<word>[A-Za-z]+)
  | (?P<space>\s+)
  | (?P<other>.)
    """,
    re.VERBOSE,
)

APPROX_WORDS = frozenset({"about", "approximately", "roughly", "around", "nearly", "almost", "approx"})
SOFT_EQ_WORDS = frozenset({"is", "equals", "gives", "makes", "are"})
FUNCTIONS = frozenset({"sqrt"})
CONSTANTS = frozenset({"pi"})


@dataclass(frozen=True)
class Token:
    kind: str
    text: str
    start: int
    glued: bool  # no whitespace between this token and the previous one


def tokenize(text: str) -> list[Token]:
    tokens: list[Token] = []
    glued = False
    for match in _TOKEN.finditer(text):
        kind = match.lastgroup or "other"
        if kind == "space":
            glued = False
            continue
        value = match.group()
        if kind == "mixed":
            _whole, frac = value.split()
            numerator, denominator = frac.split("/")
            if int(numerator) >= int(denominator) or int(denominator) == 0:
                # "3 1/2" only reads as a mixed number when the fraction is proper.
                for sub in _TOKEN.finditer(value):
                    if sub.lastgroup != "space":
                        tokens.append(Token(sub.lastgroup or "other", sub.group(), match.start() + sub.start(), False))
                glued = True
                continue
        tokens.append(Token(kind, value, match.start(), glued))
        glued = True
    return tokens


# --------------------------------------------------------------------------------------------------------------
# AST: ("num", Fraction) | ("var", name) | ("neg", a) | ("add"|"sub"|"mul"|"div"|"pow", a, b)
#      | ("pct", a) | ("fact", a) | ("sqrt", a) | ("pi",)
# --------------------------------------------------------------------------------------------------------------

Node = tuple[Any, ...]

_BINARY_POWER = {"+": 10, "-": 10, "*": 20, "/": 20, "of": 20, "^": 40, "**": 40}


def number_value(text: str) -> Fraction:
    return Fraction(text.replace(",", ""))


class _Parser:
    def __init__(self, tokens: list[Token]) -> None:
        if len(tokens) > MAX_TOKENS_PER_EXPRESSION:
            raise HostileInput("the expression is too long to check")
        self.tokens = tokens
        self.pos = 0

    def peek(self) -> Token | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def take(self) -> Token:
        token = self.tokens[self.pos]
        self.pos += 1
        return token

    def parse(self) -> Node:
        node = self.expression(0, 0)
        if self.pos != len(self.tokens):
            raise ParseFailure(f"unexpected {self.tokens[self.pos].text!r}")
        return node

    def expression(self, min_power: int, depth: int) -> Node:
        if depth > MAX_DEPTH:
            raise HostileInput(f"the expression is nested more than {MAX_DEPTH} deep")
        left = self.prefix(depth)
        while True:
            token = self.peek()
            if token is None or token.kind == "rp":
                return left
            if token.kind in ("op", "word") and token.text in _BINARY_POWER:
                power = _BINARY_POWER[token.text]
                if power < min_power or (power == min_power and token.text not in ("^", "**")):
                    return left
                self.take()
                op = {"+": "add", "-": "sub", "*": "mul", "/": "div", "of": "mul", "^": "pow", "**": "pow"}
                right_power = power if token.text in ("^", "**") else power + 1
                right = self.expression(right_power, depth + 1)
                left = (op[token.text], left, right)
            elif token.kind == "pct":
                self.take()
                left = ("pct", left)
            elif token.kind == "fact":
                self.take()
                left = ("fact", left)
            elif token.kind in ("lp", "num", "word") and token.glued and min_power <= 20:
                # Implicit multiplication: 2x, 3(x + 1), (a)(b), 2 pi.
                if token.kind == "num" and left[0] != "num" and left[0] != "pct":
                    pass
                elif token.kind == "num":
                    raise ParseFailure("two numbers in a row")
                right = self.expression(21, depth + 1)
                left = ("mul", left, right)
            else:
                raise ParseFailure(f"unexpected {token.text!r}")

    def prefix(self, depth: int) -> Node:
        token = self.peek()
        if token is None:
            raise ParseFailure("expression ends early")
        self.take()
        if token.kind == "num":
            return ("num", number_value(token.text))
        if token.kind == "mixed":
            whole, frac = token.text.split()
            numerator, denominator = frac.split("/")
            return ("num", Fraction(int(whole)) + Fraction(int(numerator), int(denominator)))
        if token.kind == "op" and token.text in "-+":
            operand = self.expression(30, depth + 1)
            return ("neg", operand) if token.text == "-" else operand
        if token.kind == "lp":
            inner = self.expression(0, depth + 1)
            closing = self.peek()
            if closing is None or closing.kind != "rp":
                raise ParseFailure("unclosed parenthesis")
            self.take()
            return inner
        if token.kind == "word":
            if token.text in FUNCTIONS:
                argument = self.expression(40, depth + 1)
                return ("sqrt", argument)
            if token.text in CONSTANTS:
                return ("pi",)
            if len(token.text) == 1:
                return ("var", token.text)
        raise ParseFailure(f"unexpected {token.text!r}")


def parse_tokens(tokens: list[Token]) -> Node:
    return _Parser(tokens).parse()


def variables(node: Node) -> frozenset[str]:
    if node[0] == "var":
        return frozenset({node[1]})
    found: frozenset[str] = frozenset()
    for child in node[1:]:
        if isinstance(child, tuple):
            found |= variables(child)
    return found


def has_operator(node: Node) -> bool:
    return node[0] not in ("num", "var", "neg", "pi")


# --------------------------------------------------------------------------------------------------------------
# Exact numeric evaluation
# --------------------------------------------------------------------------------------------------------------

Number = Fraction | float


def _digits(value: Number) -> float:
    magnitude = abs(float(value))
    return math.log10(magnitude) if magnitude > 1 else 0.0


def evaluate(node: Node) -> Number:
    """Value of a variable-free AST, exact where possible. Raises HostileInput or ParseFailure."""
    kind = node[0]
    if kind == "num":
        number: Fraction = node[1]
        return number
    if kind == "pi":
        return math.pi
    if kind == "var":
        raise ParseFailure(f"the expression has a variable {node[1]!r}")
    if kind == "neg":
        return -evaluate(node[1])
    if kind == "pct":
        return evaluate(node[1]) / 100
    if kind == "sqrt":
        value = evaluate(node[1])
        if value < 0:
            raise ParseFailure("square root of a negative number")
        if isinstance(value, Fraction):
            num, den = math.isqrt(value.numerator), math.isqrt(value.denominator)
            if num * num == value.numerator and den * den == value.denominator:
                return Fraction(num, den)
        return math.sqrt(value)
    if kind == "fact":
        value = evaluate(node[1])
        if value != int(value) or value < 0:
            raise ParseFailure("factorial of a non-integer")
        if value > MAX_FACTORIAL:
            raise HostileInput(f"{int(value)}! is too large to check")
        return Fraction(math.factorial(int(value)))
    left, right = evaluate(node[1]), evaluate(node[2])
    if kind == "add":
        return left + right
    if kind == "sub":
        return left - right
    if kind == "mul":
        if _digits(left) + _digits(right) > MAX_RESULT_DIGITS:
            raise HostileInput("the product is too large to check")
        return left * right
    if kind == "div":
        if right == 0:
            raise ParseFailure("division by zero")
        return left / right
    if kind == "pow":
        return _power(left, right)
    raise ParseFailure(f"unknown node {kind}")


def _power(base: Number, exponent: Number) -> Number:
    if abs(float(exponent)) > MAX_EXPONENT or _digits(base) * abs(float(exponent)) > MAX_RESULT_DIGITS:
        raise HostileInput("the power is too large to check")
    if isinstance(exponent, Fraction) and exponent.denominator == 1:
        if base == 0 and exponent < 0:
            raise ParseFailure("zero to a negative power")
        return Fraction(base) ** int(exponent) if isinstance(base, Fraction) else base ** int(exponent)
    if base < 0:
        raise ParseFailure("fractional power of a negative number")
    result: float = float(base) ** float(exponent)
    return result


# --------------------------------------------------------------------------------------------------------------
# sympy conversion, built directly (no eval, no sympify of strings)
# --------------------------------------------------------------------------------------------------------------


def to_sympy(node: Node) -> Any:
    import sympy

    kind = node[0]
    if kind == "num":
        value: Fraction = node[1]
        return sympy.Rational(value.numerator, value.denominator)
    if kind == "var":
        return sympy.Symbol(node[1])
    if kind == "pi":
        return sympy.pi
    if kind == "neg":
        return -to_sympy(node[1])
    if kind == "pct":
        return to_sympy(node[1]) / 100
    if kind == "sqrt":
        return sympy.sqrt(to_sympy(node[1]))
    if kind == "fact":
        inner = node[1]
        if inner[0] != "num" or inner[1] > MAX_FACTORIAL:
            raise HostileInput("only factorials of small numbers are checked")
        return sympy.factorial(to_sympy(inner))
    left, right = to_sympy(node[1]), to_sympy(node[2])
    if kind == "add":
        return left + right
    if kind == "sub":
        return left - right
    if kind == "mul":
        return left * right
    if kind == "div":
        if right == 0:
            raise ParseFailure("division by zero")
        return left / right
    if kind == "pow":
        if not right.is_Number or abs(right) > 12:
            raise HostileInput("only small numeric exponents are checked in algebra")
        return left**right
    raise ParseFailure(f"unknown node {kind}")


def sympy_version() -> str:
    import sympy

    return str(sympy.__version__)


# --------------------------------------------------------------------------------------------------------------
# Rendering for explanations: "12 × 7", "3/4 × 8"
# --------------------------------------------------------------------------------------------------------------

_PRECEDENCE = {"add": 1, "sub": 1, "mul": 2, "div": 2, "neg": 3, "pow": 4}
_SYMBOL = {"add": " + ", "sub": " - ", "mul": " × ", "div": " ÷ ", "pow": "^"}


def render(node: Node) -> str:
    kind = node[0]
    if kind == "num":
        value: Fraction = node[1]
        return f"{value.numerator:,}" if value.denominator == 1 and value >= 10_000 else _plain(value)
    if kind == "var":
        return str(node[1])
    if kind == "pi":
        return "π"
    if kind == "neg":
        return "-" + _wrapped(node[1], 3)
    if kind == "pct":
        return _wrapped(node[1], 4) + "%"
    if kind == "fact":
        return _wrapped(node[1], 4) + "!"
    if kind == "sqrt":
        return f"√({render(node[1])})"
    power = _PRECEDENCE[kind]
    left = _wrapped(node[1], power)
    right = _wrapped(node[2], power + (0 if kind in ("add", "mul") else 1))
    if kind == "mul" and node[1][0] == "num" and node[2][0] == "var":
        return left + right
    if kind == "mul" and node[1][0] == "num" and node[2][0] in ("add", "sub") and variables(node[2]):
        return f"{left}({render(node[2])})"
    if kind == "mul" and node[1][0] == "pct":
        return f"{left} of {right}"
    if kind == "div" and node[1][0] == "num" and node[2][0] == "num":
        return f"{left}/{right}"
    return left + _SYMBOL[kind] + right


def _plain(value: Fraction) -> str:
    if value.denominator == 1:
        return str(value.numerator)
    as_float = float(value)
    text = f"{as_float:.10g}"
    return text if Fraction(text) == value else f"{value.numerator}/{value.denominator}"


def _wrapped(node: Node, outer: int) -> str:
    text = render(node)
    inner = _PRECEDENCE.get(node[0], 5)
    return f"({text})" if inner < outer else text
