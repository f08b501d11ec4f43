"""The quantities a text writes down: digits, decimals, fractions, percents and number words.

Two readings, for the two sides of the no-leak rule (tutoring/leaks.py):
- `written_values(text)` is *literal*: the numbers exactly as written (1,200 is 1200; 3/5 is 3/5; "60%" is 60).
  It builds the sets a hint may use (the problem's numbers, the student's own numbers), so it must never add a
  value the text does not state.
- `mentioned_values(text)` is *liberal*: everything a reader could take from the text (the literal values, each
  fraction's parts, a percent as a share, LaTeX fractions, number words such as "eighteen" or "one hundred and
  twenty-six"). It reads hints and the reference, where seeing too much only makes the filter stricter.

Both skip the step numbers a text names ("step 2", "steps 2 and 3", "step two"), which are not quantities:
`written_values` skips every step reference, `mentioned_values` only those naming a step that exists (at most
`steps`), so "step 18" in a hint about a three-step solution still counts as 18.
Values are exact `Fraction`s. Bounds: texts longer than MAX_CHARS are cut there, numbers longer than MAX_DIGITS
digits are skipped, and number words are read in runs of at most MAX_WORD_RUN words.
"""

from __future__ import annotations

import re
from fractions import Fraction

MAX_CHARS = 20_000
MAX_DIGITS = 30
MAX_WORD_RUN = 12

_LATEX_FRAC = re.compile(r"\\[dt]?frac\s*\{\s*(-?\d+(?:\.\d+)?)\s*\}\s*\{\s*(-?\d+(?:\.\d+)?)\s*\}")
# A number: optional sign, digits with optional thousands commas, optional decimals; or a bare decimal (.5).
_NUMBER = re.compile(
    r"(?<![\w.])(?P<sign>[-−])?(?P<num>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?|\.\d+)"
    r"(?:\s*/\s*(?P<den>\d+(?:\.\d+)?))?(?P<pct>\s*(?:%|\\%|percent\b))?"
)
# A step's number is a whole number on its own: "step 1.05" or "step 1,200" is a quantity after the word step.
_STEP_NUMBER = r"(?:\d+(?![.,/]?\d)|[a-z]+(?:-[a-z]+)?)"
_STEP_REFERENCE = re.compile(
    rf"\b(?:steps?|lines?)\s+{_STEP_NUMBER}(?:\s*(?:,|and|or|to|through|–|-)\s*{_STEP_NUMBER})*", re.IGNORECASE
)
_WORD = re.compile(r"[A-Za-z]+(?:-[A-Za-z]+)*")

UNITS = {
    "zero": 0,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "thirteen": 13,
    "fourteen": 14,
    "fifteen": 15,
    "sixteen": 16,
    "seventeen": 17,
    "eighteen": 18,
    "nineteen": 19,
}
TENS = {
    "twenty": 20,
    "thirty": 30,
    "forty": 40,
    "fourty": 40,
    "fifty": 50,
    "sixty": 60,
    "seventy": 70,
    "eighty": 80,
    "ninety": 90,
}
SCALES = {"hundred": 100, "thousand": 1000, "million": 10**6, "billion": 10**9}
# Words that are a quantity on their own.
SHARES = {
    "half": Fraction(1, 2),
    "halves": Fraction(1, 2),
    "quarter": Fraction(1, 4),
    "quarters": Fraction(1, 4),
    "dozen": Fraction(12),
    "dozens": Fraction(12),
    "twice": Fraction(2),
    "double": Fraction(2),
    "triple": Fraction(3),
    "thrice": Fraction(3),
    "third": Fraction(1, 3),
}
# Denominators in words: "three fifths", "two thirds".
ORDINAL_DENOMINATORS = {
    "third": 3,
    "thirds": 3,
    "fourth": 4,
    "fourths": 4,
    "fifth": 5,
    "fifths": 5,
    "sixth": 6,
    "sixths": 6,
    "seventh": 7,
    "sevenths": 7,
    "eighth": 8,
    "eighths": 8,
    "ninth": 9,
    "ninths": 9,
    "tenth": 10,
    "tenths": 10,
    "hundredth": 100,
    "hundredths": 100,
}


def _parse(text: str) -> Fraction | None:
    cleaned = text.replace(",", "")
    if len(cleaned.replace(".", "")) > MAX_DIGITS:
        return None
    try:
        return Fraction(cleaned)
    except (ValueError, ZeroDivisionError):
        return None


def _prepare(text: str, steps: int | None) -> str:
    """Cut to the bound, undo LaTeX digit grouping (1{,}200, 1\\,200), blank the step references that name a step
    (all of them when `steps` is None)."""
    text = text[:MAX_CHARS]
    text = re.sub(r"(\d)\{,\}(\d)", r"\1,\2", text)
    text = re.sub(r"(\d)\\[,;!: ](\d)", r"\1\2", text)

    def blank(match: re.Match[str]) -> str:
        if steps is None:
            return " "
        named = [n for n in _step_numbers(match.group(0))]
        return " " if named and all(1 <= n <= steps for n in named) else match.group(0)

    return _STEP_REFERENCE.sub(blank, text)


