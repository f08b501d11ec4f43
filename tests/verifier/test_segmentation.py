"""Math-aware step segmentation: markers, lines, paragraphs, sentences, math regions, caps, offsets, hostile input."""

from __future__ import annotations

import time

import pytest

from verifier_worker.segmentation import MAX_STEP_CHARS, MAX_STEPS, Segmentation, split


def assert_offsets_map_back(text: str, result: Segmentation) -> None:
    for i, step in enumerate(result.steps):
        assert step.index == i
        assert text[step.start : step.end] == step.text
        assert step.text == step.text.strip()
        assert step.text
    ends = [step.end for step in result.steps]
    starts = [step.start for step in result.steps]
    assert all(end <= start for end, start in zip(ends, starts[1:], strict=False)), "steps overlap or go backwards"


# --- explicit markers -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "Step 1: 3x + 5 = 20\nStep 2: 3x = 15\nStep 3: x = 5",
        "1. 3x + 5 = 20\n2. 3x = 15\n3. x = 5",
        "1) 3x + 5 = 20\n2) 3x = 15\n3) x = 5",
        "(a) 3x + 5 = 20\n(b) 3x = 15\n(c) x = 5",
        "- 3x + 5 = 20\n- 3x = 15\n- x = 5",
        "* 3x + 5 = 20\n* 3x = 15\n* x = 5",
        "• 3x + 5 = 20\n• 3x = 15\n• x = 5",
        "**Step 1:** 3x + 5 = 20\n**Step 2:** 3x = 15\n**Step 3:** x = 5",
    ],
)
def test_explicit_markers_start_steps_and_are_dropped_from_the_text(text: str) -> None:
    # Given a solution written with explicit step markers
    # When it is split
    result = split(text)
    # Then each marked item is a step, without its marker, and the offsets still point into the original
    assert result.texts == ("3x + 5 = 20", "3x = 15", "x = 5")
    assert_offsets_map_back(text, result)
    assert result.messages == ()


def test_a_bare_marker_line_heads_the_line_after_it() -> None:
    text = "Step 1:\n3x = 15\nStep 2:\nx = 5"
    result = split(text)
    assert result.texts == ("3x = 15", "x = 5")
    assert_offsets_map_back(text, result)


def test_numbers_and_minus_signs_are_not_mistaken_for_markers() -> None:
    text = "1.5 + 2 = 3.5\n-3 + 5 = 2\n(x) = 4"
    assert split(text).texts == ("1.5 + 2 = 3.5", "-3 + 5 = 2", "(x) = 4")


def test_a_numbered_list_inside_blank_line_paragraphs_is_split_per_item() -> None:
    text = "We solve it in order.\n\n1. 3x = 15\n2. x = 5\n\nSo the answer is 5."
    assert split(text).texts == ("We solve it in order.", "3x = 15", "x = 5", "So the answer is 5.")


# --- lines and paragraphs ---------------------------------------------------------------------------------


def test_one_step_per_line_and_an_equation_chain_stays_one_step_per_line() -> None:
    text = "3x + 5 = 20\n3x = 15\nx = 5"
    result = split(text)
    assert result.texts == ("3x + 5 = 20", "3x = 15", "x = 5")
    assert_offsets_map_back(text, result)


def test_blank_line_paragraphs_are_steps_even_with_internal_line_breaks() -> None:
    text = (
        "Next, calculate the shoes:\n- The price is $40.\n- 40% of $40 is $16.\n\n"
        "So the shoes cost $40 - $16 = $24.\n\n\n   \nThe total is $24."
    )
    result = split(text)
    assert result.texts == (
        "Next, calculate the shoes:\n- The price is $40.\n- 40% of $40 is $16.",
        "So the shoes cost $40 - $16 = $24.",
        "The total is $24.",
    )
    assert_offsets_map_back(text, result)


def test_a_lead_in_line_ending_with_a_colon_joins_the_line_it_introduces() -> None:
    text = "3x = 15\nDivide both sides by 3:\nx = 5"
    assert split(text).texts == ("3x = 15", "Divide both sides by 3:\nx = 5")


