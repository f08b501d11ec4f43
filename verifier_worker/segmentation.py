"""Split a student's free-text solution into steps. (Placeholder: one step per non-empty line.)

Interface (stable; the full math-aware implementation replaces the body):
    split(text, *, max_steps=MAX_STEPS, max_step_chars=MAX_STEP_CHARS) -> Segmentation
"""

from __future__ import annotations

from dataclasses import dataclass

MAX_STEPS = 60
MAX_STEP_CHARS = 2000


@dataclass(frozen=True)
class Segment:
    index: int
    text: str
    # Character offsets into the original text: text == original[start:end].strip() (modulo removed markers).
    start: int
    end: int


@dataclass(frozen=True)
class Segmentation:
    steps: tuple[Segment, ...]
    # Human-readable notes for the student, e.g. that the step cap was reached. Empty when all is well.
    messages: tuple[str, ...] = ()

    @property
    def texts(self) -> tuple[str, ...]:
        return tuple(step.text for step in self.steps)


def split(text: str, *, max_steps: int = MAX_STEPS, max_step_chars: int = MAX_STEP_CHARS) -> Segmentation:
    steps: list[Segment] = []
    offset = 0
    for line in text.splitlines(keepends=True):
        stripped = line.strip()
        if stripped:
            start = offset + line.index(stripped)
            steps.append(Segment(index=len(steps), text=stripped, start=start, end=start + len(stripped)))
        offset += len(line)
    return Segmentation(steps=tuple(steps[:max_steps]))
