"""The final answer: find it in the student's steps, reduce it to the quantity it states, and compare it with the
reference answer.

Where the answer is, in order: the last `\\boxed{}`; a `####` line or "the answer is ..." (the last step that
has one); with multiple-choice options in the problem, a sentence naming an option ("Choice B"); else the last
sentence with a number in the last non-empty step.

What it states: an answer written as a sentence ("The answer is Mia is 12 years old.", "So he must cycle the rest
at \\(9\\) km per hour.") is reduced to one quantity. A result after the last "=" wins ("Total area: 12 × 350 =
4,200 m²."); numbers that are operands of a calculation are not results; numbers the problem states are dropped
when another remains (the sentence restates data: "... compared with a bus that carries 40 people"); units after
the number, including m², cm³, degrees and LaTeX delimiters, are ignored. When the sentence states several
quantities and the one read does not match but another does, the answer is `unverified` rather than wrong.

Multiple choice: when the problem lists options ("(A) 12 (B) 15 ...", "A. 12" lines), "B", "(B)", "Choice B" or
"the answer is B" mean that option's value, and a value means the option that has it, so a letter reference
matches a value answer and the other way round.

math-verify compares what is not a plain number. Its own timeouts use signal.alarm, which fails off the main
thread, so they are switched off (parsing_timeout=None, timeout_seconds=None) and the inputs are bounded instead:
answers longer than MAX_ANSWER_CHARS are not compared. Plain numbers ("$1,200", "25%") are compared exactly.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from fractions import Fraction
from typing import Literal

from .. import cas

MAX_ANSWER_CHARS = 300
# math-verify warns on every call that its (signal-based) timeout is off; that is deliberate here.
logging.getLogger("math_verify").setLevel(logging.ERROR)
Outcome = Literal["correct", "incorrect", "unverified"]

_ANSWER_IS = re.compile(r"(?:final answer|the answer|answer)\s*(?:is|:|=)\s*:?\s*(.+?)(?:\.\s|\.$|$|\n)", re.IGNORECASE)
_HASHES = re.compile(r"####\s*(.+?)\s*$", re.MULTILINE)
_PLAIN_NUMBER = re.compile(r"^-?\d{1,3}(?:,\d{3})+(?:\.\d+)?$|^-?\d+(?:\.\d+)?$|^-?\d+/\d+$|^-?\.\d+$")

# A quantity in plain text: 1,200 | 3.5 | .5 | 3/8 | -4, with an optional percent sign. Not part of a word, a
# clock time (7:50) or a longer number.
_QUANTITY = re.compile(
    r"(?<![\w.,/:])(-?(?:\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?(?:/\d+(?!\d|\.\d))?|\.\d+))(?![\d]|:\d|,\d{3})(\s*%)?"
)
_OPERATOR = "+-*/×÷^·="
_TEXT_COMMANDS = re.compile(r"\\(?:text|mathrm|textbf|textit|mbox|operatorname|mathbf|emph)\s*\{([^{}]*)\}")
_NUMERIC_FRAC = re.compile(r"\\[dt]?frac\s*\{\s*(-?\d+)\s*\}\s*\{\s*(\d+)\s*\}")
_UNIT_POWER = re.compile(r"(?<=[A-Za-z])\s*(?:\^\s*\{?\s*[23]\s*\}?|[²³])")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z\\$(*])|\n+")
_LETTER = re.compile(
    r"^\s*(?:(?:the\s+)?(?:correct\s+)?(?:answer|option|choice)\s*(?:is)?\s*:?\s*)?\(?\s*([A-E])\s*\)?(?:[.:)]|\s|$)",
    re.IGNORECASE,
)
_LETTER_IN_SENTENCE = re.compile(
    r"\b(?:answer|option|choice)\s*(?:is|would be|must be)?\s*:?\s*\(?\s*([A-E])\b\s*\)?|\(([A-E])\)", re.IGNORECASE
)
_OPTION_MARKER = re.compile(r"(?:(?<=\s)|^)\(([A-E])\)\s*|(?:(?<=\n)|^)\s*([A-E])[.):]\s+|(?<=\s)([A-E])\)\s+")


@dataclass(frozen=True)
class FoundAnswer:
    text: str  # what is compared: a quantity ("12"), an option letter ("B") or an expression ("2x + 6")
    step_position: int  # position in the request's steps (0-based), not the step's index
    how: str  # "boxed", "####", "the answer is", "option", "last sentence", "last line"
    sentence: str = ""  # the text it was read from, when that was more than the answer
    alternatives: tuple[str, ...] = ()  # other quantities the same sentence states


@dataclass(frozen=True)
class AnswerFinding:
    outcome: Outcome
    answer: FoundAnswer | None
    reason: str = ""


# --------------------------------------------------------------------------------------------------------------
# Locating the answer
# --------------------------------------------------------------------------------------------------------------


def _last_boxed(text: str) -> str | None:
    start = text.rfind("\\boxed")
    if start < 0:
        return None
    brace = text.find("{", start)
    if brace < 0:
        return None
    depth = 0
    for position in range(brace, min(len(text), brace + MAX_ANSWER_CHARS * 2)):
        if text[position] == "{":
            depth += 1
        elif text[position] == "}":
            depth -= 1
            if depth == 0:
                return text[brace + 1 : position]
    return None


def _located(steps: list[str], options: dict[str, str]) -> FoundAnswer | None:
    """Where the answer is written, as written (not yet reduced)."""
    for position in range(len(steps) - 1, -1, -1):
        boxed = _last_boxed(steps[position])
        if boxed is not None:
            return FoundAnswer(boxed, position, "boxed")
    for position in range(len(steps) - 1, -1, -1):
        hashes = _HASHES.findall(steps[position])
        if hashes:
            return FoundAnswer(hashes[-1], position, "####")
        stated = _ANSWER_IS.findall(steps[position])
        if stated:
            return FoundAnswer(stated[-1], position, "the answer is")
    for position in range(len(steps) - 1, -1, -1):
        if not steps[position].strip():
            continue
        if options:
            letters = [a or b for a, b in _LETTER_IN_SENTENCE.findall(steps[position][-MAX_ANSWER_CHARS:])]
            if letters and letters[-1].upper() in options:
                return FoundAnswer(letters[-1].upper(), position, "option")
        sentence = _last_sentence_with_a_number(steps[position])
        return FoundAnswer(sentence, position, "last sentence") if sentence else None
    return None


def _last_sentence_with_a_number(step: str) -> str:
    tail = step[-MAX_ANSWER_CHARS * 2 :]
    for sentence in reversed(_SENTENCE_END.split(tail)):
        if re.search(r"\d", sentence):
            return sentence.strip()
    return ""


# --------------------------------------------------------------------------------------------------------------
# Reducing an answer to the quantity it states
# --------------------------------------------------------------------------------------------------------------


def plain_text(text: str) -> str:
    """An answer or sentence as plain text: no Markdown bold, no LaTeX delimiters or text commands, no dollar
    signs, no unit powers ("m²" -> "m"), typographic minus as "-"."""
    out = text.replace("**", " ").replace("__", " ")
    out = _TEXT_COMMANDS.sub(lambda m: f" {m.group(1)} ", out)
    out = _NUMERIC_FRAC.sub(lambda m: f"{m.group(1)}/{m.group(2)}", out)
    out = re.sub(r"\\(?:boxed|fbox)\s*\{", "{", out)
    for old, new in (("\\times", " × "), ("\\cdot", " × "), ("\\div", " ÷ "), ("\\%", "%"), ("{,}", ",")):
        out = out.replace(old, new)
    out = re.sub(r"-\s*\\?\$\s*(?=\d)", _negative_amount, out)  # "-$15" is minus fifteen dollars
    out = out.replace("\\$", " ").replace("$", " ").replace("\\!", "").replace("\\,", "").replace("−", "-")
    out = re.sub(r"\\[()\[\]]", " ", out)
    out = _UNIT_POWER.sub("", out).replace("°", " ")
    out = re.sub(r"\\(?:left|right|quad|qquad)", " ", out)
    out = re.sub(r"\\[A-Za-z]+", " @ ", out)  # any other command: not plain
    return out.replace("{", " ").replace("}", " ")


_UNIT_WORDS = r"(?:\s*[A-Za-z][A-Za-z'’]*\.?){0,3}\s*"
_OPERATOR_AFTER = re.compile(_UNIT_WORDS + r"(?:[+*/×÷^·]|-\s*[\d(]|(?:[xX]|times|plus|minus)\s*\$?\d)")
_OPERATION_BEFORE = re.compile(
    r"\b(?:multipl(?:y|ied|ying)|divid(?:e|ed|ing)|add(?:ed|ing)?|subtract(?:ed|ing)?|times|plus|minus|by|from)"
    r"\s+(?:the\s+)?$",
    re.IGNORECASE,
)
_ASSERTED = re.compile(
    r"(?:=|\b(?:equals?|equal to|is|are|was|were|makes?|gives?|totals?|comes to|be|gets?|leaves?|left|needs?)"
    r"(?:\s+(?:a\s+total\s+of|about|approximately|exactly|only|just))?)\s*$",
    re.IGNORECASE,
)


def _negative_amount(found: re.Match[str]) -> str:
    before = found.string[: found.start()].rstrip()
    return "- " if before and (before[-1].isdigit() or before[-1] in ")}%") else "-"


def _operand(text: str, start: int, end: int) -> bool:
    """The number at text[start:end] is an operand of a calculation ("12 × 350", "14 flies - 10 flies", "multiplied
    3 by 2"), not a result."""
    before = text[:start].rstrip()
    if before and before[-1] in _OPERATOR and before[-1] != "=":
        return True
    if _OPERATION_BEFORE.search(before[-30:]):
        return True
    if re.match(r"[A-Za-z]\b", text[end:]):
        return True  # "2x": a term of an expression, not a result
    after = text[end:]
    found = _OPERATOR_AFTER.match(after)
    # "14 flies - 10 flies": units between an operand and its operator; "3 apples. 5 + 2": not across a sentence.
    return found is not None and "." not in after[: found.end()].rstrip(".")


def _asserted(text: str, start: int) -> bool:
    """Stated as a result ("= 42", "which equals 290", "Mia is 12"), not data restated from the problem."""
    return bool(_ASSERTED.search(text[max(0, start - 40) : start]))


def reduce_answer(
    text: str, question: Question | None = None, *, prefer_first: bool = False
) -> tuple[str, tuple[str, ...]]:
    """The one quantity an answer sentence states, and the other quantities it states; ("", ()) when it states no
    result (it ends in a calculation, or has no number).

    A result is a number that is not an operand ("12 × 350"), not a comparison ("15 more than", unless the question
    asks for one), and not in a bracketed aside when there is one outside. Numbers written as words ("four days")
    count when no written number is left. Numbers the problem states are dropped when another remains (unless
    stated as a result: "= 6", "which equals 6"), and one
    followed by the unit the question asks for ("How many minutes ...?") is preferred. Of what is left, "the answer
    is ..." states its quantity first, a closing sentence last ("..., which equals 290 minutes in total")."""
    question = question or Question()
    plain = plain_text(text)
    results = [_Candidate.of(m, plain) for m in _QUANTITY.finditer(plain) if not _operand(plain, m.start(1), m.end(0))]
    if not question.asks_comparison:
        results = [c for c in results if not _COMPARISON.match(plain, c.end)] or results
    results = [c for c in results if not _in_brackets(plain, c.start)] or results
    words = [_Candidate.word(m, plain) for m in _NUMBER_WORD.finditer(plain)]
    if not results and not words:
        return "", ()
    tiers = (
        [c for c in results if c.value not in question.numbers or _asserted(plain, c.start)],
        [c for c in words if c.value not in question.numbers or _asserted(plain, c.start)],
        results,
        words,
    )
    pool = next(tier for tier in tiers if tier)
    asked = [c for c in pool if question.unit and c.unit_matches(question.unit)]
    pool = asked or pool
    chosen = pool[0] if prefer_first else pool[-1]
    if len(asked) == 1:
        return chosen.text, ()  # the one quantity in the unit asked for: not ambiguous
    others = tuple(c.text for c in results + words if c is not chosen and c.value != chosen.value)
    return chosen.text, others


@dataclass(frozen=True)
class Question:
    """What the problem gives and asks: its numbers, the unit of the quantity asked for ("minutes" in "How many
    minutes ...?"), and whether it asks for a comparison ("How many more ...?")."""

    numbers: frozenset[Fraction] = frozenset()
    unit: tuple[str, ...] = ()
    asks_comparison: bool = False


_ASKED_UNIT = re.compile(
    r"\bhow\s+(?:many|much)\s+(?:more\s+|less\s+|fewer\s+)?([A-Za-z]+(?:\s+per\s+[A-Za-z]+)?)"
    r"|\(\s*in\s+([A-Za-z]+(?:\s+(?:per|an|a)\s+[A-Za-z]+)?)\s*\)",
    re.IGNORECASE,
)
_ASKS_COMPARISON = re.compile(
    r"\bhow\s+(?:many|much)\s+(?:\w+\s+){0,3}?(?:more|less|fewer|longer|shorter|older|younger|greater|bigger)\b"
    r"|\b(?:difference|how\s+(?:much|many)\s+\w+\s+than)\b",
    re.IGNORECASE,
)
_NOT_UNITS = frozenset(
    {"more", "less", "fewer", "times", "of", "does", "did", "do", "is", "are", "will", "would", "can"}
)


def question_of(statement: str) -> Question:
    text = statement[: cas.MAX_TEXT_CHARS]
    unit: tuple[str, ...] = ()
    for found in _ASKED_UNIT.finditer(text):
        words = tuple(_singular(w) for w in (found.group(1) or found.group(2)).lower().split())
        if words and words[0] not in _NOT_UNITS:
            unit = words
    return Question(statement_numbers(text), unit, bool(_ASKS_COMPARISON.search(text)))


def _singular(word: str) -> str:
    return word[:-1] if len(word) > 3 and word.endswith("s") else word


_NUMBER_WORDS = {
    "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10,
    "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17,
    "eighteen": 18, "nineteen": 19, "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60,
    "seventy": 70, "eighty": 80, "ninety": 90, "hundred": 100,
}  # fmt: skip
_NUMBER_WORD = re.compile(r"\b(" + "|".join(_NUMBER_WORDS) + r")\b(?!\s*-)", re.IGNORECASE)


@dataclass(frozen=True)
class _Candidate:
    text: str
    value: Fraction | None
    start: int
    end: int
    following: tuple[str, ...]  # the words right after it: its unit, if any

    @classmethod
    def of(cls, found: re.Match[str], plain: str) -> _Candidate:
        return cls(_quantity_text(found), _value(found), found.start(), found.end(), _words_after(plain, found.end()))

    @classmethod
    def word(cls, found: re.Match[str], plain: str) -> _Candidate:
        value = Fraction(_NUMBER_WORDS[found.group(1).lower()])
        return cls(str(value), value, found.start(), found.end(), _words_after(plain, found.end()))

    def unit_matches(self, unit: tuple[str, ...]) -> bool:
        return self.following[: len(unit)] == unit


def _words_after(plain: str, end: int) -> tuple[str, ...]:
    return tuple(_singular(w) for w in re.findall(r"[A-Za-z]+", plain[end : end + 40].lower())[:3])


_COMPARISON = re.compile(
    r"\s*%?\s*(?:[A-Za-z]+\s+){0,2}?(?:more|less|fewer|greater|smaller|older|younger|longer|shorter)\s+than\b"
    r"|\s*(?:times|x)\s+(?:as|more|less)\b",
    re.IGNORECASE,
)


def _in_brackets(text: str, position: int) -> bool:
    depth = 0
    for char in text[:position]:
        if char == "(":
            depth += 1
        elif char == ")":
            depth = max(0, depth - 1)
    return depth > 0


def _quantity_text(found: re.Match[str]) -> str:
    return found.group(1) + ("%" if found.group(2) else "")


def _value(found: re.Match[str]) -> Fraction | None:
    try:
        return Fraction(found.group(1).replace(",", ""))
    except (ValueError, ZeroDivisionError):
        return None


def statement_numbers(statement: str) -> frozenset[Fraction]:
    values: set[Fraction] = set()
    for found in _QUANTITY.finditer(plain_text(statement[: cas.MAX_TEXT_CHARS])):
        value = _value(found)
        if value is not None:
            values.add(value)
    return frozenset(values)


# --------------------------------------------------------------------------------------------------------------
# Multiple choice
# --------------------------------------------------------------------------------------------------------------


def choices_in(statement: str) -> dict[str, str]:
    """The options a multiple-choice problem lists, letter -> option text; {} unless at least A, B and C appear,
    in order."""
    text = statement[: cas.MAX_TEXT_CHARS]
    markers = [(m.group(1) or m.group(2) or m.group(3), m.start(), m.end()) for m in _OPTION_MARKER.finditer(text)]
    chosen: list[tuple[str, int, int]] = []
    for letter, start, end in markers:
        if len(chosen) < 5 and letter == "ABCDE"[len(chosen)]:
            chosen.append((letter, start, end))
        elif letter == "A":
            chosen = [(letter, start, end)]
    if len(chosen) < 3:
        return {}
    options: dict[str, str] = {}
    for i, (letter, _start, end) in enumerate(chosen):
        stop = chosen[i + 1][1] if i + 1 < len(chosen) else len(text)
        option = text[end:stop].split("\n", 1)[0].strip().rstrip(",;").strip()
        options[letter] = option
    return options


def _letter_of(text: str, options: dict[str, str]) -> str | None:
    cleaned = plain_text(text).strip().rstrip(".").strip()
    found = _LETTER.match(cleaned)
    if found is None or found.group(1).upper() not in options:
        return None
    rest = cleaned[found.end() :].strip()
    # "B" alone, "(B)", "(B) 15", "Choice B": a letter; "A man walks" or "A + 3" is not one.
    if rest and not cleaned.lstrip().startswith("(") and not re.match(r"(?i)\s*(?:answer|option|choice)", cleaned):
        return None
    return found.group(1).upper()


def _option_for(value: str, options: dict[str, str]) -> str | None:
    matching = [letter for letter, option in options.items() if answers_match(option, value) is True]
    return matching[0] if len(matching) == 1 else None


# --------------------------------------------------------------------------------------------------------------
# Comparing
# --------------------------------------------------------------------------------------------------------------


def plain_number(text: str) -> Fraction | None:
    """The number a short answer is ("$1,200", "25%", "15 km per hour", "4,200 m²"), or None."""
    cleaned = plain_text(text).strip()
    cleaned = cleaned.replace("%", "")
    cleaned = re.sub(r"\s*[A-Za-z][A-Za-z /.]*$", "", cleaned).strip().rstrip(".")
    cleaned = cleaned.replace(" ", "")
    if not _PLAIN_NUMBER.match(cleaned):
        return None
    try:
        return Fraction(cleaned.replace(",", ""))
    except (ValueError, ZeroDivisionError):
        return None


def answers_match(reference: str, answer: str) -> bool | None:
    """True/False when decidable, None when the answers could not be compared."""
    if len(reference) > MAX_ANSWER_CHARS or len(answer) > MAX_ANSWER_CHARS:
        return None
    ref_number, ans_number = plain_number(reference), plain_number(answer)
    if ref_number is not None and ans_number is not None:
        if _same(ref_number, ans_number):
            return True
        # "25%" for 0.25, "0.25" for 25%: the same quantity in the other scale.
        if ("%" in answer) != ("%" in reference):
            return _same(ref_number * 100, ans_number) or _same(ref_number, ans_number * 100)
        return False
    return _math_verify(reference, answer)


def _same(a: Fraction, b: Fraction) -> bool:
    return a == b or abs(float(a) - float(b)) < 1e-9


def _wrap(text: str) -> str:
    stripped = text.strip()
    return stripped if "$" in stripped or "\\boxed" in stripped else f"${stripped}$"


def _math_verify(reference: str, answer: str) -> bool | None:
    from math_verify import parse, verify

    try:
        gold = parse(_wrap(reference), parsing_timeout=None)
        target = parse(_wrap(answer), parsing_timeout=None)
        if not gold or not target:
            return None
        return bool(verify(gold, target, timeout_seconds=None))
    except Exception:  # math-verify raises many kinds of parser errors; none is the student's fault
        return None


def _last_right_side(steps: list[str], position: int) -> FoundAnswer | None:
    """ "= 2x + 6" as the last line: the expression after the last "=" is the answer."""
    text = steps[position]
    if "=" not in text or len(text) > MAX_ANSWER_CHARS * 2:
        return None
    tail = text.rsplit("=", 1)[1].strip().rstrip(".").strip()
    tail = tail.strip("$").removesuffix("\\)").removesuffix("\\]").strip()
    return FoundAnswer(tail, position, "last line") if tail else None


def _has_words(text: str) -> bool:
    return bool(re.search(r"[A-Za-z]{2,}", re.sub(r"\\[A-Za-z]+", " ", text)))


def check_final_answer(steps: list[str], reference_answer: str, statement: str = "") -> AnswerFinding:
    # Steps too long to check are skipped here too, so no pattern runs over a hostile 200 KB line.
    steps = [step if len(step) <= cas.MAX_TEXT_CHARS else "" for step in steps]
    options = choices_in(statement) if statement else {}
    located = _located(steps, options)
    if located is None:
        return AnswerFinding("unverified", None, "no final answer found")
    reference = reference_answer.strip()
    numeric_reference = plain_number(reference) is not None
    letter_reference = _letter_of(reference, options) if options else None
    if options and (letter_reference is not None or numeric_reference):
        return _check_choice(steps, located, reference, letter_reference, options, statement)
    if not numeric_reference:
        return _check_expression(steps, located, reference)
    answer = _reduced(located, statement)
    if answer is None:
        return AnswerFinding("unverified", None, "the last line ends in a calculation, not a result")
    return _compare(reference, answer)


def _reduced(located: FoundAnswer, statement: str) -> FoundAnswer | None:
    """The located answer reduced to one quantity; None when it states no result."""
    if located.how != "last sentence" and plain_number(located.text) is not None:
        number = _QUANTITY.search(plain_text(located.text))
        text = _quantity_text(number) if number is not None else located.text.strip()
        return FoundAnswer(text, located.step_position, located.how, located.text)
    if located.how != "last sentence" and not _has_words(located.text) and "=" not in located.text:
        return located  # an expression ("\frac{1}{2}", "3\sqrt{2}"): math-verify compares it
    quantity, others = reduce_answer(located.text, question_of(statement), prefer_first=located.how != "last sentence")
    if not quantity:
        return None
    return FoundAnswer(quantity, located.step_position, located.how, located.text, others)


def _compare(reference: str, answer: FoundAnswer) -> AnswerFinding:
    match = answers_match(reference, answer.text)
    if match is None:
        return AnswerFinding("unverified", answer, "the answers could not be compared")
    if not match and any(answers_match(reference, other) for other in answer.alternatives):
        return AnswerFinding("unverified", answer, "the answer sentence states more than one quantity")
    return AnswerFinding("correct" if match else "incorrect", answer)


def _check_expression(steps: list[str], located: FoundAnswer, reference: str) -> AnswerFinding:
    if not reference:
        return AnswerFinding("unverified", located, "no reference answer given")
    answer: FoundAnswer | None = located
    if located.how == "last sentence":
        answer = _last_right_side(steps, located.step_position)
        if answer is None:
            return AnswerFinding("unverified", None, "no clearly marked final answer")
    assert answer is not None
    return _compare(reference, answer)


def _check_choice(
    steps: list[str],
    located: FoundAnswer,
    reference: str,
    letter_reference: str | None,
    options: dict[str, str],
    statement: str,
) -> AnswerFinding:
    letter = located.text if located.how == "option" else _letter_of(located.text, options)
    if letter is None:
        answer = _reduced(located, statement) if located.how == "last sentence" else located
        if answer is None:
            return AnswerFinding("unverified", None, "no option or value read as the answer")
        letter = _option_for(answer.text, options)
        if letter is None and letter_reference is not None:
            return AnswerFinding("unverified", answer, "the answer is not one of the options")
        if letter is None:
            return _compare(reference, answer)
    chosen = FoundAnswer(letter, located.step_position, located.how, located.text)
    if letter_reference is not None:
        return AnswerFinding("correct" if letter == letter_reference else "incorrect", chosen)
    match = answers_match(reference, options[letter])
    if match is None:
        return AnswerFinding("unverified", chosen, "the answers could not be compared")
    return AnswerFinding("correct" if match else "incorrect", chosen)
