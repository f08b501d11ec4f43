"""Arithmetic written in words, rewritten as the symbols the claim reader understands.

"twelve times four is 48" -> "12 * 4 is 48"; "48 minus 15 is 33" -> "48 - 15 is 33"; "15% of 80, which is $12" ->
"15% of 80 is 12"; "half of 36 is 18" -> "1/2 of 36 is 18"; "3 teachers x 6 = 18" -> "3 teachers * 6 = 18";
"a child eats 20 lbs, half as much as an adult's 40" -> "a child eats 1/2 * 40 = 20".

Only word forms between two numbers (or a fraction word before "of" and a number) are rewritten, so prose keeps
its meaning: "three times as many" with no number after it, "one of them" and "half the class" stay words. The
input is already `cas.normalize`d (bounded in length), and every pattern here is linear in it.
"""

from __future__ import annotations

import re

_UNITS = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
    "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15, "sixteen": 16,
    "seventeen": 17, "eighteen": 18, "nineteen": 19,
}  # fmt: skip
_TENS = {"twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90}
_SCALES = {"hundred": 100, "thousand": 1000}
_NUMBER_WORD = "|".join([*_UNITS, *_TENS, *_SCALES])
# "twenty-five", "two hundred and fifty", "three thousand four hundred": one number.
_NUMBER_PHRASE = re.compile(
    rf"\b(?:{_NUMBER_WORD})(?:(?:\s+and\s+|[\s-]+)(?:{_NUMBER_WORD}))*\b(?![-'’])",
    re.IGNORECASE,
)

_FRACTION_WORDS = {
    "half": "1/2",
    "a half": "1/2",
    "one half": "1/2",
    "a third": "1/3",
    "one third": "1/3",
    "one-third": "1/3",
    "two thirds": "2/3",
    "two-thirds": "2/3",
    "a quarter": "1/4",
    "one quarter": "1/4",
    "one fourth": "1/4",
    "one-fourth": "1/4",
    "one-quarter": "1/4",
    "three quarters": "3/4",
    "three-quarters": "3/4",
    "three fourths": "3/4",
    "a fifth": "1/5",
    "one fifth": "1/5",
}
_MULTIPLIER_WORDS = {"half": "1/2", "twice": "2", "double": "2", "triple": "3", "thrice": "3"}

_NUM = r"-?\d[\d,]*(?:\.\d+)?%?"
# Up to two unit words between a number and an operator word: "48 apples minus 15 apples".
_NOT_A_UNIT = r"(?!(?:is|are|was|were|be|been|and|or|then|the|an?|of|to|by|so|that|it|when|if)\b)"
_UNIT_GAP = rf"((?:\s+{_NOT_A_UNIT}[A-Za-z][A-Za-z'’]*){{0,2}})"
_OPERATOR_WORD = re.compile(
    rf"({_NUM}){_UNIT_GAP}\s+(times|multiplied\s+by|plus|minus|divided\s+by|take\s+away|added\s+to)\s+"
    r"(?=\(?-?\d)(?!\d+\s*/\s*\d)",  # "4 divided by 4/9": which way it groups is not written, so not read
    re.IGNORECASE,
)
_SYMBOL_OF = {"times": "*", "multiplied by": "*", "plus": "+", "minus": "-", "divided by": "/", "take away": "-"}
_SUBTRACTED_FROM = re.compile(rf"({_NUM}){_UNIT_GAP}\s+subtracted\s+from\s+({_NUM})", re.IGNORECASE)
_X_AFTER_WORDS = re.compile(r"(\d)((?:\s+[A-Za-z][A-Za-z'’]*){1,2})\s+[xX]\s+(?=\(?\d)")
_FRACTION_OF = re.compile(
    r"\b(" + "|".join(sorted(_FRACTION_WORDS, key=len, reverse=True)) + r")\s+of\s+(?:the\s+|a\s+|his\s+|her\s+)?"
    r"(?=\d)",
    re.IGNORECASE,
)
_MULTIPLIER = re.compile(r"\b(twice|double|triple|thrice)\s+(?=\d)", re.IGNORECASE)
_POWER_WORD = re.compile(rf"({_NUM})\s+(squared|cubed)\b", re.IGNORECASE)
_ROOT_WORD = re.compile(rf"\bthe\s+square\s+root\s+of\s+({_NUM})", re.IGNORECASE)
_SUM_OF = re.compile(rf"\bthe\s+(sum|product)\s+of\s+({_NUM}(?:\s*,\s*{_NUM})*)\s*,?\s+and\s+({_NUM})", re.IGNORECASE)
# ", which is 12", "is equal to 12": the result of the calculation before it. Only before a lone number, so a
# clause that goes on to an equation ("which gives x = 18") is not read as one.
_RESULT_CLAUSE = re.compile(
    r"(?:\s*,?\s*(?:which|that)\s+(?:is|equals|makes|gives|leaves)|\s*,\s*(?:that's|that\s+is)"
    r"|\s+(?:is\s+)?equal\s+to|\s+comes\s+to|\s+results\s+in|,?\s+leaves)\b"
    r"(?=\s*\$?\s*-?\d[\d,]*(?:\.\d+)?\s*%?(?!\s*[=+*/^-]|\d))",
    re.IGNORECASE,
)
# "20 lbs, half as much as an adult's 40": the first number is the multiple of the second.
_AS_MUCH_AS = re.compile(
    rf"({_NUM}){_UNIT_GAP}\s*,?\s+(?:which\s+is\s+|or\s+)?(half|twice|double|triple|(\d+(?:\.\d+)?)\s+times)\s+as\s+"
    rf"(?:much|many|long|far|big|large|old|tall|heavy|fast|high|wide|expensive)\s+as\s+"
    rf"((?:[A-Za-z][A-Za-z'’]*\s+){{0,3}})({_NUM})",
    re.IGNORECASE,
)


def number_words_to_digits(text: str) -> str:
    return _NUMBER_PHRASE.sub(lambda m: _phrase_value(m.group()), text)


def _phrase_value(phrase: str) -> str:
    total, current = 0, 0
    for word in re.split(r"[\s-]+", phrase.lower()):
        if word == "and":
            continue
        if word in _UNITS:
            current += _UNITS[word]
        elif word in _TENS:
            current += _TENS[word]
        elif word == "hundred":
            current = max(current, 1) * 100
        elif word == "thousand":
            total += max(current, 1) * 1000
            current = 0
    return str(total + current)


# The words that can start a rewrite, looked up word by word (one findall and a set): as one alternation of
# \b-bounded words the regex engine tries every word at every position of the text.
_TRIGGER_WORDS = frozenset(
    {*_UNITS, *_TENS, *_SCALES}
    | {"half", "third", "thirds", "quarter", "quarters", "fourth", "fourths", "fifth", "times", "plus", "minus"}
    | {"divided", "multiplied", "added", "subtracted", "take", "which", "that", "that's", "equal", "equals", "comes"}
    | {"results", "leaves", "twice", "double", "triple", "thrice", "squared", "cubed", "square", "sum", "product"}
    | {"as", "x"}
)
_WORDS = re.compile(r"[A-Za-z]+(?:'s)?")


def _has_trigger(text: str) -> bool:
    return any(word.lower() in _TRIGGER_WORDS for word in _WORDS.findall(text))


def to_symbols(text: str) -> str:
    """Rewrite arithmetic in words as symbols. `text` is normalized text (cas.normalize)."""
    if not _has_trigger(text):
        return text  # most steps: nothing to rewrite, one scan
    out = _FRACTION_OF.sub(lambda m: f"{_FRACTION_WORDS[' '.join(m.group(1).lower().split())]} of ", text)
    out = number_words_to_digits(out)
    out = _AS_MUCH_AS.sub(_as_much_as, out)
    out = _RESULT_CLAUSE.sub(_result_clause, out)
    out = _SUM_OF.sub(_sum_of, out)
    out = _SUBTRACTED_FROM.sub(lambda m: f"{m.group(3)} - {m.group(1)}{m.group(2)}", out)
    out = _OPERATOR_WORD.sub(_operator_word, out)
    out = _X_AFTER_WORDS.sub(r"\1\2 * ", out)
    out = _MULTIPLIER.sub(lambda m: f"{_MULTIPLIER_WORDS[m.group(1).lower()]} * ", out)
    out = _POWER_WORD.sub(lambda m: f"{m.group(1)}^{2 if m.group(2).lower() == 'squared' else 3}", out)
    return _ROOT_WORD.sub(lambda m: f"sqrt({m.group(1)})", out)


_CLAUSE_START = re.compile(r"[,.;:()]")
_OPERATION_IN_WORDS = re.compile(r"divid|multipl|\bby\b|\btimes\b|\bsplit|\bshare", re.IGNORECASE)


def _result_clause(found: re.Match[str]) -> str:
    """ "15% of 80, which is 12" states the result of the calculation before it; "dividing 5 by 1/3, which gives
    15" states the result of an operation in words we did not read, so it is left alone."""
    before = found.string[max(0, found.start() - 200) : found.start()]
    starts = [m.end() for m in _CLAUSE_START.finditer(before)]
    clause = before[starts[-1] if starts else 0 :]
    if _OPERATION_IN_WORDS.search(clause) or not clause.strip() or before.rstrip().endswith(")"):
        return found.group()
    return " is"


_NOT_ARITHMETIC_BEFORE = re.compile(
    r"\b(?:remainder|quotient|modulo|mod|residue|digit|gcd|lcm|floor|ceiling)\b\W*\w*\W*$"
)


def _operator_word(found: re.Match[str]) -> str:
    if _NOT_ARITHMETIC_BEFORE.search(found.string[max(0, found.start() - 40) : found.start()].lower()):
        return found.group()  # "the remainder of 2004 divided by 12 is 0": not the quotient
    word = " ".join(found.group(3).lower().split())
    if word == "added to":
        return f"{found.group(1)}{found.group(2)} + "
    return f"{found.group(1)}{found.group(2)} {_SYMBOL_OF[word]} "


def _sum_of(found: re.Match[str]) -> str:
    terms = [t.strip() for t in found.group(2).split(",")] + [found.group(3)]
    symbol = " + " if found.group(1).lower() == "sum" else " * "
    return "(" + symbol.join(terms) + ")"


def _as_much_as(found: re.Match[str]) -> str:
    word = found.group(3).lower()
    factor = found.group(4) if found.group(4) else _MULTIPLIER_WORDS[word]
    return f" {factor} * {found.group(6)} = {found.group(1)} "
