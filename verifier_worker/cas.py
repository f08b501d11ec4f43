"""Safe, bounded parsing of the arithmetic and algebra a student writes.

Nothing here calls `eval`. Text (plain or LaTeX) is normalized, split into tokens, and parsed by a small Pratt
parser into a tree of frozen node classes (`Node`). The tree is then either evaluated exactly (Fractions) or
turned into sympy objects by constructing them directly. Before anything is evaluated, guards bound the input
length, the nesting depth, the digit count of each number, exponents and factorials, so sympy never sees an
expression that can blow up. A cheap `Deadline` is checked between claims; it works in any thread and inside
Celery's prefork workers because it never uses signals.
"""

from __future__ import annotations

import math
import re
import time
from dataclasses import dataclass, field
from fractions import Fraction
from functools import lru_cache
from typing import Any, Literal, NamedTuple, assert_never

MAX_TEXT_CHARS = 20_000
MAX_DEPTH = 40
MAX_DIGITS = 30
MAX_EXPONENT = 400
MAX_RESULT_DIGITS = 400
MAX_FACTORIAL = 170
MAX_BINOMIAL = 1000
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
    # Fewer opening brackets than the bound cannot nest deeper than it: most steps skip the walk.
    if text.count("(") + text.count("{") + text.count("[") > MAX_DEPTH:
        depth = 0
        for char in text:
            if char in "({[":
                depth += 1
                if depth > MAX_DEPTH:
                    raise HostileInput(f"brackets are nested more than {MAX_DEPTH} deep")
            elif char in ")}]":
                depth = max(0, depth - 1)
    if _LONG_NUMBER.search(text.replace(",", "")):
        raise HostileInput(f"a number has more than {MAX_DIGITS} digits")
    if "!!!" in text:
        raise HostileInput("repeated factorials are too large to check")


_LONG_NUMBER = re.compile(rf"\d{{{MAX_DIGITS + 1},}}")


