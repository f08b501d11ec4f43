"""The one protocol every prompt format satisfies, so the driver looks formats up by name instead of branching."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from ..types import VerificationRequest, VerificationResult
from .generation import FormatContext


class PromptFormat(Protocol):
    """A verifier prompt format: how it asks the model, how it reads the answers, and the loop that does both.

    `thinkprm.FORMAT` and `critic.FORMAT` are whole-solution formats (`solution_loop`); `chunkjudge.FORMAT` judges
    one step per call (`chunk_loop`). `formats.registry.FORMATS` maps each name to its format.
    """

    @property
    def name(self) -> str: ...

    @property
    def prompt_version(self) -> str: ...

    @property
    def needs_chat_template(self) -> bool:
        """True when the prompt only works rendered by the model's own chat template (no chat-API fallback)."""
        ...

    @property
    def prefix_local(self) -> bool:
        """True when the verdict on a step depends only on the problem and the steps up to it, so cached verdicts
        of a verified prefix may be reused (verifier_worker/reuse.py)."""
        ...

    def verify(self, context: FormatContext, requests: Sequence[VerificationRequest]) -> list[VerificationResult]:
        """One result per request, in order, batching the model calls across requests."""
        ...
