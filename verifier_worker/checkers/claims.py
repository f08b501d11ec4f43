"""Find the equalities a step claims ("a op b = c", "a = b = c", "12 × 7 is 84") and the quantities it states.

A step is tokenized once (see cas.tokenize); units after numbers are dropped, "x" between numbers is a product,
"20% of 50" is 0.2 × 50, and a soft word ("is", "equals") only separates an expression with an operator from a
single number. Each maximal run of expression tokens is split on its separators into parts, and each pair of
neighbouring parts that both parse becomes a `Claim`.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from fractions import Fraction
from functools import lru_cache

from .. import cas
from ..cas import Node, Token
from . import verbal

UNIT_RUN_LIMIT = 3
OPERATOR_WORDS = frozenset({"times", "plus", "minus"})
VERBAL_OPERATIONS = frozenset({"divided", "multiplied", "added", "subtracted", "increased", "decreased"})
KNOWN_UNITS = frozenset(
    [
        "m",
        "cm",
        "mm",
        "km",
        "kg",
        "g",
        "mg",
        "lb",
        "lbs",
        "oz",
        "ft",
        "in",
        "yd",
        "mi",
        "h",
        "hr",
        "hrs",
        "min",
        "s",
        "sec",
        "l",
        "ml",
        "gal",
        "mph",
        "kmh",
        "pm",
        "am",
        "st",
        "nd",
        "rd",
        "th",
    ]
)


# Units of measure (singular, as `_units_between` writes them): two sides in different ones are a conversion or a
# scale ("15 × 20 cents = $3"), not a slip. Counted things ("3 teachers x 6 = 18 tickets") are not units of measure.
MEASUREMENT_UNITS = KNOWN_UNITS | frozenset(
    [
        "cent", "dollar", "euro", "pound", "hour", "minute", "second", "day", "week", "month", "year", "decade",
        "century", "meter", "metre", "kilometer", "kilometre", "centimeter", "centimetre", "millimeter", "mile",
        "foot", "feet", "inche", "inch", "yard", "ounce", "gram", "kilogram", "milligram", "liter", "litre",
        "milliliter", "gallon", "quart", "pint", "cup", "ton", "tonne", "degree", "acre", "hectare", "calorie",
        "dozen", "percent", "mph", "kph",
    ]
)  # fmt: skip


@dataclass(frozen=True)
class Part:
    node: Node
    text: str
    approximate: bool = False  # the separator before this part was "≈" or "about"
    units: frozenset[str] = frozenset()  # unit words dropped inside this part ("hour", "minutes")


@dataclass(frozen=True)
class Claim:
    left: Part
    right: Part
    soft: bool  # "is"/"equals" rather than "="
    # Part of a chain of rewrites ("3(x + 2) - x = 3x + 6 - x = 2x + 6", or a line starting with "="): both
    # sides must be the same expression, not an equation to solve.
    rewrite: bool = False
    # The step had arithmetic in words ("twelve times four is 48"), rewritten as symbols before it was read.
    in_words: bool = False
    # Another "= ..." follows the right side ("5 × 2 = 10 + 3 = 13"): the right side may carry the calculation on.
    continued: bool = False

    @property
    def approximate(self) -> bool:
        return self.right.approximate


@dataclass(frozen=True)
class StepMath:
    """Everything the checkers need from one step, parsed once and cached per submission."""

    claims: tuple[Claim, ...]
    numbers: tuple[Fraction, ...]  # every number written in the step, in order
    hostile_reason: str = ""
    # Values stated for a named quantity with no calculation: "Total Score = 570" (a result, not a given restated).
    stated: tuple[Fraction, ...] = ()


_OPERAND_END = ("num", "mixed", "rp", "pct", "fact", "var", "binom")
_OPERAND_START = ("num", "mixed", "lp", "var", "func", "op", "binom")


def _classify(tokens: list[Token]) -> list[tuple[str, Token]]:
    """Give each token a role: operand parts, 'sep', 'soft', 'unit' (dropped) or 'break'."""
    roles: list[tuple[str, Token]] = []
    unit_run = 0
    for i, token in enumerate(tokens):
        prev_role = roles[-1][0] if roles else "break"
        nxt = tokens[i + 1] if i + 1 < len(tokens) else None
        role = token.kind
        if token.kind == "word":
            role = _word_role(token, prev_role, nxt, unit_run, roles)
        elif token.kind == "eq":
            role = "sep"
        elif token.kind == "approx":
            role = "approx"
        elif token.kind == "other":
            role = "break"
        if role == "unit" and len(roles) >= 2 and roles[-1][1].text == "/" and roles[-2][0] == "unit":
            roles[-1] = ("unit", roles[-1][1])  # "km/h": the slash belongs to the unit
        if role == "num" and len(roles) >= 2 and roles[-1][1].text == "^" and roles[-2][0] == "unit":
            roles[-1] = ("unit", roles[-1][1])  # "m^2": the power belongs to the unit
            role = "unit"
        unit_run = unit_run + 1 if role == "unit" else 0
        roles.append((role, token))
    return roles


def _word_role(token: Token, prev_role: str, nxt: Token | None, unit_run: int, roles: list[tuple[str, Token]]) -> str:
    word = token.text
    lower = word.lower()
    if "_" in word:
        return "var"  # "x_1": a subscripted name
    if lower in cas.FUNCTIONS or lower in cas.CONSTANTS:
        return "func"
    of_a_number = nxt is not None and nxt.kind in ("num", "mixed", "lp")
    if lower == "of" and of_a_number and (prev_role == "pct" or _after_fraction(roles)):
        return "of"  # "20% of 50", "1/3 of 18", "\frac{3}{4} of 20": a product
    if lower in cas.APPROX_WORDS and prev_role in ("sep", "soft"):
        return "approxword"
    if lower in cas.SOFT_EQ_WORDS:
        return "soft"
    if lower in OPERATOR_WORDS or lower in VERBAL_OPERATIONS:
        return "break"
    if token.glued and prev_role in ("num",) and lower in ("st", "nd", "rd", "th"):
        return "break"  # an ordinal: "1st - 5 = 6th" is about places, not numbers
    if token.glued and roles and roles[-1][1].kind == "other":
        return "break"  # "t_s", "Chenny's": part of a name
    if prev_role == "op" and roles[-1][1].text == "/" and len(roles) >= 2 and roles[-2][0] in ("unit", "num"):
        if roles[-2][0] == "num" and len(word) > 1:
            roles[-1] = ("unit", roles[-1][1])  # "$6.00/plate", "$5/hour": a rate, the slash is part of the unit
        return "unit"
    if len(word) == 1:
        if nxt is not None and nxt.kind == "lp" and nxt.glued and prev_role != "num":
            return "call"  # "f(1)", "Q(2)": a function value, not a product
        if prev_role in ("num", "rp") and token.glued:
            return "var"
        if prev_role in ("num", "mixed", "pct") and not token.glued and lower in KNOWN_UNITS:
            return "unit"
        next_kind = nxt.kind if nxt is not None else ""
        if (
            prev_role in ("op", "sep", "lp")
            or next_kind in ("op", "eq", "rp", "lp")
            or (nxt is not None and nxt.kind == "op")
        ):
            return "var"
        return "break"
    if nxt is not None and nxt.kind == "lp" and nxt.glued:
        return "call"  # "exp(2)", "lcm(4, 6)": a function we do not evaluate
    glued_to_number = token.glued and prev_role in ("num", "mixed")
    if glued_to_number and lower not in KNOWN_UNITS:
        return "break"  # "3cQ(2)": letters glued to a number are algebra, not a unit
    if token.glued and prev_role == "rp":
        return "break"  # "(1/2)mnp"
    if prev_role in ("num", "mixed", "pct", "rp", "unit") and unit_run < UNIT_RUN_LIMIT:
        return "unit"
    return "break"


def _after_fraction(roles: list[tuple[str, Token]]) -> bool:
    if len(roles) >= 3 and roles[-1][0] == "num" and roles[-2][1].text == "/" and roles[-3][0] == "num":
        return True
    return bool(roles) and roles[-1][0] == "rp" and any(t.text == "/" for _, t in roles[-8:])


def _runs(roles: list[tuple[str, Token]]) -> list[tuple[list[tuple[str, Token]], bool]]:
    """Maximal runs of expression tokens, each with whether a word came right before it."""
    runs: list[tuple[list[tuple[str, Token]], bool]] = []
    current: list[tuple[str, Token]] = []
    after_word = False
    last_operand_end = False
    previous_kind = ""
    previous_text = ""
    last_kind = ""
    for role, token in roles:
        before_kind, last_kind = last_kind, token.kind  # before_kind: the token right before this one
        if role == "unit":
            continue
        if role in ("break", "call"):
            suspicious = (
                role == "call"
                or token.text == "@"
                or token.text in ("x", "X")  # "b x 1.5 + 3", "= 5 x x": a product we cannot read whole
                or (token.kind == "word" and token.glued and before_kind in ("num", "rp"))  # "3ab", "(1/2)mnp"
                or token.text.lower() in OPERATOR_WORDS  # "3 times 4"
                or (token.text.lower() == "by" and previous_text in VERBAL_OPERATIONS)  # "divided by 4/9"
            )
            previous_text = token.text.lower()
            if current:
                if suspicious:
                    current.append(("break_marker", token))  # "= 5 x x": the last part was cut short
                runs.append((current, after_word))
            current, last_operand_end = [], False
            previous_kind = "call" if suspicious else token.kind
            continue
        starts_operand = role in ("num", "mixed", "var", "func", "binom") or (role == "lp" and not token.glued)
        if last_operand_end and starts_operand and not token.glued:
            # Two operands side by side with no operator: "5 apples 3 pears" — a new run begins.
            if current:
                runs.append((current, after_word))
            current = []
            previous_kind = "num"
        if not current:
            after_word = previous_kind in ("word", "num")
            if previous_kind == "call":
                after_word = True
                current.append(("break_marker", token))
        current.append((role, token))
        last_operand_end = role in _OPERAND_END
    if current:
        runs.append((current, after_word))
    return runs


def _units_between(tokens: list[Token], roles: list[tuple[str, Token]]) -> frozenset[str]:
    """Unit words inside the part and right after it ("1 hour - 20 minutes")."""
    if not tokens:
        return frozenset()
    first, last = tokens[0].start, tokens[-1].start
    units: set[str] = set()
    for role, token in roles:
        if token.start < first:
            continue
        if token.start > last and role != "unit":
            break
        if role == "unit" and token.kind == "word":
            units.add(token.text.lower().rstrip("s"))
    return frozenset(units)


def _split_parts(run: list[tuple[str, Token]]) -> list[tuple[list[Token], str, bool]]:
    """Split a run into (tokens, separator-before, approximate) parts."""
    parts: list[tuple[list[Token], str, bool]] = []
    current: list[Token] = []
    separator, approximate = "", False
    for role, token in run:
        if role == "break_marker":
            current.append(Token("other", "@", token.start, False))  # makes the first part unreadable
            continue
        if role in ("sep", "soft", "approx"):
            parts.append((current, separator, approximate))
            current = []
            separator = "soft" if role == "soft" else "eq"
            approximate = role == "approx"
            continue
        if role == "approxword":
            approximate = True
            continue
        if role == "of":
            current.append(Token("word", "of", token.start, False))
            continue
        if role == "func":
            current.append(Token("word", token.text.lower(), token.start, token.glued))
            continue
        current.append(token)
    parts.append((current, separator, approximate))
    return parts


def _parse_part(tokens: list[Token]) -> Node | None:
    if not tokens:
        return None
    try:
        return cas.parse_tokens(tokens)
    except cas.ParseFailure:
        return None


def _trim_leading(tokens: list[Token]) -> list[Token]:
    """The first part of a run may start mid-sentence with stray operands; keep the longest parsable tail."""
    for start in range(len(tokens)):
        if _parse_part(tokens[start:]) is not None:
            return tokens[start:]
    return []


def _trim_trailing(tokens: list[Token]) -> list[Token]:
    for end in range(len(tokens), 0, -1):
        if _parse_part(tokens[:end]) is not None:
            return tokens[:end]
    return []


def _label_guard(tokens: list[Token]) -> list[Token]:
    """After words, "Total over 12 months = 165 × 12" or "Age - 4 = 10 - 4": the left side is a label, not a
    calculation, unless it is a full calculation itself ("he has 5 + 3 = 8")."""
    if not tokens or tokens[0].kind == "op":
        return []
    node = _parse_part(tokens)
    if node is None or not isinstance(node, cas.Binary):
        return []
    return tokens


def _strip_bullet(tokens: list[Token]) -> list[Token]:
    """ "- 40% of $40 is $16": a dash followed by a space is a list bullet, not a minus sign."""
    if len(tokens) >= 2 and tokens[0].kind == "op" and tokens[0].text in "-+" and not tokens[1].glued:
        return tokens[1:]
    return tokens


def _text_of(tokens: list[Token]) -> str:
    return " ".join(t.text for t in tokens)


_LABEL_FILLER = frozenset({"the", "a", "an", "so", "then", "and", "thus", "therefore", "now", "our", "his", "her"})
MAX_LABEL_WORDS = 10


def _label_before(
    run: list[tuple[str, Token]], roles: list[tuple[str, Token]], position_of: dict[int, int]
) -> tuple[str, ...]:
    """The words right before a run that starts with "=": "Daily earnings = $105 / 5" names "daily earnings"."""
    if not run or run[0][0] != "sep":
        return ()
    if not position_of:
        position_of.update((token.start, i) for i, (_, token) in enumerate(roles))
    words: list[str] = []
    index = position_of.get(run[0][1].start, 0) - 1
    while index >= 0 and roles[index][1].kind == "word" and len(words) < MAX_LABEL_WORDS + 1:
        words.append(roles[index][1].text.lower())
        index -= 1
    if len(words) > MAX_LABEL_WORDS or not words:
        return ()  # a sentence, not a name
    label = tuple(w for w in reversed(words) if w not in _LABEL_FILLER)
    return label if label and any(len(w) > 1 for w in label) else ()


def _named_quantity(
    run: list[tuple[str, Token]],
    raw_parts: list[tuple[list[Token], str, bool]],
    parsed: list[tuple[Part | None, str]],
    roles: list[tuple[str, Token]],
    position_of: dict[int, int],
    named_values: dict[tuple[str, ...], Part],
    in_words: bool,
    stated: list[Fraction],
) -> Claim | None:
    """ "Daily earnings = $105 / 5. Daily earnings = $21.": a named quantity given a calculation, then a value, is
    the claim "105 / 5 = 21". Only a calculation followed by a lone number, with no variables, in one step."""
    if raw_parts[0][0] or len(parsed) != 2 or parsed[1][1] != "eq":
        return None
    label = _label_before(run, roles, position_of)
    if not label:
        return None
    part = parsed[1][0]
    if part is None or cas.variables(part.node):
        named_values.pop(label, None)
        return None
    earlier = named_values.get(label)
    if cas.has_operator(part.node):
        named_values[label] = part
        return None
    named_values.pop(label, None)
    if isinstance(part.node, cas.Num):
        stated.append(part.node.value)
    if earlier is None:
        return None
    return Claim(earlier, part, soft=False, in_words=in_words)


# A soft word that names a quantity's expression ("the total is 2(x + 3) + x = 3x + 6"), not a result ("gives").
_COPULAS = frozenset({"is", "are", "equals"})


def claims_in(text: str, continuation: bool = False) -> tuple[Claim, ...]:
    return read_claims(text, continuation)[0]


def read_claims(text: str, continuation: bool = False) -> tuple[tuple[Claim, ...], tuple[Fraction, ...]]:
    """The claims a step makes, and the values it states for named quantities without a calculation."""
    plain = cas.normalize(text)
    normalized = verbal.to_symbols(plain)
    in_words = normalized != plain
    roles = _classify(cas.tokenize(normalized))
    claims: list[Claim] = []
    named_values: dict[tuple[str, ...], Part] = {}
    stated: list[Fraction] = []
    position_of: dict[int, int] = {}  # token start -> its place in roles, filled on first use
    for run, after_word in _runs(roles):
        raw_parts = _split_parts(run)
        if len(raw_parts) < 2:
            continue
        parsed: list[tuple[Part | None, str]] = []
        for i, (tokens, separator, approximate) in enumerate(raw_parts):
            if i == 0:
                tokens = _strip_bullet(tokens)
                trimmed = _trim_leading(tokens)
                if len(trimmed) < len(tokens):
                    trimmed = []  # something unreadable came before: the left side is not a whole calculation
                elif after_word:
                    trimmed = _label_guard(trimmed)
                tokens = trimmed
            elif i == len(raw_parts) - 1 or separator == "soft":
                trimmed = _trim_trailing(tokens)
                # "= 76 + 10 = 86 dollars" is fine; "= 2 × (Length" was cut short and is not a value.
                if len(trimmed) < len(tokens) and tokens[len(trimmed)].kind in ("op", "lp", "word", "other"):
                    trimmed = []
                tokens = trimmed
            node = _parse_part(tokens)
            # "10 = 76 + 10" after other text: a lone number on the left is a label. "51 = 3x" alone is an equation,
            # but "0 = y + 4 -4 = y" is two equations run together, not a chain.
            lone_number = i == 0 and node is not None and not cas.has_operator(node) and not cas.variables(node)
            units = _units_between(tokens, roles)
            part = Part(node, _text_of(tokens), approximate, units) if node is not None else None
            parsed.append((part, separator))
            if i == 0:
                lone_left = lone_number
        # "3(x + 2) - x = 3x + 6 - x = 2x + 6" is a chain of rewrites, and so is "the total is 0.25(80x) + 0.1(100x)
        # = 20x" (a quantity's expression, rewritten); "the equation gives 0.8x - 4 = x - 5" is one equation.
        read = sum(part is not None for part, _ in parsed)
        named_claim = _named_quantity(run, raw_parts, parsed, roles, position_of, named_values, in_words, stated)
        if named_claim is not None:
            claims.append(named_claim)
        named = not raw_parts[0][0] and run[0][0] == "soft" and run[0][1].text.lower() in _COPULAS
        chain = read >= 3 or (read == 2 and named)
        for position, ((left, _), (right, separator)) in enumerate(itertools.pairwise(parsed)):
            if left is None or right is None:
                continue
            if position == 0 and lone_left and (len(raw_parts) > 2 or not cas.variables(right.node)):
                continue
            continued = position + 2 < len(parsed) and parsed[position + 2][0] is not None
            soft = separator == "soft"
            if soft and (not cas.has_operator(left.node) or cas.has_operator(right.node) or _fraction(left.node)):
                continue  # "4/7 is $24" says what a fraction of the whole is, not what 4 ÷ 7 is
            rewrite = _is_rewrite(left.node, right.node) and (chain or continuation)
            claims.append(Claim(left, right, soft, rewrite, in_words, continued))
    return tuple(claims), tuple(stated)


_NUMBER = re.compile(r"(?<![\w.])-?\d{1,3}(?:,\d{3})+(?:\.\d+)?|(?<![\w.])-?\d+(?:\.\d+)?|(?<![\w\d])\.\d+")


def numbers_in(text: str) -> tuple[Fraction, ...]:
    normalized = cas.normalize(text)
    values: list[Fraction] = []
    for match in _NUMBER.finditer(normalized):
        try:
            values.append(cas.number_value(match.group().lstrip("-")))
        except (ValueError, ZeroDivisionError):
            continue
    return tuple(values)


def _fraction(node: Node) -> bool:
    """A proper fraction written as a number ("4/7"), not a division to carry out ("36/4")."""
    match node:
        case cas.Binary("div", cas.Num(numerator), cas.Num(denominator)):
            return numerator < denominator
        case _:
            return False


def _is_rewrite(left: Node, right: Node) -> bool:
    """Same variables on both sides, and neither side a lone name ("B = E/2" defines B; it rewrites nothing)."""
    names = cas.variables(left)
    lone_name = isinstance(left, cas.Var) or isinstance(right, cas.Var)
    return bool(names) and names == cas.variables(right) and not lone_name


_LEADING_EQUALS = re.compile(r"^(?:\s|\$|\\\(|\\\[|&)*=")


def continues_previous(text: str) -> bool:
    """A line that starts with "=" carries on the expression the previous line ended with."""
    return bool(_LEADING_EQUALS.match(text))


MAX_SHARED_CHARS = 2_000  # texts up to this long are parsed once per process (a problem's statement, its reference)


def step_math(text: str, carried: str = "") -> StepMath:
    """Parse one step. `carried` is the expression a "= ..." line continues from the previous step.

    A StepMath is immutable, so the parse of a short text is shared by every submission in the process: the
    problem's statement and reference solution are parsed once, not once per submission."""
    if len(text) + len(carried) <= MAX_SHARED_CHARS:
        return _shared_step_math(text, carried)
    return _step_math(text, carried)


@lru_cache(maxsize=4096)
def _shared_step_math(text: str, carried: str) -> StepMath:
    return _step_math(text, carried)


def _step_math(text: str, carried: str) -> StepMath:
    try:
        if carried and continues_previous(text):
            cas.guard_text(text)
            joined = f"{carried} {_LEADING_EQUALS.sub('=', text, count=1)}"
            claims, stated = read_claims(joined, continuation=True)
        else:
            claims, stated = read_claims(text)
        return StepMath(claims=claims, numbers=numbers_in(text), stated=stated)
    except cas.HostileInput as exc:
        return StepMath(claims=(), numbers=(), hostile_reason=str(exc))
