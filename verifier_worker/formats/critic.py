"""ProcessBench-style critic (Zheng et al. 2024) for any instruction-tuned chat model.

Interface (shared/VERIFIER_FORMATS.md §2): the steps are wrapped in `<paragraph_i>` tags counting from 0, and
the model answers with the index of the earliest wrong paragraph, or -1, in `\\boxed{}`. The last `\\boxed{}`
is the prediction; anything that is not an in-range integer is unparseable, never a guess. The wording of
the instructions is ours.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from .parsing import ParsedChain, StepLabel, clean_critique
from .solution_loop import WholeSolutionFormat
from .thinkprm import ROUND_TRIGGER

PROMPT_VERSION = "critic-v1"
CHECKER = "critic"
MAX_TOKENS = 4096
DEFAULT_TEMPERATURE = 1.0
STOP: tuple[str, ...] = ()

INSTRUCTIONS = (
    "Below is a math problem and a student's solution, split into numbered paragraphs.\n"
    "\n"
    "[Problem]\n"
    "{problem}\n"
    "\n"
    "[Solution]\n"
    "{paragraphs}\n"
    "\n"
    "Check the paragraphs in order. A paragraph is wrong if it contains a calculation error, a false or "
    "unjustified claim, a misread of the problem, or a wrong conclusion. Explain briefly what you check, then "
    "give the index of the earliest wrong paragraph in \\boxed{{}}, for example \\boxed{{2}}. "
    "If every paragraph is correct, answer \\boxed{{-1}}."
)

_BOXED = re.compile(r"\\boxed\s*\{\s*([^{}]*?)\s*\}")


def format_paragraphs(steps: Sequence[str]) -> str:
    return "\n".join(f"<paragraph_{i}>\n{text.strip()}\n</paragraph_{i}>" for i, text in enumerate(steps))


def user_message(problem: str, steps: Sequence[str]) -> str:
    return INSTRUCTIONS.format(problem=problem, paragraphs=format_paragraphs(steps))


def messages(problem: str, steps: Sequence[str]) -> list[dict[str, str]]:
    return [{"role": "user", "content": user_message(problem, steps)}]


def structured_regex(n_steps: int, *, critique_chars: int = 400) -> str:
    choices = "|".join(["-1", *(str(i) for i in range(n_steps))])
    return rf"[^\\{{}}]{{0,{critique_chars}}}\\boxed\{{({choices})\}}"


def parse_chain(text: str, n_steps: int, *, finish_reason: str = "") -> ParsedChain:
    boxes = list(_BOXED.finditer(text))
    if not boxes:
        reason = (
            "the critic's output was cut off before its answer"
            if finish_reason == "length"
            else "no \\boxed{} paragraph index in the critic's output"
        )
        return ParsedChain(decisive=False, reason=reason)
    raw = boxes[-1].group(1)
    try:
        index = int(raw)
    except ValueError:
        return ParsedChain(decisive=False, reason=f"the critic's answer \\boxed{{{raw}}} is not a paragraph index")
    if index < -1 or index >= n_steps:
        reason = f"the critic named paragraph {index}, which the solution does not have"
        return ParsedChain(decisive=False, reason=reason)
    critique = clean_critique(text[: boxes[-1].start()])
    if index == -1:
        labels = {i: StepLabel(index=i, label="correct") for i in range(n_steps)}
        return ParsedChain(labels=labels, first_error_index=None, decisive=True)
    labels = {i: StepLabel(index=i, label="correct") for i in range(index)}
    labels[index] = StepLabel(index=index, label="incorrect", critique=critique)
    return ParsedChain(labels=labels, first_error_index=index, decisive=True)


FORMAT = WholeSolutionFormat(
    name="critic",
    prompt_version=PROMPT_VERSION,
    checker=CHECKER,
    max_tokens=MAX_TOKENS,
    default_temperature=DEFAULT_TEMPERATURE,
    stop=STOP,
    # Sequential rounds use ThinkPRM's budget-forcing trigger.
    round_trigger=ROUND_TRIGGER,
    conversation=messages,
    structured_regex=structured_regex,
    parse_chain=parse_chain,
)
