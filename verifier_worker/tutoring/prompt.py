"""The hint prompt for a language model, grounded in the verifier's critique, and reading its answer.

Versioned (`HINT_PROMPT_VERSION`), like the verifier formats: the version is recorded on every hint run, and a
change to the wording below is a new version. The model is told the level, the step, the student's steps and the
checker's critique of that step (which may contain the corrected value: the model is told not to use it, and the
no-leak filter in tutoring/leaks.py refuses a draft that does). Its answer is read as the text after the last
"Hint:", cut to MAX_SENTENCES sentences and MAX_HINT_CHARS characters, with markup removed.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

HINT_PROMPT_VERSION = "hint-v1"
MAX_HINT_CHARS = 300
MAX_SENTENCES = 2
MAX_TOKENS = 160
MAX_CRITIQUE_CHARS = 1200
MAX_STEP_CHARS = 400

LEVELS = {
    1: "Level 1: say only where to look (which step, which kind of calculation), in one short sentence.",
    2: (
        "Level 2: say what kind of slip it is, in terms of the quantities of the problem (what the step does with "
        "which amounts), in one or two short sentences."
    ),
    3: (
        "Level 3: ask one short question that points to the next correct move, the way a tutor would, without "
        "doing the move."
    ),
}
KINDS = {
    "error": "The first step that goes wrong is step {n}.",
    "next_step": "The steps so far are right, but the solution stops before the answer; the next step is step {n}.",
    "unreadable": "Step {n} could not be read as math.",
    "start": "The student has not written anything yet.",
}

INSTRUCTIONS = (
    "You are a kind, patient math tutor. A student is working on the problem below. Help them find and fix "
    "the problem in their work themselves.\n"
    "\n"
    "[Problem]\n"
    "{problem}\n"
    "\n"
    "[Student's steps]\n"
    "{steps}\n"
    "\n"
    "[What the checker found] (private: for you, not for the student)\n"
    "{situation} {critique}\n"
    "\n"
    "Write one hint for the student.\n"
    "{level}\n"
    "Rules: never state the final answer; never state the correct result of any step; use only numbers that "
    "appear in the problem or in the student's own steps; name the step by its number; use short, friendly "
    "words a 12-year-old knows; do not blame the student (no 'wrong', 'mistake', 'careless').\n"
    "Reply with the hint only, after 'Hint:'."
)

_MARKUP = re.compile(r"\\boxed\{([^{}]*)\}|\*\*|__|`|#+\s*")
_SENTENCE = re.compile(r"(?<=[.!?])\s+")


@dataclass(frozen=True)
class HintPrompt:
    problem: str
    steps: tuple[str, ...]
    kind: str  # "error" | "next_step" | "unreadable" | "start"
    step_number: int
    level: int
    critique: str = ""


def user_message(prompt: HintPrompt) -> str:
    steps = "\n".join(f"Step {i}: {text.strip()[:MAX_STEP_CHARS]}" for i, text in enumerate(prompt.steps, 1))
    return INSTRUCTIONS.format(
        problem=prompt.problem.strip(),
        steps=steps or "(none yet)",
        situation=KINDS.get(prompt.kind, KINDS["error"]).format(n=prompt.step_number),
        critique=prompt.critique.strip()[:MAX_CRITIQUE_CHARS],
        level=LEVELS.get(prompt.level, LEVELS[1]),
    )


def messages(prompt: HintPrompt) -> list[dict[str, str]]:
    return [{"role": "user", "content": user_message(prompt)}]


def parse_hint(text: str) -> str:
    """The hint in a model's answer: after the last "Hint:", at most MAX_SENTENCES sentences, no markup."""
    found = list(re.finditer(r"hint\s*:", text, re.IGNORECASE))
    body = text[found[-1].end() :] if found else text
    body = body.split("</think>")[-1]
    body = _MARKUP.sub(lambda m: m.group(1) or "", body)
    body = " ".join(body.split())
    sentences = [s for s in _SENTENCE.split(body) if s.strip()]
    short = " ".join(sentences[:MAX_SENTENCES]).strip().strip('"').strip()
    if len(short) > MAX_HINT_CHARS:
        cut = short[:MAX_HINT_CHARS]
        short = cut[: cut.rfind(" ")].rstrip(",;: ") + "…" if " " in cut else cut
    return short


def shown_steps(steps: Sequence[str], upto: int) -> tuple[str, ...]:
    """The steps the model sees: up to and including the target (nothing after the first error matters)."""
    return tuple(steps[: max(upto, 0)])
