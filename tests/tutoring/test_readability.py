"""The reading-level measure (verifier_worker/tutoring/readability.py)."""

from __future__ import annotations

import pytest

from verifier_worker.tutoring import readability


@pytest.mark.parametrize(
    ("word", "count"),
    [("check", 1), ("step", 1), ("table", 2), ("multiply", 3), ("multiplication", 5), ("cake", 1), ("quantity", 3)],
)
def test_syllables_by_the_vowel_group_heuristic(word, count):
    assert readability.syllables(word) == count


def test_plain_short_sentences_read_at_a_low_grade_and_long_words_at_a_high_one():
    easy = "Look at step 2 again. What do you get when you add the two costs?"
    hard = (
        "Reconsider the multiplicative relationship characterizing the intermediate computational "
        "representation of the aggregated expenditure."
    )
    assert readability.grade_level(easy) < 4
    assert readability.grade_level(hard) > 12
    assert readability.check(easy).ok
    assert not readability.check(hard).ok


def test_numbers_and_symbols_are_not_words():
    assert readability.words("Step 2: 3 × 6 = 24, x + y") == ["Step"]


def test_blame_words_fail_the_check():
    result = readability.check("That was a careless mistake in step 2.")
    assert not result.ok
    assert result.blame_words == ("careless", "mistake")
