"""StepWiser-style chunk judge (Meta FAIR 2025): one call per step, stopping at the first Negative.

Interface (shared/VERIFIER_FORMATS.md §3): the judge sees the problem, the history (the steps accepted so far)
and the new chunk, writes an analysis, and ends with `\\boxed{Positive}` or `\\boxed{Negative}`. No public
checkpoint exists, so any chat model is prompted in this shape; the wording is ours.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from .chunk_loop import ChunkJudgeFormat
from .parsing import clean_critique
from .thinkprm import ROUND_TRIGGER

PROMPT_VERSION = "chunkjudge-v1"
CHECKER = "chunkjudge"
MAX_TOKENS = 2048
DEFAULT_TEMPERATURE = 0.6
STOP: tuple[str, ...] = ()
CHOICES = ("Positive", "Negative")

INSTRUCTIONS = (
    "You are checking a student's solution to a math problem one step at a time.\n"
    "\n"
    "[Problem]\n"
    "{problem}\n"
    "\n"
    "[Steps accepted so far]\n"
    "{history}\n"
    "\n"
    "[New step]\n"
    "{chunk}\n"
    "\n"
    "Judge only the new step, given the problem and the accepted steps. Analyse whether it is correct and "
    "useful: check its calculations, its claims and that it follows from what came before. End with your "
    "judgment: \\boxed{{Positive}} if the new step is correct, \\boxed{{Negative}} if it is not."
)

_JUDGMENT = re.compile(r"\\boxed\s*\{\s*(?:\\text\s*\{\s*)?(positive|negative)\s*\}(?:\s*\})?", re.IGNORECASE)


@dataclass(frozen=True)
class Judgment:
    label: Literal["Positive", "Negative"] | None
    analysis: str = ""
    reason: str = ""


def user_message(problem: str, history: Sequence[str], chunk: str) -> str:
    shown = "\n".join(text.strip() for text in history) if history else "(none yet)"
    return INSTRUCTIONS.format(problem=problem, history=shown, chunk=chunk.strip())


def messages(problem: str, history: Sequence[str], chunk: str) -> list[dict[str, str]]:
    return [{"role": "user", "content": user_message(problem, history, chunk)}]


def structured_regex(*, analysis_chars: int = 300) -> str:
    return rf"[^\\{{}}]{{0,{analysis_chars}}}\\boxed\{{(Positive|Negative)\}}"


def parse_judgment(text: str, *, finish_reason: str = "") -> Judgment:
    found = list(_JUDGMENT.finditer(text))
    if not found:
        reason = (
            "the judge's output was cut off before its judgment"
            if finish_reason == "length"
            else "no \\boxed{Positive} or \\boxed{Negative} in the judge's output"
        )
        return Judgment(label=None, reason=reason)
    last = found[-1]
    label: Literal["Positive", "Negative"] = "Positive" if last.group(1).lower() == "positive" else "Negative"
    return Judgment(label=label, analysis=clean_critique(text[: last.start()]))


FORMAT = ChunkJudgeFormat(
    name="chunkjudge",
    prompt_version=PROMPT_VERSION,
    checker=CHECKER,
    max_tokens=MAX_TOKENS,
    default_temperature=DEFAULT_TEMPERATURE,
    round_trigger=ROUND_TRIGGER,
    conversation=messages,
    structured_regex=structured_regex,
    parse_judgment=parse_judgment,
)
