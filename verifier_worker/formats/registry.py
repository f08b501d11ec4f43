"""Prompt formats by name (`VERIFIER_FORMAT`). Adding a format is one module with a `FORMAT` and one line here."""

from __future__ import annotations

from ..types import VerifierMisconfigured
from . import chunkjudge, critic, thinkprm
from .base import PromptFormat

FORMATS: dict[str, PromptFormat] = {
    "thinkprm": thinkprm.FORMAT,
    "critic": critic.FORMAT,
    "chunkjudge": chunkjudge.FORMAT,
}


def get_format(name: str) -> PromptFormat:
    found = FORMATS.get(name)
    if found is None:
        raise VerifierMisconfigured(f"Unknown verifier format {name!r}. Known: {', '.join(FORMATS)}.")
    return found
