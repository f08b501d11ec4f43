"""ThinkPRM format: the exact prompt, and parsing of realistic transcripts into per-step verdicts."""

from __future__ import annotations

import json
import math

import pytest

from verifier_worker.formats import thinkprm
from verifier_worker.formats.chat_template import ChatTemplate, load_chat_template
from verifier_worker.formats.parsing import aggregate

# A DeepSeek-R1-Distill-style template, cut down: BOS, the user turn, then the assistant tag opening a thought.
R1_STYLE_TEMPLATE = (
    "{{ bos_token }}{% for message in messages %}"
    "{% if message['role'] == 'user' %}{{ '<｜User｜>' + message['content'] }}{% endif %}"
    "{% endfor %}{% if add_generation_prompt %}{{ '<｜Assistant｜><think>\\n' }}{% endif %}"
)

EXPECTED_PROMPT = """<｜begin▁of▁sentence｜><｜User｜>You are given a math problem and a proposed step-by-step solution:

[Math Problem]

Compute 3 * (4 + 5).

[Solution]

Step 1: 4 + 5 = 9
Step 2: 3 * 9 = 27
Step 3: The answer is 27.

Review and critique each step in the proposed solution to determine whether each step is correct. If the solution is incomplete, only verify the provided steps.<｜Assistant｜><think>

Let's verify step by step:"""


def test_rendered_prompt_is_byte_identical_to_the_trained_format(tmp_path):
    # given a tokenizer folder whose config carries the chat template and a BOS token as an AddedToken dict
    config = {"chat_template": R1_STYLE_TEMPLATE, "bos_token": {"content": "<｜begin▁of▁sentence｜>"}}
    (tmp_path / "tokenizer_config.json").write_text(json.dumps(config), encoding="utf-8")
    template = load_chat_template(tmp_path)
    # when the student's own "Step N:" numbers are present and untrimmed
    steps = ["Step 1:  4 + 5 = 9", "step 2. 3 * 9 = 27 ", "The answer is 27."]
    prompt = thinkprm.build_prompt(template, "Compute 3 * (4 + 5).", steps)
    # then the prompt is exactly the trained one
    assert prompt == EXPECTED_PROMPT
    assert prompt.endswith("<think>\n\nLet's verify step by step:")


def test_chat_template_file_wins_over_config_and_chatml_renders(tmp_path):
    # given transformers 5's layout: chat_template.jinja next to the config
    chatml = (
        "{% for m in messages %}{{ '<|im_start|>' + m['role'] + '\\n' + m['content'] + '<|im_end|>\\n' }}{% endfor %}"
        "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}"
    )
    (tmp_path / "chat_template.jinja").write_text(chatml, encoding="utf-8")
    (tmp_path / "tokenizer_config.json").write_text(json.dumps({"chat_template": "IGNORED"}), encoding="utf-8")
    # when rendered
    text = load_chat_template(tmp_path).render([{"role": "user", "content": "hi"}])
    # then
    assert text == "<|im_start|>user\nhi<|im_end|>\n<|im_start|>assistant\n"


def test_score_is_yes_over_yes_plus_no():
    # given top logprobs with yes at 0.6 and no at 0.2 and other tokens
    top = {" yes": math.log(0.6), "no": math.log(0.2), "maybe": math.log(0.1)}
    # then
    assert thinkprm.score_from_top_logprobs(top) == pytest.approx(0.75)
    assert thinkprm.score_from_top_logprobs({"the": -0.1}) is None


ALL_CORRECT = r"""
Step 1: The student adds 4 + 5 and gets 9. That is right.

The step is \boxed{correct}

Step 2: They multiply 3 by 9, which is 27. Correct.

The step is \boxed{correct}

Step 3: The final answer 27 matches the computation.

The step is \boxed{correct}
</think>

Is the solution correct? Yes"""

ERROR_AT_STEP_3 = r"""
**Step 1:** The equation is 2x + 3 = 11. Subtracting 3 from both sides gives 2x = 8. This is correct.

The step is \boxed{correct}

**Step 2:** Dividing both sides by 2 gives x = 4. Correct.

The step is \boxed{correct}

**Step 3:** The student checks: 2(4) + 3 = 10. But 2 * 4 + 3 = 8 + 3 = 11, not 10. The check is miscalculated.

The step is \boxed{incorrect}
"""


def test_all_correct_transcript_clears_every_step():
    # when
    chain = thinkprm.parse_chain(ALL_CORRECT, 3, finish_reason="stop")
    # then
    assert chain.decisive
    assert chain.first_error_index is None
    assert [chain.labels[i].label for i in range(3)] == ["correct"] * 3
    assert "4 + 5" in chain.labels[0].critique