def _step_numbers(reference: str) -> list[int]:
    found: list[int] = []
    for token in re.findall(_STEP_NUMBER, reference.lower())[1:]:  # the first token is "step(s)"/"line(s)"
        if token.isdigit():
            found.append(int(token))
        elif token in ("and", "or", "to", "through"):
            continue
        else:
            words = token.split("-")
            if not all(w in UNITS or w in TENS for w in words):
                return []  # "step is": not a step reference after all
            found.append(sum(UNITS.get(w, 0) + TENS.get(w, 0) for w in words))
    return found


def written_values(text: str) -> set[Fraction]:
    """The numbers exactly as the text writes them (see the module docstring)."""
    text = _prepare(text, None)
    values: set[Fraction] = set()
    for match in _LATEX_FRAC.finditer(text):
        numerator, denominator = _parse(match.group(1)), _parse(match.group(2))
        if numerator is not None and denominator:
            values.add(numerator / denominator)
    text = _LATEX_FRAC.sub(" ", text)
    for match in _NUMBER.finditer(text):
        value = _parse(match.group("num"))
        if value is None:
            continue
        if match.group("den"):
            denominator = _parse(match.group("den"))
            if denominator:
                values.add(value / denominator)
            continue
        values.add(-value if match.group("sign") else value)
    return values


def mentioned_values(text: str, *, steps: int = 0) -> set[Fraction]:
    """Everything a reader could take from the text as a quantity (see the module docstring). Magnitudes only:
    a sign is not a disguise."""
    prepared = _prepare(text, steps)
    values: set[Fraction] = set()
    for match in _LATEX_FRAC.finditer(prepared):
        numerator, denominator = _parse(match.group(1)), _parse(match.group(2))
        for part in (numerator, denominator):
            if part is not None:
                values.add(abs(part))
        if numerator is not None and denominator:
            values.add(abs(numerator / denominator))
    plain = _LATEX_FRAC.sub(" ", prepared)
    for match in _NUMBER.finditer(plain):
        value = _parse(match.group("num"))
        if value is None:
            continue
        values.add(abs(value))
        if match.group("den"):
            denominator = _parse(match.group("den"))
            if denominator is not None:
                values.add(abs(denominator))
                if denominator:
                    values.add(abs(value / denominator))
        if match.group("pct"):
            values.add(abs(value) / 100)
    values |= word_values(plain)
    return values


def word_values(text: str) -> set[Fraction]:
    """Number words: "eighteen", "one hundred and twenty-six", "three fifths", "half", "a dozen"."""
    words = [w.lower() for w in _WORD.findall(text)]
    values: set[Fraction] = set()
    run: list[str] = []

    def flush() -> None:
        if run:
            values.update(_read_run(run))
            run.clear()

    for word in words:
        parts = word.split("-")
        if all(p in UNITS or p in TENS or p in SCALES for p in parts) or (word == "and" and run):
            run.extend(p for p in parts)
            if len(run) >= MAX_WORD_RUN:
                flush()
            continue
        if word in ORDINAL_DENOMINATORS and run:
            numerator = _read_run(run)
            run.clear()
            for value in numerator:
                values.add(value)
                values.add(value / ORDINAL_DENOMINATORS[word])
            continue
        flush()
        if word in SHARES:
            values.add(SHARES[word])
    flush()
    return values


def _read_run(run: list[str]) -> set[Fraction]:
    """A run of number words as one number, and every number a reader could take from part of it ("five hundred
    thirty two" is 532, and also 500, 32, 30 and 2...): the run is at most MAX_WORD_RUN words."""
    words = [w for w in run if w != "and"]
    out: set[Fraction] = set()
    for start in range(len(words)):
        for end in range(start + 1, len(words) + 1):
            out |= _read_words(words[start:end])
    return out


def _read_words(words: list[str]) -> set[Fraction]:
    total, current = 0, 0
    seen_any = False
    out: set[Fraction] = set()
    for word in words:
        if word in UNITS:
            current += UNITS[word]
            out.add(Fraction(UNITS[word]))
        elif word in TENS:
            current += TENS[word]
            out.add(Fraction(TENS[word]))
        elif word in SCALES:
            scale = SCALES[word]
            current = max(current, 1) * scale
            if scale >= 1000:
                total += current
                current = 0
        seen_any = True
    if seen_any:
        out.add(Fraction(total + current))
    return out


def digits_in(text: str) -> bool:
    return any(ch.isdigit() for ch in text)