def test_a_display_block_completes_the_prose_line_before_it_but_a_display_chain_is_one_per_line() -> None:
    text = "Solving for x:\n\\[ 10 - 1.5x = 4 \\]\n\\[ 6 = 1.5x \\]\n\\[ x = 4 \\]\nSo x is 4."
    assert split(text).texts == (
        "Solving for x:\n\\[ 10 - 1.5x = 4 \\]",
        "\\[ 6 = 1.5x \\]",
        "\\[ x = 4 \\]",
        "So x is 4.",
    )


def test_windows_line_endings_are_handled() -> None:
    text = "3x = 15\r\nx = 5\r\n"
    result = split(text)
    assert result.texts == ("3x = 15", "x = 5")
    assert_offsets_map_back(text, result)


# --- sentences --------------------------------------------------------------------------------------------


def test_a_single_long_paragraph_is_split_into_sentences() -> None:
    text = (
        "First I add the apples, e.g. the red ones, so 3 + 4 = 7. The price is 2.50 dollars each! "
        "Then $x = 7. y$ is the total, i.e. the sum. How much? It is $17.50."
    )
    result = split(text)
    assert result.texts == (
        "First I add the apples, e.g. the red ones, so 3 + 4 = 7.",
        "The price is 2.50 dollars each!",
        "Then $x = 7. y$ is the total, i.e. the sum.",
        "How much?",
        "It is $17.50.",
    )
    assert_offsets_map_back(text, result)


def test_an_inline_step_marker_starts_a_new_step_in_a_single_line() -> None:
    assert split("Step 1: 3x = 15 Step 2: x = 5").texts == ("3x = 15", "x = 5")


def test_money_dollars_are_not_math() -> None:
    text = "It costs $40 - $16 = $24. Then he pays $3 more."
    assert split(text).texts == ("It costs $40 - $16 = $24.", "Then he pays $3 more.")


# --- math regions -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "block",
    [
        "$$\nx = 1.\nY = 2\n$$",
        "\\[\nx = 1.\nY = 2\n\\]",
        "\\begin{align}\nx &= 1. \\\\\nY &= 2\n\\end{align}",
        "\\begin{aligned}\nx &= 1. \\\\\nY &= 2\n\\end{aligned}",
        "\\begin{cases}\nx = 1. & t > 0 \\\\\nY = 2 & t < 0\n\\end{cases}",
        "\\(x = 1.\nY = 2\\)",
    ],
)
def test_a_multi_line_math_block_is_never_split(block: str) -> None:
    # Given a display block with line breaks and a sentence-like full stop inside it
    text = f"First line.\n{block}\nLast line."
    # When split line by line
    result = split(text)
    # Then the block is in one step, whole
    assert len(result.steps) == 3 or (len(result.steps) == 2 and block in result.texts[0])
    assert any(block in step for step in result.texts)
    assert_offsets_map_back(text, result)


def test_sentences_are_never_split_inside_inline_math() -> None:
    text = "We get \\(a = 1. B = 2\\) here. And $$c = 3. D = 4$$ too. Done."
    assert split(text).texts == ("We get \\(a = 1. B = 2\\) here.", "And $$c = 3. D = 4$$ too.", "Done.")


def test_an_unclosed_delimiter_does_not_swallow_the_rest() -> None:
    text = "\\[ x = 1\n\nSecond paragraph.\n\nThird."
    assert split(text).texts == ("\\[ x = 1", "Second paragraph.", "Third.")


# --- empties, caps, determinism ---------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["", "   ", "\n\n\n", "Step 1:", "- \n* \n"])
def test_empty_steps_are_dropped(text: str) -> None:
    assert split(text).steps == ()


def test_the_step_count_cap_keeps_the_first_steps_and_says_what_was_left_out() -> None:
    text = "\n".join(f"{i} + 1 = {i + 1}" for i in range(10))
    result = split(text, max_steps=4)
    assert result.texts == ("0 + 1 = 1", "1 + 1 = 2", "2 + 1 = 3", "3 + 1 = 4")
    assert len(result.messages) == 1
    assert "first 4 steps" in result.messages[0]
    assert "not checked" in result.messages[0]
    assert f"from character {text.index('4 + 1'):,} on" in result.messages[0]


