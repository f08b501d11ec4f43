"""A verifier's raw output made readable: a model's chain of thought cut into one part per step.

Generative verifiers (ThinkPRM, the chunk judge) walk the steps and close each with a boxed verdict,
`\\boxed{correct}` / `\\boxed{incorrect}` (or Positive / Negative). Each part runs from the end of one verdict to
the end of the next; it belongs to the last "Step N" header inside it, or to the step after the previous part's
when there is none, as `verifier_worker.formats.thinkprm.parse_chain` reads it. Text after the last verdict is a
final part with no step. An output with no boxed verdict (the ProcessBench critic, the symbolic checker's trace)
is one part. Bounded: at most MAX_PARTS parts; the rest stays in the last one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

MAX_PARTS = 200
_VERDICT = re.compile(
    r"\\boxed\s*\{\s*(?:\\text(?:bf)?\s*\{\s*)?(correct|incorrect|positive|negative)\s*\}(?:\s*\})?", re.IGNORECASE
)
_HEADER = re.compile(r"^[ \t>*#_-]*step\s*(\d{1,4})\b", re.IGNORECASE | re.MULTILINE)
_LABELS = {"correct": "correct", "positive": "correct", "incorrect": "incorrect", "negative": "incorrect"}


@dataclass(frozen=True)
class ChainPart:
    # 1-based step number the part judges, or None (the preamble, the tail, or an output without verdicts).
    step: int | None
    verdict: str
    text: str


def chain_parts(text: str) -> list[ChainPart]:
    parts: list[ChainPart] = []
    position = 0
    previous = 0
    for match in _VERDICT.finditer(text):
        if len(parts) >= MAX_PARTS - 1:
            break
        segment = text[position : match.end()]
        headers = list(_HEADER.finditer(segment))
        step = int(headers[-1].group(1)) if headers else previous + 1
        parts.append(ChainPart(step=step, verdict=_LABELS[match.group(1).lower()], text=segment.strip()))
        previous = step
        position = match.end()
    tail = text[position:].strip()
    if tail or not parts:
        parts.append(ChainPart(step=None, verdict="", text=tail))
    return parts
