"""ThinkPRM (Khalifa et al. 2025): prompt, stop strings, output parsing and the yes/no solution score.

The prompt is an interface fact (shared/VERIFIER_FORMATS.md §1) and is reproduced exactly: one user message,
rendered with the model's own chat template with the generation prompt, then "\\nLet's verify step by step:".
Any change to the strings here is a new `PROMPT_VERSION`.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence

from .chat_template import ChatTemplate
from .parsing import Label, ParsedChain, StepLabel, chain_from_labels, clean_critique
from .solution_loop import WholeSolutionFormat, YesNoScore

PROMPT_VERSION = "thinkprm-v1"
CHECKER = "thinkprm"

USER_MESSAGE = (
    "You are given a math problem and a proposed step-by-step solution:\n"
    "\n"
    "[Math Problem]\n"
    "\n"
    "{problem}\n"
    "\n"
    "[Solution]\n"
    "\n"
    "{solution}\n"
    "\n"
    "Review and critique each step in the proposed solution to determine whether each step is correct. "
    "If the solution is incomplete, only verify the provided steps."
)
GENERATION_PREFIX = "\nLet's verify step by step:"
SCORE_SUFFIX = "\nIs the solution correct? "
STOP = ("Is the solution correct?", "</think>")
# Budget forcing between sequential rounds; the rounds are joined by it before scoring.
ROUND_TRIGGER = "\nLet's verify again.\n"
MAX_TOKENS = 8192
DEFAULT_TEMPERATURE = 0.6

_STUDENT_STEP_NUMBER = re.compile(r"^\s*step\s*\d+\s*[:.)]\s*", re.IGNORECASE)
_BOX = re.compile(r"\\boxed\s*\{\s*(?:\\text(?:bf)?\s*\{\s*)?(correct|incorrect)\s*\}(?:\s*\})?", re.IGNORECASE)
# A step header at the start of a line, allowing markdown such as "**Step 2:**" or "### Step 2".
_HEADER = re.compile(r"^[ \t>*#_-]*step\s*(\d+)\b[^\n]*?[:.)]?", re.IGNORECASE | re.MULTILINE)
_HEADER_PREFIX = re.compile(r"^[ \t>*#_-]*step\s*\d+\s*(?:\*\*)?\s*[:.)]?\s*(?:\*\*)?", re.IGNORECASE)


def format_solution(steps: Sequence[str]) -> str:
    """`Step i: ...` lines, numbered from 1, with any number the student wrote removed first."""
    lines = []
    for i, text in enumerate(steps, start=1):
        lines.append(f"Step {i}: {_STUDENT_STEP_NUMBER.sub('', text.strip(), count=1).strip()}")
    return "\n".join(lines)


def user_message(problem: str, steps: Sequence[str]) -> str:
    return USER_MESSAGE.format(problem=problem, solution=format_solution(steps))


def messages(problem: str, steps: Sequence[str]) -> list[dict[str, str]]:
    return [{"role": "user", "content": user_message(problem, steps)}]


def build_prompt(template: ChatTemplate, problem: str, steps: Sequence[str]) -> str:
    rendered = template.render(messages(problem, steps), add_generation_prompt=True)
    return rendered + GENERATION_PREFIX


def score_prompt(prompt: str, generated: str) -> str:
    return prompt + generated + SCORE_SUFFIX


def score_from_top_logprobs(top_logprobs: Mapping[str, float]) -> float | None:
    """P(yes) / (P(yes) + P(no)) over the next-token candidates; None when neither is among them.

    Tokens are matched after trimming spaces and lowering case, so " yes" and "Yes" count as yes.
    """
    yes = sum(math.exp(lp) for tok, lp in top_logprobs.items() if tok.strip().lower() == "yes")
    no = sum(math.exp(lp) for tok, lp in top_logprobs.items() if tok.strip().lower() == "no")
    if yes + no <= 0.0:
        return None
    return yes / (yes + no)


def structured_regex(n_steps: int, *, critique_chars: int = 60) -> str:
    """A regex the server can force, so any model answers in the verdict grammar: one boxed label per step."""
    free = rf"[A-Za-z0-9 ,.=+*/()'-]{{0,{critique_chars}}}"
    parts = [rf"\nStep {i}: {free} The step is \\boxed\{{(correct|incorrect)\}}" for i in range(1, n_steps + 1)]
    return "".join(parts) + r"\n"


def cut_generation(text: str) -> str:
    """The chain of thought proper: nothing after `</think>` or the score question counts."""
    for marker in STOP:
        position = text.find(marker)
        if position != -1:
            text = text[:position]
    return text


def parse_chain(text: str, n_steps: int, *, finish_reason: str = "") -> ParsedChain:
    """Per-step labels from the `\\boxed{correct|incorrect}` verdicts, in order; Step k is index k-1.

    Each verdict belongs to the last step header before it (since the previous verdict), or to the step after
    the previous verdict when the model wrote no header. A step judged twice keeps its later verdict: in a
    second round the model revisits its first opinion.
    """
    body = cut_generation(text)
    truncated = finish_reason == "length"
    notes: list[str] = []
    labels: dict[int, StepLabel] = {}
    position = 0
    previous = -1
    for box in _BOX.finditer(body):
        segment = body[position : box.start()]
        headers = list(_HEADER.finditer(segment))
        if headers:
            number = int(headers[-1].group(1))
            critique = segment[headers[-1].start() :]
        else:
            number = previous + 2
            critique = segment
        position = box.end()
        if not 1 <= number <= n_steps:
            notes.append(f"verdict for step {number}, which the solution does not have, ignored")
            continue
        if number - 1 in labels:
            notes.append(f"step {number} judged more than once; the later verdict is kept")
        previous = number - 1
        label: Label = "incorrect" if box.group(1).lower() == "incorrect" else "correct"
        cleaned = clean_critique(_HEADER_PREFIX.sub("", critique.strip()))
        labels[number - 1] = StepLabel(index=number - 1, label=label, critique=cleaned)
    if not labels:
        reason = (
            "the verifier's output was cut off before its first verdict"
            if truncated
            else "no \\boxed{correct} or \\boxed{incorrect} verdict in the verifier's output"
        )
        return ParsedChain(decisive=False, reason=reason, notes=tuple(notes))
    tail_headers = [int(m.group(1)) for m in _HEADER.finditer(body[position:])]
    mid_step = [n for n in tail_headers if 1 <= n <= n_steps and n - 1 not in labels]
    reason = ""
    if mid_step and not any(label.label == "incorrect" for label in labels.values()):
        truncated = True
        reason = f"the verifier's output ends in the middle of step {mid_step[-1]}, before its verdict"
    return chain_from_labels(labels, n_steps, truncated=truncated, reason_if_incomplete=reason, notes=notes)


def chain_score_prompt(prompt: str, generated: str) -> str:
    """The scoring prompt for one chain: only its chain of thought proper, then the question."""
    return score_prompt(prompt, cut_generation(generated))


FORMAT = WholeSolutionFormat(
    name="thinkprm",
    prompt_version=PROMPT_VERSION,
    checker=CHECKER,
    max_tokens=MAX_TOKENS,
    default_temperature=DEFAULT_TEMPERATURE,
    stop=STOP,
    round_trigger=ROUND_TRIGGER,
    conversation=messages,
    render=build_prompt,
    structured_regex=structured_regex,
    parse_chain=parse_chain,
    # Its prompt only works in its exact form: no chat-completions fallback.
    needs_chat_template=True,
    score=YesNoScore(prompt=chain_score_prompt, read=score_from_top_logprobs),
)
