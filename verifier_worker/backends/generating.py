"""What every generating backend (`openai`, `vllm`, `transformers`) shares: one base class.

It owns
- the settings parsing: `format`, `max_tokens`, `structured_outputs`, `round_trigger` and `score_top_logprobs`
  become one `DriverSettings`, and an unknown format is refused when the backend is built;
- the driver: one `FormatDriver` per instance, built on first use with the model's chat template;
- the lock policy: `exclusive` backends (an in-process engine holding one model) run one `verify_batch` at a
  time; the others (HTTP) run concurrently and bound their requests in flight themselves. The driver is built
  once under its own lock either way;
- `verify_batch`.

A subclass implements only its transport: `chat_template()` (where the template comes from) and
`generate(samples)` (how prompts become text).
"""

from __future__ import annotations

import threading
from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import replace
from typing import ClassVar

from ..formats.chat_template import ChatTemplate
from ..formats.driver import Completion, DriverSettings, FormatDriver, Sample
from ..formats.registry import get_format
from ..types import VerificationRequest, VerificationResult


class GeneratingVerifier(ABC):
    name: ClassVar[str]
    # One verify_batch at a time per instance.
    exclusive: ClassVar[bool] = True
    # Whether `generate` can force the verdict grammar. When it cannot, the option is ignored and each run says so.
    supports_structured_outputs: ClassVar[bool] = True

    def __init__(
        self,
        *,
        model_name: str,
        format: str = "thinkprm",
        max_tokens: int | None = None,
        structured_outputs: bool = False,
        round_trigger: str | None = None,
        score_top_logprobs: int = 20,
    ) -> None:
        get_format(format)  # an unknown format is a misconfiguration now, not at the first submission
        self.model_name = model_name
        self._structured_requested = bool(structured_outputs)
        self.settings = DriverSettings(
            format=format,
            max_tokens=int(max_tokens) if max_tokens else None,
            structured_outputs=self._structured_requested and self.supports_structured_outputs,
            round_trigger=round_trigger or None,
            score_top_logprobs=int(score_top_logprobs),
        )
        self._lock = threading.Lock()
        self._driver_lock = threading.Lock()
        self._driver: FormatDriver | None = None

    # --- the transport: what a subclass implements ---------------------------------------------------------
    @abstractmethod
    def chat_template(self) -> ChatTemplate | None:
        """The model's chat template, or None when this backend has none (then chat formats use the chat API)."""

    @abstractmethod
    def generate(self, samples: Sequence[Sample]) -> list[Completion]:
        """One completion per sample, in order."""

    # --- Verifier ------------------------------------------------------------------------------------------
    def verify_batch(self, requests: Sequence[VerificationRequest]) -> list[VerificationResult]:
        if self.exclusive:
            with self._lock:
                results = self.driver().verify_batch(requests)
        else:
            results = self.driver().verify_batch(requests)
        if self._structured_requested and not self.supports_structured_outputs:
            note = f"structured outputs are not applied by the {self.name} backend"
            results = [replace(r, run=replace(r.run, notes=(*r.run.notes, note))) for r in results]
        return results

    def reuse_identity(self) -> str | None:
        """For the verdict cache (verifier_worker/reuse.py): only a format that judges each step from its prefix
        (the chunk judge) can reuse verdicts; the identity pins the model, the prompt and the decoding settings."""
        found = get_format(self.settings.format)
        if not found.prefix_local:
            return None
        s = self.settings
        return "|".join(
            (
                self.name,
                self.model_name,
                found.prompt_version,
                str(s.max_tokens),
                str(s.structured_outputs),
                str(s.round_trigger),
            )
        )

    def driver(self) -> FormatDriver:
        with self._driver_lock:
            if self._driver is None:
                template = self.chat_template()
                self._driver = FormatDriver(
                    self, backend=self.name, model=self.model_name, template=template, settings=self.settings
                )
            return self._driver
