"""Run a prompt format on any text generator, in batches.

The three model backends differ only in how they turn prompts into text: HTTP to an OpenAI-compatible server,
an in-process vLLM engine, or transformers. Each implements `Generator.generate(samples)`; the driver looks the
format up by name (`formats.registry`) and runs its loop on the generator:

- whole-solution formats (ThinkPRM, critic, `solution_loop`): one prompt per request, K chains, R-1 sequential
  rounds, then, for ThinkPRM, the yes/no solution score;
- the chunk judge (`chunk_loop`): step i of every still-open request in one call, stopping each request at its
  first Negative.

Sampling: K chains at the budget's temperature, or the format's default when K > 1 and greedy when K == 1 (a
single chain should give the same grade every time). The vote and confidence rules are in `parsing.aggregate`.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import replace

from ..types import VerificationRequest, VerificationResult, VerifierMisconfigured
from .base import PromptFormat
from .chat_template import ChatTemplate
from .generation import Completion, DriverSettings, FormatContext, Generation, Generator, Sample, temperature_for
from .registry import FORMATS, get_format

__all__ = [
    "FORMATS",
    "Completion",
    "DriverSettings",
    "FormatDriver",
    "Generation",
    "Generator",
    "Sample",
    "temperature_for",
]


class FormatDriver:
    def __init__(
        self,
        generator: Generator,
        *,
        backend: str,
        model: str,
        template: ChatTemplate | None,
        settings: DriverSettings,
    ) -> None:
        self.format: PromptFormat = get_format(settings.format)
        if self.format.needs_chat_template and template is None:
            raise VerifierMisconfigured(
                f"The {self.format.name} format needs the model's own chat template: set tokenizer_path to the "
                "folder with tokenizer_config.json, or put the model in the Hugging Face cache."
            )
        self.generator = generator
        self.backend = backend
        self.model = model
        self.template = template
        self.settings = settings
        self._context = FormatContext(
            generator=generator, backend=backend, model=model, template=template, settings=settings
        )

    def verify_batch(self, requests: Sequence[VerificationRequest]) -> list[VerificationResult]:
        started = time.perf_counter()
        results = self.format.verify(self._context, requests)
        latency = (time.perf_counter() - started) * 1000
        return [replace(r, run=replace(r.run, latency_ms=latency)) for r in results]
