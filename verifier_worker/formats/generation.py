"""What a verification loop and a generating backend exchange: samples in, completions out, and the bookkeeping.

A backend implements `Generator.generate(samples)`; a format's loop (`solution_loop`, `chunk_loop`) builds the
samples, reads the completions and records the run through a `FormatContext`. Nothing here knows a format.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from ..types import ChainRecord, RunMetadata, VerificationRequest, VerificationResult
from .chat_template import ChatTemplate


@dataclass(frozen=True)
class Sample:
    """One prompt (or chat conversation) and how to sample it."""

    prompt: str = ""
    messages: tuple[dict[str, str], ...] = ()
    n: int = 1
    temperature: float = 0.0
    max_tokens: int = 1024
    stop: tuple[str, ...] = ()
    regex: str | None = None
    # Next-token log-probabilities: how many top candidates to return for the first generated token.
    top_logprobs: int = 0
    # Constrain the output to one of these strings (structured outputs `choice`).
    choices: tuple[str, ...] = ()


@dataclass(frozen=True)
class Generation:
    text: str
    tokens: int | None = None
    finish_reason: str = ""
    top_logprobs: dict[str, float] | None = None


@dataclass(frozen=True)
class Completion:
    generations: tuple[Generation, ...]
    prompt_tokens: int = 0


class Generator(Protocol):
    def generate(self, samples: Sequence[Sample]) -> list[Completion]: ...


@dataclass(frozen=True)
class DriverSettings:
    format: str = "thinkprm"
    max_tokens: int | None = None
    structured_outputs: bool = False
    # Budget forcing between sequential rounds; None means the format's own trigger.
    round_trigger: str | None = None
    score_top_logprobs: int = 20


@dataclass(frozen=True)
class FormatContext:
    """What a format's loop runs on: the backend's generator, the model's chat template, the driver settings."""

    generator: Generator
    backend: str
    model: str
    template: ChatTemplate | None
    settings: DriverSettings


@dataclass
class Tally:
    """Tokens, prompts and notes gathered over the calls of one verification."""

    prompt_tokens: int = 0
    completion_tokens: int = 0
    prompts: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def add(self, completion: Completion) -> None:
        self.prompt_tokens += completion.prompt_tokens
        self.completion_tokens += sum(g.tokens or 0 for g in completion.generations)


def temperature_for(request: VerificationRequest, default: float) -> float:
    """K chains at the budget's temperature, or the format's default when K > 1; greedy when K == 1 (a single
    chain should give the same grade every time)."""
    if request.budget.temperature is not None:
        return request.budget.temperature
    return default if request.budget.parallel > 1 else 0.0


def show_messages(messages: Sequence[dict[str, str]]) -> str:
    return "\n\n".join(f"[{m['role']}]\n{m['content']}" for m in messages)


def run_metadata(
    context: FormatContext,
    *,
    prompt_version: str,
    request: VerificationRequest,
    sample: Sample,
    tally: Tally,
    records: tuple[ChainRecord, ...],
    notes: Sequence[str],
    round_trigger: str,
) -> RunMetadata:
    parameters: dict[str, Any] = {
        "format": context.settings.format,
        "parallel": sample.n,
        "rounds": request.budget.rounds,
        "temperature": sample.temperature,
        "max_tokens": sample.max_tokens,
        "stop": list(sample.stop),
        "structured_outputs": context.settings.structured_outputs,
    }
    if request.budget.rounds > 1:
        parameters["round_trigger"] = round_trigger
    return RunMetadata(
        backend=context.backend,
        model=context.model,
        prompt_version=prompt_version,
        parameters=parameters,
        raw_output=records[0].text if records else "",
        prompt=tally.prompts[0] if tally.prompts else "",
        prompt_tokens=tally.prompt_tokens,
        completion_tokens=tally.completion_tokens,
        chains=records,
        notes=tuple(notes),
    )


def empty_result(context: FormatContext, prompt_version: str) -> VerificationResult:
    """A solution with no steps: nothing to ask the model."""
    run = RunMetadata(backend=context.backend, model=context.model, prompt_version=prompt_version)
    return VerificationResult(
        steps=(),
        first_error_index=None,
        final_answer_verdict="unverified",
        run=run,
        undecided_reason="the solution has no steps to verify",
    )
