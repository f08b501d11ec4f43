"""What a recogniser returns, its errors, and the registry that imports one by name, lazily.

The web process imports only this module (and `strokes`); a recogniser's module, and torch with it, is imported
the first time `get_recogniser` is called, which only the ocr worker does.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from typing import Any, Protocol

from .strokes import StrokeLine


@dataclass(frozen=True)
class Reading:
    """One reading of a line: the recogniser's LaTeX, the solution line made from it, and how sure it is."""

    latex: str
    text: str
    confidence: float


@dataclass(frozen=True)
class Recognition:
    best: Reading
    alternatives: tuple[Reading, ...]
    model: str
    model_version: str
    latency_ms: float
    parameters: dict[str, Any] = field(default_factory=dict)


class RecognitionFailed(Exception):
    """The ink could not be read as math. The student is asked to type the line."""


class RecogniserUnavailable(Exception):
    """The recogniser cannot run here (not installed, weights missing). Permanent until the deployment changes."""


class Recogniser(Protocol):
    name: str

    def recognise(self, line: StrokeLine) -> Recognition: ...


RECOGNISERS: dict[str, str] = {
    "mathnote": "verifier_worker.handwriting.mathnote:MathNoteRecogniser",
    "fake": "verifier_worker.handwriting.fake:FakeRecogniser",
}

_instances: dict[str, Recogniser] = {}


def get_recogniser(name: str, **options: Any) -> Recogniser:
    """A cached recogniser instance (loading a model takes a while; a worker process keeps one)."""
    if name not in _instances:
        if name not in RECOGNISERS:
            raise RecogniserUnavailable(f"Unknown recogniser {name!r}. Known: {', '.join(sorted(RECOGNISERS))}.")
        module_name, _, class_name = RECOGNISERS[name].partition(":")
        try:
            module = importlib.import_module(module_name)
        except ImportError as exc:
            raise RecogniserUnavailable(f"Recogniser {name!r} cannot be imported: {exc}") from exc
        _instances[name] = getattr(module, class_name)(**options)
    return _instances[name]


def clear_cache() -> None:
    _instances.clear()