def test_a_step_over_the_length_cap_is_split_at_sentences_without_losing_text() -> None:
    sentence = "Adding the next number gives a bigger total. "
    text = "Intro line\n" + sentence * 10 + "\nOutro line"
    result = split(text, max_step_chars=100)
    assert all(len(step) <= 100 for step in result.texts)
    assert result.texts[0] == "Intro line"
    assert result.texts[-1] == "Outro line"
    assert " ".join(result.texts[1:-1]) == (sentence * 10).strip()
    assert result.messages
    assert "longer than 100 characters" in result.messages[0]
    assert_offsets_map_back(text, result)


def test_a_sentence_over_the_length_cap_is_cut_at_whitespace() -> None:
    text = " ".join(["word"] * 100)
    result = split(text, max_step_chars=50)
    assert all(len(step) <= 50 for step in result.texts)
    assert " ".join(result.texts) == text
    assert_offsets_map_back(text, result)


def test_caps_must_be_positive() -> None:
    with pytest.raises(ValueError, match="must be positive"):
        split("x", max_steps=0)


def test_defaults_are_sane() -> None:
    assert 10 <= MAX_STEPS <= 500
    assert 200 <= MAX_STEP_CHARS <= 20_000


def test_splitting_is_deterministic() -> None:
    text = "Step 1: $a$.\n\\[b\\]\nc. D.\n\n(a) x\n(b) y"
    assert split(text) == split(text)


# --- hostile input ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "7" * 200_000,
        "x = 1 + " * 25_000,
        "\n" * 10_000,
        "a\n" * 100_000,
        "$a " * 70_000,
        "\\[ " * 70_000,
        "\\begin{align} " * 15_000,
        "Hi. " * 50_000,
        "{" * 100_000 + "}" * 100_000,
        "Intro:\n" + "- a\n" * 100_000,
        "First.\n\nSecond\n" + "c\n" * 100_000,
    ],
    ids=[
        "200k-digits",
        "200k-chain",
        "10k-newlines",
        "100k-lines",
        "dollars",
        "brackets",
        "envs",
        "sentences",
        "braces",
        "100k-bullets",
        "100k-line-paragraph",
    ],
)
def test_hostile_input_finishes_quickly_within_the_caps(text: str) -> None:
    started = time.perf_counter()
    result = split(text)
    elapsed = time.perf_counter() - started
    assert elapsed < 2.0
    assert len(result.steps) <= MAX_STEPS
    assert all(len(step.text) <= MAX_STEP_CHARS for step in result.steps)
    assert_offsets_map_back(text, result)
    if len(text.strip()) > MAX_STEPS * MAX_STEP_CHARS or text.count("\n") > MAX_STEPS * 2:
        assert result.messages or not result.steps


def test_times_and_operators_after_a_full_stop_do_not_end_the_sentence() -> None:
    text = "He was 8:20 a.m. - 8:00 a.m. = 20 minutes late. Then x = 5. = is not a sentence start. Done."
    assert split(text).texts == (
        "He was 8:20 a.m. - 8:00 a.m. = 20 minutes late.",
        "Then x = 5. = is not a sentence start.",
        "Done.",
    )


def test_a_long_paragraph_is_cut_at_line_breaks_under_the_length_cap() -> None:
    # Given blank-line paragraphs, one of which has many short lines
    lines = [f"{i} + 1 = {i + 1}" for i in range(40)]
    text = "We add one at a time.\n\n" + "\n".join(lines) + "\n\nDone."
    # When the step length cap is lower than that paragraph
    result = split(text, max_step_chars=120)
    # Then the paragraph is cut between lines, nothing is lost, and a message says so
    middle = result.texts[1:-1]
    assert all(len(step) <= 120 for step in middle)
    assert len(middle) > 1
    assert "\n".join(middle) == "\n".join(lines)
    assert result.messages == ("1 step was longer than 120 characters and was split into smaller steps.",)
    assert_offsets_map_back(text, result)


def test_a_where_clause_after_a_display_continues_its_step() -> None:
    text = "The area is\n\\[ A = \\pi r^2 \\]\nwhere r = 2 is the radius.\nSo A = 4\\pi."
    assert split(text).texts == (
        "The area is\n\\[ A = \\pi r^2 \\]\nwhere r = 2 is the radius.",
        "So A = 4\\pi.",
    )