def test_error_at_step_3_is_index_2_with_its_critique():
    chain = thinkprm.parse_chain(ERROR_AT_STEP_3, 4, finish_reason="stop")
    assert chain.decisive
    assert chain.first_error_index == 2
    critique = chain.labels[2].critique
    assert "not 10" in critique
    assert "boxed" not in critique
    assert "**" not in critique
    assert not critique.lower().endswith("the step is")
    # and aggregated, step 4 is unverified since the verifier stops at the first error
    result = aggregate([chain], [0.1], 4, checker="thinkprm", reveal_corrections=False)
    assert [v.verdict for v in result.steps] == ["correct", "correct", "incorrect", "unverified"]
    assert result.first_error_index == 2
    assert result.steps[2].confidence == pytest.approx(0.9)
    assert result.steps[2].hint
    assert "11" not in result.steps[2].hint


def test_truncated_mid_step_is_unverified_with_the_reason():
    # given output cut by the token cap in the middle of step 3
    text = ALL_CORRECT.split("Step 3:")[0] + "Step 3: The final answer 27 matches the compu"
    chain = thinkprm.parse_chain(text, 3, finish_reason="length")
    result = aggregate([chain], [None], 3, checker="thinkprm")
    # then no guess: nothing is located and the reason names step 3
    assert not chain.decisive
    assert result.first_error_index is None
    assert result.final_answer_verdict == "unverified"
    assert "step 3" in result.undecided_reason
    assert all(v.verdict == "unverified" for v in result.steps)


def test_truncation_without_finish_reason_is_detected_from_the_dangling_header():
    text = ALL_CORRECT.split("Step 3:")[0] + "Step 3: The final answer"
    chain = thinkprm.parse_chain(text, 3)
    assert not chain.decisive
    assert "middle of step 3" in chain.reason


def test_repeated_and_out_of_order_step_numbers():
    # given a model that revisits step 1 and judges step 3 before step 2
    text = r"""
Step 1: 4 + 5 = 9 looks fine. \boxed{correct}
Step 3: 27 is the product. \boxed{correct}
Step 2: 3 * 9 = 27 is right. \boxed{correct}
Step 1: Wait, re-reading: 4 + 5 is 9, yes, still fine. \boxed{correct}
Step 7: There is no step 7. \boxed{incorrect}
"""
    chain = thinkprm.parse_chain(text, 3, finish_reason="stop")
    # then each verdict lands on its own step, the later one kept, and the out-of-range one ignored
    assert chain.decisive
    assert chain.first_error_index is None
    assert "re-reading" in chain.labels[0].critique
    assert any("step 7" in note for note in chain.notes)
    assert any("more than once" in note for note in chain.notes)


def test_boxed_with_spaces_and_text_after_think():
    text = r"""
Step 1: 4 + 5 = 9. \boxed{ correct }
Step 2: 3 * 9 is 27, but the student wrote 28. The step is \boxed{ incorrect }
</think>
Step 1: \boxed{incorrect} Step 2: \boxed{correct}
"""
    chain = thinkprm.parse_chain(text, 3, finish_reason="stop")
    assert chain.first_error_index == 1
    assert chain.labels[0].label == "correct"
    assert "28" in chain.labels[1].critique


def test_gibberish_is_unparseable_not_a_guess():
    chain = thinkprm.parse_chain("qz xv ,, lorem 9 9 9", 2, finish_reason="stop")
    result = aggregate([chain], [0.97], 2, checker="thinkprm")
    assert result.undecided_reason.startswith("no \\boxed{correct}")
    assert [v.verdict for v in result.steps] == ["unverified", "unverified"]


def test_majority_vote_over_four_chains():
    # given 3 chains that find the error at step 3 and one that clears everything
    error = thinkprm.parse_chain(ERROR_AT_STEP_3, 3)
    clean = thinkprm.parse_chain(ERROR_AT_STEP_3.replace("{incorrect}", "{correct}"), 3)
    result = aggregate([error, error, clean, error], [0.0, 0.0, 1.0, 0.0], 3, checker="thinkprm")
    # then the vote picks step 3 with a 3/4 share, times the score's agreement (1 - 0.25)
    assert result.first_error_index == 2
    assert result.solution_score == pytest.approx(0.25)
    assert result.steps[2].confidence == pytest.approx(0.75 * 0.75)


def test_structured_regex_accepts_a_well_formed_answer():
    import re

    text = "\nStep 1: ok The step is \\boxed{correct}\nStep 2: bad, 3 = 4 The step is \\boxed{incorrect}\n"
    assert re.fullmatch(thinkprm.structured_regex(2), text)
    assert thinkprm.parse_chain(text, 2).first_error_index == 1


def test_template_errors_are_misconfiguration():
    from verifier_worker.types import VerifierMisconfigured

    template = ChatTemplate(source="{{ raise_exception('no system role') }}")
    with pytest.raises(VerifierMisconfigured):
        template.render([{"role": "user", "content": "x"}])
