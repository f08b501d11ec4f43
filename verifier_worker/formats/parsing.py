"""What the formats share: a parsed chain, critique trimming, and the vote over K chains.

Each format turns one generated chain into a `ParsedChain`: the label it gave each step (0-based), the first
incorrect step, and, when the chain could not be read or stopped early, the reason. `aggregate` then combines
the K chains of one verification into per-step verdicts.

Rules, so a grade is never a guess:
- A chain that is unparseable or truncated before it located an error or cleared every step does not vote.
- The first error is the majority vote over the voting chains' first-error indices ("no error" is a vote too);
  ties go to the earliest error, so a disputed solution reaches a teacher rather than passing.
- Confidence is the vote share over all K chains (non-voting chains count against it), multiplied, when a
  solution score was read, by the score's agreement: 1 - score for an error, score for a clean solution.
- Steps after the first error are `unverified`: the verifiers stop at the first error.
- No voting chain at all: every step is `unverified` and `undecided_reason` says why.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

from ..types import StepVerdict, Verdict

Label = Literal["correct", "incorrect"]
MAX_EXPLANATION_CHARS = 600
NON_REVEALING_HINT = "The verifier found a problem in this step. Re-read it and check each claim and calculation."
STOPS_AT_FIRST_ERROR = "Not checked: the verifier stops at the first error."


@dataclass(frozen=True)
class StepLabel:
    index: int
    label: Label
    critique: str = ""


@dataclass(frozen=True)
class ParsedChain:
    labels: dict[int, StepLabel] = field(default_factory=dict)
    first_error_index: int | None = None
    # A chain votes when it located an error, or cleared every step. Otherwise `reason` says what went wrong.
    decisive: bool = False
    reason: str = ""
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Aggregate:
    steps: tuple[StepVerdict, ...]
    first_error_index: int | None
    final_answer_verdict: Verdict
    solution_score: float | None
    undecided_reason: str = ""


_MARKDOWN = re.compile(r"[*_#`]+")
_SPACES = re.compile(r"\s+")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")
_VERDICT_LEAD_IN = re.compile(
    r"(?:[,;:.]?\s*(?:so|thus|therefore|hence|overall|in conclusion)?,?\s*"
    r"(?:this|the)\s+(?:step|paragraph|chunk)\s+is\s*:?)\s*$",
    re.IGNORECASE,
)


def clean_critique(text: str, *, limit: int = MAX_EXPLANATION_CHARS) -> str:
    """The student-relevant part of a critique: no markdown, no "The step is" lead-in, the conclusion kept.

    A long critique first restates the step and ends with the judgment, so when it is too long we keep its
    last sentences, which say what is wrong.
    """
    text = _MARKDOWN.sub("", text)
    text = _SPACES.sub(" ", text).strip()
    text = _VERDICT_LEAD_IN.sub("", text).strip()
    if len(text) <= limit:
        return text
    kept: list[str] = []
    size = 0
    for sentence in reversed(_SENTENCE_END.split(text)):
        if size + len(sentence) + 1 > limit:
            break
        kept.insert(0, sentence)
        size += len(sentence) + 1
    return " ".join(kept) if kept else "…" + text[-(limit - 1) :]


def chain_from_labels(
    labels: dict[int, StepLabel], n_steps: int, *, truncated: bool, reason_if_incomplete: str, notes: Sequence[str] = ()
) -> ParsedChain:
    """Decide whether a chain is decisive from the labels it gave."""
    errors = sorted(i for i, label in labels.items() if label.label == "incorrect")
    first = errors[0] if errors else None
    if first is not None:
        return ParsedChain(labels=labels, first_error_index=first, decisive=True, notes=tuple(notes))
    if n_steps and all(i in labels for i in range(n_steps)):
        return ParsedChain(labels=labels, first_error_index=None, decisive=True, notes=tuple(notes))
    missing = [str(i + 1) for i in range(n_steps) if i not in labels]
    reason = reason_if_incomplete or (
        f"the verifier's output was cut off before step {missing[0]} got a verdict"
        if truncated
        else f"the verifier gave no verdict for step(s) {', '.join(missing)}"
    )
    return ParsedChain(labels=labels, first_error_index=None, decisive=False, reason=reason, notes=tuple(notes))


def _explanation(chains: Sequence[ParsedChain], index: int, label: Label) -> str:
    for chain in chains:
        step = chain.labels.get(index)
        if step is not None and step.label == label and step.critique:
            return step.critique
    return ""


def aggregate(
    chains: Sequence[ParsedChain],
    scores: Sequence[float | None],
    n_steps: int,
    *,
    checker: str,
    reveal_corrections: bool = True,
) -> Aggregate:
    known_scores = [s for s in scores if s is not None]
    solution_score = sum(known_scores) / len(known_scores) if known_scores else None
    voters = [c for c in chains if c.decisive]
    if not voters:
        reasons = sorted({c.reason for c in chains if c.reason}) or ["no chain was generated"]
        reason = "; ".join(reasons)
        steps = tuple(
            StepVerdict(
                index=i, verdict="unverified", confidence=0.0, explanation=f"Unverified: {reason}.", checker=checker
            )
            for i in range(n_steps)
        )
        return Aggregate(steps, None, "unverified", solution_score, undecided_reason=reason)

    votes = Counter(c.first_error_index for c in voters)
    top = max(votes.values())
    tied = [k for k, v in votes.items() if v == top]
    errors = sorted(k for k in tied if k is not None)
    winner = errors[0] if errors else None
    winners = [c for c in voters if c.first_error_index == winner]
    share = top / max(len(chains), 1)
    if solution_score is not None:
        share *= (1.0 - solution_score) if winner is not None else solution_score

    verdicts: list[StepVerdict] = []
    for i in range(n_steps):
        if winner is not None and i > winner:
            verdicts.append(
                StepVerdict(
                    index=i, verdict="unverified", confidence=0.0, explanation=STOPS_AT_FIRST_ERROR, checker=checker
                )
            )
        elif i == winner:
            verdicts.append(
                StepVerdict(
                    index=i,
                    verdict="incorrect",
                    confidence=round(share, 4),
                    explanation=_explanation(winners, i, "incorrect"),
                    hint="" if reveal_corrections else NON_REVEALING_HINT,
                    checker=checker,
                )
            )
        else:
            agreeing = sum(1 for c in chains if c.labels.get(i) is not None and c.labels[i].label == "correct")
            if agreeing == 0:
                verdicts.append(
                    StepVerdict(
                        index=i,
                        verdict="unverified",
                        confidence=0.0,
                        explanation="Unverified: the verifier gave no verdict for this step.",
                        checker=checker,
                    )
                )
                continue
            confidence = agreeing / max(len(chains), 1)
            if winner is None and solution_score is not None:
                confidence *= solution_score
            verdicts.append(
                StepVerdict(
                    index=i,
                    verdict="correct",
                    confidence=round(confidence, 4),
                    explanation=_explanation(winners, i, "correct"),
                    checker=checker,
                )
            )
    if winner is None:
        final: Verdict = "correct"
    else:
        final = "incorrect" if winner == n_steps - 1 else "unverified"
    return Aggregate(tuple(verdicts), winner, final, solution_score)