_TEXT_COMMANDS = re.compile(r"\\(?:text|mathrm|textbf|textit|mbox|operatorname|mathbf|emph)\s*\{([^{}]*)\}")
_FRAC = re.compile(r"\\[dt]?frac\s*\{([^{}]*)\}\s*\{([^{}]*)\}")
_FRAC_DIGITS = re.compile(r"\\[dt]?frac\s*(\d)\s*(\d)")
_LATEX_MIXED = re.compile(r"(?<![\d.])(\d+)\s*\\[dt]?frac\s*\{(\d+)\}\s*\{(\d+)\}")
_SUBSCRIPT = re.compile(r"_\{[^{}]*\}|_[A-Za-z0-9]{1,3}(?![A-Za-z0-9])|_[A-Za-z0-9]")
_SQRT = re.compile(r"\\sqrt\s*\{([^{}]*)\}")
_BOXED = re.compile(r"\\(?:boxed|fbox)\s*\{")
_OVERLINE = re.compile(r"(?<![\d.])(\d*)\.(\d*)\\overline\s*\{(\d{1,6})\}")
_DOTTED_RESULT = re.compile(r"(?:=|\\approx|≈)\s*(-?\d*\.\d{2,})(?:\.\.\.|…)")
_BINOMIAL = re.compile(
    r"\\[dt]?binom\s*\{\s*(\d{1,4})\s*\}\s*\{\s*(\d{1,4})\s*\}"
    r"|(?<![A-Za-z])C\(\s*(\d{1,4})\s*,\s*(\d{1,4})\s*\)"
    r"|(?<![\w])\{?\}?_?\{?(\d{1,4})\}?C_?\{?(\d{1,4})\}?(?![\w])"
)
_UNICODE_SUBSCRIPT = re.compile(r"(?<=[A-Za-z])[₀-₉]+")
_SUBSCRIPT_DIGITS = str.maketrans("₀₁₂₃₄₅₆₇₈₉", "0123456789")
_NAMED_SUBSCRIPT = re.compile(
    r"(?<![A-Za-z\\])([A-Za-z])_(?:\{([A-Za-z0-9]{1,3})\}|([A-Za-z0-9]{1,3}))(?![A-Za-z0-9{(])"
)
_DERIVATIVE = re.compile(r"([A-Za-z])\s*(?:'|′|\\prime|\^\s*\{?\s*\\prime\s*\}?)+\s*\(")
_INVERSE = re.compile(r"([A-Za-z])\s*\^\s*\{?\s*-\s*1\s*\}?(?=\s*\()")
_DEGREES = re.compile(r"\^\s*\{?\s*\\circ\s*\}?|°|\\degree\b")
# "|x - 3|", "|-4|": bars around an expression (no words inside: "P(A|B)" and "3 | 12" are not absolute values).
_ABSOLUTE = re.compile(r"\|((?:[^|A-Za-z]|(?<![A-Za-z])[A-Za-z](?![A-Za-z])){1,120})\|")
_SIMPLE_REPLACEMENTS: tuple[tuple[str, str], ...] = (
    ("\\left", ""),
    ("\\right", ""),
    ("\\lvert", "|"),
    ("\\rvert", "|"),
    ("\\vert", "|"),
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


def _unread_subscript(found: re.Match[str]) -> str:
    before = found.string[max(0, found.start() - 2) : found.start()]
    is_name = before[-1:].isalpha() and not (len(before) == 2 and (before[0].isalpha() or before[0] in "\\_"))
    if is_name and re.fullmatch(r"_[A-Za-z0-9]{1,3}", found.group()):
        return found.group()  # "x_1" from _NAMED_SUBSCRIPT: keep the name
    return " @ "


def _binomial(found: re.Match[str]) -> str:
    n, k = [g for g in found.groups() if g is not None]
    return f" binom({n},{k}) "


def _repeating_decimal(found: re.Match[str]) -> str:
    """ "0.1\\overline{6}" is exactly 1/6."""
    whole, fixed, repeat = found.group(1) or "0", found.group(2), found.group(3)
    value = Fraction(int(whole + fixed + repeat) - int(whole + fixed), 10 ** len(fixed) * (10 ** len(repeat) - 1))
    return f"({value.numerator}/{value.denominator})"


_GLUE_PRODUCT = re.compile(r"(?<=[\d)}])\s*(?=\\(?:sqrt|pi|frac|dfrac)(?![A-Za-z]))")
_ELLIPSIS = re.compile(r"\.\.\.|…")
_CLOCK = re.compile(r"\b\d{1,2}:\d{2}\b")
_BRACKETED_NOTE = re.compile(r"\(\s*[A-Za-z][A-Za-z\s'’-]+\)")
_OTHER_COMMAND = re.compile(r"\\[A-Za-z]+")
_TIMES_LETTER = re.compile(r"(?<=\d)(?:\s{1,3}[xX]\s{1,3}|[xX])(?=\(?\d)")
_BRACKET_PRODUCT = re.compile(r"(\)|\bpi)\s+\(")
_LATEX_REPLACEMENTS = tuple((old, new) for old, new in _SIMPLE_REPLACEMENTS if "\\" in old)
_PLAIN_REPLACEMENTS = tuple((old, new) for old, new in _SIMPLE_REPLACEMENTS if "\\" not in old)


@lru_cache(maxsize=4096)
def normalize(text: str) -> str:
    """LaTeX and typographic notation to one plain notation the tokenizer reads. Cached per process.

    Each rewrite runs only when the text has the character it needs (most steps are plain text)."""
    guard_text(text)
    latex = "\\" in text
    out = text
    if latex:
        out = _TEXT_COMMANDS.sub(lambda m: f" {m.group(1)} ", out)
        out = _BOXED.sub("{", out)
        out = _LATEX_MIXED.sub(lambda m: f"({m.group(1)}+{m.group(2)}/{m.group(3)})", out)
        # In LaTeX, "2\sqrt{10}", "25\pi", "3\frac{x}{2}" are products: glue them so they read as one term.
        out = _GLUE_PRODUCT.sub("", out)
        # "1.2342...": a repeating decimal is not the number written; "7:50 + 30 minutes = 8:20": nor a clock time.
        out = _OVERLINE.sub(_repeating_decimal, out)
    if "..." in out or "…" in out:
        out = _DOTTED_RESULT.sub(r" ≈ \1", out)  # "1/3 = 0.333...": a rounded value of the repeating decimal
        out = _ELLIPSIS.sub(" @ ", out)
    if ":" in out:
        out = _CLOCK.sub(" @ ", out)
    if "binom" in out or "C" in out:
        out = _BINOMIAL.sub(_binomial, out)
    out = _UNICODE_SUBSCRIPT.sub(lambda m: "_" + m.group().translate(_SUBSCRIPT_DIGITS), out)
    if "_" in out:
        out = _NAMED_SUBSCRIPT.sub(lambda m: f"{m.group(1)}_{m.group(2) or m.group(3)}", out)  # "x_1": one name
        out = _SUBSCRIPT.sub(_unread_subscript, out)  # "324_8", "a_{n+1}": a base or an index we do not read
    if "'" in out or "′" in out or latex:
        out = _DERIVATIVE.sub(r"\1 @ (", out)  # "f'(x)": a derivative we do not evaluate
    if "^" in out:
        out = _INVERSE.sub(r"\1 @ ", out)  # "f^{-1}(5)": an inverse function, not a power
    if "(" in out:
        # "7995 (total cookies) - 2595 (rainbow cookies)": a note in brackets is not part of the calculation.
        out = _BRACKETED_NOTE.sub(" ", out)
    if latex:
        for _ in range(MAX_DEPTH):
            replaced = _FRAC.sub(lambda m: f"(({m.group(1)})/({m.group(2)}))", out)
            replaced = _FRAC_DIGITS.sub(lambda m: f"(({m.group(1)})/({m.group(2)}))", replaced)
            replaced = _SQRT.sub(lambda m: f"sqrt({m.group(1)})", replaced)
            if replaced == out:
                break
            out = replaced
    for old, new in _LATEX_REPLACEMENTS if latex else ():
        out = out.replace(old, new)
    for old, new in _PLAIN_REPLACEMENTS:
        out = out.replace(old, new)
    if latex or "°" in out:
        out = _DEGREES.sub(" degrees ", out)
    if "|" in out:
        out = _ABSOLUTE.sub(lambda m: f" abs({m.group(1)}) ", out)
    if latex:
        # Any other command (\log, \sin, \lfloor, \Join) is a function or relation we do not evaluate: "@" marks
        # it, and the expression right after it is not read as a plain calculation.
        out = _OTHER_COMMAND.sub(" @ ", out)
    out = out.replace("{", "(").replace("}", ")")
    # "3 x 4", "3x4", "3 X 4": the letter x between two numbers is a multiplication sign.
    if "x" in out or "X" in out:
        out = _TIMES_LETTER.sub(" * ", out)
    if "(" in out:
        out = _BRACKET_PRODUCT.sub(r"\1(", out)  # "\frac{1}{3} (x - 30)": a product, as the LaTeX means
    return out


_COMMAND = re.compile(r"\\([A-Za-z]+)")
_READ_COMMANDS = frozenset(
    [
        "text", "mathrm", "textbf", "textit", "mbox", "operatorname", "mathbf", "emph", "frac", "dfrac", "tfrac",
        "sqrt", "boxed", "fbox", "left", "right", "times", "cdot", "ast", "div", "approx", "neq", "ne", "geq", "leq",
        "ge", "le", "pi", "quad", "qquad", "implies", "Rightarrow", "rightarrow", "to", "binom", "dbinom", "tbinom",
        "overline", "circ", "degree", "lvert", "rvert", "vert",
    ]
)  # fmt: skip
_CALL = re.compile(
    r"(?<![A-Za-z\\])([A-Za-z](?:'|′)*|sin|cos|tan|log|ln|exp|gcd|lcm|max|min|mod|floor|ceil)\((?=[^()]*[A-Za-z0-9])",
    re.IGNORECASE,
)


def unread_notation(text: str) -> str:
    """The notation in `text` that the parser drops rather than reads (a LaTeX command it does not know, a
    function applied to an argument, a base subscript), for the reason a step is left unverified; "" if none."""
    sample = text[:MAX_TEXT_CHARS]
    if "\\" in sample:
        for found in _COMMAND.finditer(sample):
            if found.group(1) not in _READ_COMMANDS:
                return "\\" + found.group(1)
    call = _CALL.search(sample) if "(" in sample else None
    if call is not None and call.group(1) not in ("x", "X"):
        return f"{call.group(1)}(…)"
    if "_" in sample and _NUMBER_SUBSCRIPT.search(sample):
        return "a subscript (a number base or index)"
    return ""


_NUMBER_SUBSCRIPT = re.compile(r"(?<=[\d)}])_\{?\w")


# --------------------------------------------------------------------------------------------------------------
# Tokens
# --------------------------------------------------------------------------------------------------------------

# The commonest tokens (spaces, words) first: the engine tries the alternatives in order at every token. No two
# alternatives can match at the same place except as ordered here (binom before word, mixed before num).
_TOKEN = re.compile(
    r"""
    (?P<space>\s+)
  | (?P<binom>binom\(\d+,\d+\))
  | (?P<word>[A-Za-z]_[A-Za-z0-9]{1,3}(?![A-Za-z0-9])|[A-Za-z]+)
  | (?P<mixed>(?<![\d.,/])\d+\s+\d+/\d+(?![\d.,/]))
  | (?P<num>\d{1,3}(?:,\d{3})+(?:\.\d+)?(?![\d])|\d+(?:\.\d+)?|\.\d+)
  | (?P<op>\*\*|[-+*/^])
  | (?P<lp>\()
  | (?P<rp>\))
  | (?P<eq>==|=)
  | (?P<approx>≈|~)
  | (?P<pct>%)
  | (?P<fact>!)
  | (?P<other>.)
    """,
    re.VERBOSE,
)

APPROX_WORDS = frozenset({"about", "approximately", "roughly", "around", "nearly", "almost", "approx"})
SOFT_EQ_WORDS = frozenset({"is", "equals", "gives", "makes", "are"})
FUNCTIONS = frozenset({"sqrt", "abs"})
CONSTANTS = frozenset({"pi"})


class Token(NamedTuple):
    """One token (a tuple: built for every token of every step, so it is cheap to make)."""

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
# AST: frozen node classes. Every function that walks the tree matches on `Node` and ends in `assert_never`, so
# mypy reports any node kind a function forgets.
# --------------------------------------------------------------------------------------------------------------

BinaryOperator = Literal["add", "sub", "mul", "div", "pow"]
BINARY_OPERATORS: tuple[BinaryOperator, ...] = ("add", "sub", "mul", "div", "pow")


@dataclass(frozen=True, slots=True)
class Num:
    value: Fraction


@dataclass(frozen=True, slots=True)
class Var:
    name: str


@dataclass(frozen=True, slots=True)
class Pi:
    pass


@dataclass(frozen=True, slots=True)
class Neg:
    operand: Node


@dataclass(frozen=True, slots=True)
class Percent:
    """ "20%": the number divided by 100."""

    operand: Node


@dataclass(frozen=True, slots=True)
class Factorial:
    operand: Node


@dataclass(frozen=True, slots=True)
class Sqrt:
    operand: Node


@dataclass(frozen=True, slots=True)
class Abs:
    operand: Node


@dataclass(frozen=True, slots=True)
class Binom:
    """ "C(5, 2)", "\\binom{5}{2}", "5C2": the number of ways to choose k of n."""

    n: Node
    k: Node


@dataclass(frozen=True, slots=True)
class Binary:
    op: BinaryOperator
    left: Node
    right: Node


Node = Num | Var | Pi | Neg | Percent | Factorial | Sqrt | Abs | Binom | Binary


def children(node: Node) -> tuple[Node, ...]:
    match node:
        case Num() | Var() | Pi():
            return ()
        case Neg(operand) | Percent(operand) | Factorial(operand) | Sqrt(operand) | Abs(operand):
            return (operand,)
        case Binom(n, k):
            return (n, k)
        case Binary(_, left, right):
            return (left, right)
        case _:
            assert_never(node)


def is_binary(node: Node, *ops: BinaryOperator) -> bool:
    """A binary operation, of one of `ops` when given."""
    return isinstance(node, Binary) and (not ops or node.op in ops)


_BINARY_POWER = {"+": 10, "-": 10, "*": 20, "/": 20, "of": 20, "^": 40, "**": 40}


@lru_cache(maxsize=8192)
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
                right_power = power if token.text in ("^", "**") else power + 1
                right = self.expression(right_power, depth + 1)
                left = Binary(_OPERATOR_OF[token.text], left, right)
            elif token.kind == "pct":
                self.take()
                left = Percent(left)
            elif token.kind == "fact":
                self.take()
                left = Factorial(left)
            elif token.kind in ("lp", "num", "word") and token.glued:
                # Implicit multiplication: 2x, 3(x + 1), (a)(b), 2 pi. Inside a tighter operator ("-5x", "2^3x")
                # it binds outside that operator.
                if min_power > 20:
                    return left
                if token.kind == "num" and isinstance(left, Num | Percent):
                    raise ParseFailure("two numbers in a row")
                right = self.expression(21, depth + 1)
                left = Binary("mul", left, right)
            else:
                raise ParseFailure(f"unexpected {token.text!r}")

    def prefix(self, depth: int) -> Node:
        token = self.peek()
        if token is None:
            raise ParseFailure("expression ends early")
        self.take()
        if token.kind == "num":
            return Num(number_value(token.text))
        if token.kind == "mixed":
            whole, frac = token.text.split()
            numerator, denominator = frac.split("/")
            return Num(Fraction(int(whole)) + Fraction(int(numerator), int(denominator)))
        if token.kind == "op" and token.text in "-+":
            operand = self.expression(30, depth + 1)
            return Neg(operand) if token.text == "-" else operand
        if token.kind == "lp":
            inner = self.expression(0, depth + 1)
            closing = self.peek()
            if closing is None or closing.kind != "rp":
                raise ParseFailure("unclosed parenthesis")
            self.take()
            return inner
        if token.kind == "binom":
            n, k = token.text[len("binom(") : -1].split(",")
            return Binom(Num(Fraction(int(n))), Num(Fraction(int(k))))
        if token.kind == "word":
            if token.text == "sqrt":
                return Sqrt(self.expression(40, depth + 1))
            if token.text == "abs":
                return Abs(self.expression(40, depth + 1))
            if token.text in CONSTANTS:
                return Pi()
            if len(token.text) == 1 or "_" in token.text:
                return Var(token.text)
        raise ParseFailure(f"unexpected {token.text!r}")


_OPERATOR_OF: dict[str, BinaryOperator] = {
    "+": "add",
    "-": "sub",
    "*": "mul",
    "/": "div",
    "of": "mul",
    "^": "pow",
    "**": "pow",
}


def parse_tokens(tokens: list[Token]) -> Node:
    return _Parser(tokens).parse()


def variables(node: Node) -> frozenset[str]:
    if isinstance(node, Var):
        return frozenset({node.name})
    found: frozenset[str] = frozenset()
    for child in children(node):
        found |= variables(child)
    return found


def leaves(node: Node) -> list[Fraction]:
    """The numbers written in the expression, left to right."""
    if isinstance(node, Num):
        return [node.value]
    return [value for child in children(node) for value in leaves(child)]


def has_operator(node: Node) -> bool:
    return not isinstance(node, Num | Var | Neg | Pi)


# --------------------------------------------------------------------------------------------------------------
# Exact numeric evaluation
# --------------------------------------------------------------------------------------------------------------

Number = Fraction | float


def _digits(value: Number) -> float:
    magnitude = abs(float(value))
    return math.log10(magnitude) if magnitude > 1 else 0.0


def evaluate(node: Node) -> Number:
    """Value of a variable-free AST, exact where possible. Raises HostileInput or ParseFailure."""
    match node:
        case Num(value):
            return value
        case Pi():
            return math.pi
        case Var(name):
            raise ParseFailure(f"the expression has a variable {name!r}")
        case Neg(operand):
            return -evaluate(operand)
        case Percent(operand):
            return evaluate(operand) / 100
        case Sqrt(operand):
            return _square_root(evaluate(operand))
        case Abs(operand):
            inner = evaluate(operand)
            return -inner if inner < 0 else inner
        case Binom(n_node, k_node):
            n, k = evaluate(n_node), evaluate(k_node)
            if n != int(n) or k != int(k) or n < 0 or k < 0:
                raise ParseFailure("a binomial coefficient of non-integers")
            if n > MAX_BINOMIAL:
                raise HostileInput(f"C({int(n)}, {int(k)}) is too large to check")
            return Fraction(math.comb(int(n), int(k)))
        case Factorial(operand):
            argument = evaluate(operand)
            if argument != int(argument) or argument < 0:
                raise ParseFailure("factorial of a non-integer")
            if argument > MAX_FACTORIAL:
                raise HostileInput(f"{int(argument)}! is too large to check")
            return Fraction(math.factorial(int(argument)))
        case Binary(op, left_node, right_node):
            return _binary(op, evaluate(left_node), evaluate(right_node))
        case _:
            assert_never(node)


def _square_root(value: Number) -> Number:
    if value < 0:
        raise ParseFailure("square root of a negative number")
    if isinstance(value, Fraction):
        num, den = math.isqrt(value.numerator), math.isqrt(value.denominator)
        if num * num == value.numerator and den * den == value.denominator:
            return Fraction(num, den)
    return math.sqrt(value)


def _binary(op: BinaryOperator, left: Number, right: Number) -> Number:
    match op:
        case "add":
            return left + right
        case "sub":
            return left - right
        case "mul":
            if _digits(left) + _digits(right) > MAX_RESULT_DIGITS:
                raise HostileInput("the product is too large to check")
            return left * right
        case "div":
            if right == 0:
                raise ParseFailure("division by zero")
            return left / right
        case "pow":
            return _power(left, right)
        case _:
            assert_never(op)


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

    match node:
        case Num(value):
            return sympy.Rational(value.numerator, value.denominator)
        case Var(name):
            return sympy.Symbol(name)
        case Pi():
            return sympy.pi
        case Neg(operand):
            return -to_sympy(operand)
        case Percent(operand):
            return to_sympy(operand) / 100
        case Sqrt(operand):
            return sympy.sqrt(to_sympy(operand))
        case Abs(operand):
            return sympy.Abs(to_sympy(operand))
        case Binom(n_node, k_node):
            if not isinstance(n_node, Num) or n_node.value > MAX_BINOMIAL:
                raise HostileInput("only binomial coefficients of small numbers are checked")
            return sympy.binomial(to_sympy(n_node), to_sympy(k_node))
        case Factorial(operand):
            if not isinstance(operand, Num) or operand.value > MAX_FACTORIAL:
                raise HostileInput("only factorials of small numbers are checked")
            return sympy.factorial(to_sympy(operand))
        case Binary(op, left_node, right_node):
            left, right = to_sympy(left_node), to_sympy(right_node)
            match op:
                case "add":
                    return left + right
                case "sub":
                    return left - right
                case "mul":
                    return left * right
                case "div":
                    if right == 0:
                        raise ParseFailure("division by zero")
                    return left / right
                case "pow":
                    if not right.is_Number or abs(right) > 12:
                        raise HostileInput("only small numeric exponents are checked in algebra")
                    return left**right
                case _:
                    assert_never(op)
        case _:
            assert_never(node)


def sympy_version() -> str:
    import sympy

    return str(sympy.__version__)


# --------------------------------------------------------------------------------------------------------------
# Rendering for explanations: "12 × 7", "3/4 × 8"
# --------------------------------------------------------------------------------------------------------------

_PRECEDENCE: dict[BinaryOperator, int] = {"add": 1, "sub": 1, "mul": 2, "div": 2, "pow": 4}
_NEG_PRECEDENCE = 3
_ATOM_PRECEDENCE = 5
_SYMBOL: dict[BinaryOperator, str] = {"add": " + ", "sub": " - ", "mul": " × ", "div": " ÷ ", "pow": "^"}


def render(node: Node) -> str:
    match node:
        case Num(value):
            return f"{value.numerator:,}" if value.denominator == 1 and value >= 10_000 else _plain(value)
        case Var(name):
            return name
        case Pi():
            return "π"
        case Neg(operand):
            return "-" + _wrapped(operand, _NEG_PRECEDENCE)
        case Percent(operand):
            return _wrapped(operand, 4) + "%"
        case Factorial(operand):
            return _wrapped(operand, 4) + "!"
        case Sqrt(operand):
            return f"√({render(operand)})"
        case Abs(operand):
            return f"|{render(operand)}|"
        case Binom(n, k):
            return f"C({render(n)}, {render(k)})"
        case Binary(op, left_node, right_node):
            return _render_binary(op, left_node, right_node)
        case _:
            assert_never(node)


def _render_binary(op: BinaryOperator, left_node: Node, right_node: Node) -> str:
    power = _PRECEDENCE[op]
    left = _wrapped(left_node, power)
    right = _wrapped(right_node, power + (0 if op in ("add", "mul") else 1))
    if op == "mul" and isinstance(left_node, Num | Neg) and _number(left_node) and isinstance(right_node, Var):
        return left + right  # "3x", "-5x"
    if op == "mul" and isinstance(left_node, Num) and is_binary(right_node, "add", "sub") and variables(right_node):
        return f"{left}({render(right_node)})"
    if op == "mul" and isinstance(left_node, Percent):
        return f"{left} of {right}"
    if op == "div" and isinstance(left_node, Num) and isinstance(right_node, Num):
        return f"{left}/{right}"
    return left + _SYMBOL[op] + right


def _number(node: Node) -> bool:
    return isinstance(node, Num) or (isinstance(node, Neg) and isinstance(node.operand, Num))


def _precedence(node: Node) -> int:
    if isinstance(node, Binary):
        return _PRECEDENCE[node.op]
    return _NEG_PRECEDENCE if isinstance(node, Neg) else _ATOM_PRECEDENCE


def _plain(value: Fraction) -> str:
    if value.denominator == 1:
        return str(value.numerator)
    as_float = float(value)
    text = f"{as_float:.10g}"
    return text if Fraction(text) == value else f"{value.numerator}/{value.denominator}"


def _wrapped(node: Node, outer: int) -> str:
    text = render(node)
    return f"({text})" if _precedence(node) < outer else text
