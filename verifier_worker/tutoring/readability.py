"""Is a hint short, plain and kind? A small, documented measure, with no downloads.

Reading level: the Flesch-Kincaid grade, 0.39 × (words / sentences) + 11.8 × (syllables / words) − 15.59, over
the hint's words (math and numbers are left out: "3 × 6" is not hard to read, and counting it would reward long
formulas). Syllables are counted by the usual heuristic: groups of vowels (y counts after the first letter), less
a silent final "e" ("cake", but not "table"), at least one per word. On plain English this is within about one
syllable a word of a dictionary count, which is enough to tell a grade-4 sentence from a grade-10 one.

A hint passes `check` when it has at most MAX_WORDS words and MAX_SENTENCES sentences, a grade of at most
MAX_GRADE, and none of the BLAME_WORDS (words that judge the student rather than point at the work). The grade
bound is 8 (the end of middle school) rather than lower because the measure is unstable on one-line texts: "Check
the multiplication in step 2." scores 7.6, one five-syllable math word in a five-word sentence; the word and
sentence bounds keep hints short whatever the grade says.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

MAX_WORDS = 30
MAX_SENTENCES = 3
MAX_GRADE = 8.0
# Words that judge the student, or make the fix sound trivial to someone who is stuck.
BLAME_WORDS = frozenset(
    {
        "wrong",
        "mistake",
        "mistakes",
        "error",
        "errors",
        "careless",
        "carelessly",
        "silly",
        "stupid",
        "lazy",
        "sloppy",
        "bad",
        "fail",
        "failed",
        "fault",
        "obvious",
        "obviously",
        "clearly",
        "simply",
        "just",
        "easy",
        "should've",
        "shouldn't",
    }
)

_WORD = re.compile(r"[A-Za-z]+(?:'[A-Za-z]+)?")
_SENTENCE_END = re.compile(r"[.!?]+(?:\s|$)")
_VOWELS = re.compile(r"[aeiouy]+")


def syllables(word: str) -> int:
    word = word.lower().strip("'")
    if not word:
        return 0
    groups = _VOWELS.findall(word[0].replace("y", "") + word[1:]) if word[0] == "y" else _VOWELS.findall(word)
    count = len(groups)
    if word.endswith("e") and not word.endswith(("le", "ee", "ye")) and count > 1:
        count -= 1
    return max(count, 1)


def words(text: str) -> list[str]:
    """The hint's words, math left out (a number or a variable on its own is not a word)."""
    return [w for w in _WORD.findall(text) if len(w) > 1 or w.lower() in ("a", "i")]


def sentences(text: str) -> int:
    stripped = text.strip()
    if not stripped:
        return 0
    ends = len(_SENTENCE_END.findall(stripped + " "))
    return max(ends, 1)


def grade_level(text: str) -> float:
    found = words(text)
    if not found:
        return 0.0
    count = sentences(text)
    return 0.39 * len(found) / count + 11.8 * sum(syllables(w) for w in found) / len(found) - 15.59


@dataclass(frozen=True)
class Readability:
    words: int
    sentences: int
    grade: float
    blame_words: tuple[str, ...]
    problems: tuple[str, ...]

    @property
    def ok(self) -> bool:
        return not self.problems


def check(text: str) -> Readability:
    found = words(text)
    count = sentences(text)
    grade = grade_level(text)
    blame = tuple(sorted({w.lower() for w in found if w.lower() in BLAME_WORDS}))
    problems: list[str] = []
    if len(found) > MAX_WORDS:
        problems.append(f"{len(found)} words (at most {MAX_WORDS})")
    if count > MAX_SENTENCES:
        problems.append(f"{count} sentences (at most {MAX_SENTENCES})")
    if grade > MAX_GRADE:
        problems.append(f"reading grade {grade:.1f} (at most {MAX_GRADE:g})")
    if blame:
        problems.append("blame words: " + ", ".join(blame))
    return Readability(len(found), count, round(grade, 1), blame, tuple(problems))
