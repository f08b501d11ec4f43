"""ProcessBench critic and StepWiser chunk-judge formats: paragraph tags, boxed index, boxed judgment."""

from __future__ import annotations

import re

from verifier_worker.formats import chunkjudge, critic


def test_critic_wraps_steps_in_paragraph_tags_from_zero():
    message = critic.user_message("Solve x + 1 = 3.", ["x = 3 - 1", "x = 2"])
    assert "<paragraph_0>\nx = 3 - 1\n</paragraph_0>\n<paragraph_1>\nx = 2\n</paragraph_1>" in message
    assert "\\boxed{-1}" in message


def test_critic_takes_the_last_boxed_index():
    text = "Paragraph 0 is fine (not \\boxed{0}). Paragraph 1 says 2 + 2 = 5.\nFinal: \\boxed{ 1 }"
    chain = critic.parse_chain(text, 3)
    assert chain.decisive
    assert chain.first_error_index == 1
    assert chain.labels[0].label == "correct"
    assert 2 not in chain.labels
    assert "2 + 2 = 5" in chain.labels[1].critique


def test_critic_minus_one_clears_all_and_bad_answers_do_not_guess():
    assert critic.parse_chain("All fine. \\boxed{-1}", 2).labels[1].label == "correct"
    assert not critic.parse_chain("\\boxed{seven}", 2).decisive
    assert not critic.parse_chain("\\boxed{5}", 2).decisive
    assert "cut off" in critic.parse_chain("Paragraph 0 is", 2, finish_reason="length").reason


def test_critic_regex_forces_an_in_range_index():
    pattern = critic.structured_regex(2)
    assert re.fullmatch(pattern, "ok \\boxed{1}")
    assert not re.fullmatch(pattern, "ok \\boxed{2}")


def test_chunk_judge_prompt_has_problem_history_and_new_chunk():
    message = chunkjudge.user_message("P", ["a = 1", "b = 2"], "c = a + b = 4")
    assert message.index("[Problem]\nP") < message.index("a = 1\nb = 2") < message.index("[New step]\nc = a + b = 4")
    assert "(none yet)" in chunkjudge.user_message("P", [], "x")


def test_chunk_judge_parses_the_final_judgment():
    assert chunkjudge.parse_judgment("1 + 2 is 3, not 4. \\boxed{ Negative }").label == "Negative"
    judgment = chunkjudge.parse_judgment("Looks right.\n\\boxed{\\text{Positive}}")
    assert judgment.label == "Positive"
    assert judgment.analysis == "Looks right."
    unparsed = chunkjudge.parse_judgment("hmm", finish_reason="length")
    assert unparsed.label is None
    assert "cut off" in unparsed.reason
    assert re.fullmatch(chunkjudge.structured_regex(), "fine \\boxed{Positive}")
