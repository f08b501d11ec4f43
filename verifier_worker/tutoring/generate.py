"""Ask a generating backend's transport for a hint draft, and record the run like a verification run.

The transport is any `formats.generation.Generator` (the `openai` backend talks HTTP to vLLM or another
OpenAI-compatible server). The prompt is rendered with the model's chat template when the backend has one, else
sent to the chat API. Greedy decoding, one sample, MAX_TOKENS tokens. Errors are the verifier error types.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Protocol

from ..formats.chat_template import ChatTemplate
from ..formats.generation import Completion, Generator, Sample, show_messages
from ..types import RunMetadata
from .prompt import HINT_PROMPT_VERSION, MAX_TOKENS, HintPrompt, messages, parse_hint


class HintTransport(Generator, Protocol):
    def chat_template(self) -> ChatTemplate | None: ...


@dataclass(frozen=True)
class HintDraft:
    text: str
    run: RunMetadata


def write_hint(transport: HintTransport, *, backend: str, model: str, prompt: HintPrompt) -> HintDraft:
    conversation = messages(prompt)
    template = transport.chat_template()
    if template is not None:
        sample = Sample(prompt=template.render(conversation), n=1, temperature=0.0, max_tokens=MAX_TOKENS)
    else:
        sample = Sample(messages=tuple(conversation), n=1, temperature=0.0, max_tokens=MAX_TOKENS)
    started = time.perf_counter()
    completion: Completion = transport.generate([sample])[0]
    latency = (time.perf_counter() - started) * 1000
    raw = completion.generations[0].text if completion.generations else ""
    return HintDraft(
        text=parse_hint(raw),
        run=RunMetadata(
            backend=backend,
            model=model,
            prompt_version=HINT_PROMPT_VERSION,
            parameters={
                "level": prompt.level,
                "kind": prompt.kind,
                "step": prompt.step_number,
                "temperature": 0.0,
                "max_tokens": MAX_TOKENS,
                "chat_template": template is not None,
            },
            raw_output=raw,
            prompt=sample.prompt or show_messages(sample.messages),
            prompt_tokens=completion.prompt_tokens,
            completion_tokens=sum(g.tokens or 0 for g in completion.generations),
            latency_ms=latency,
        ),
    )
