"""Backend names mapped to "module:Class" paths, imported lazily.

The web process only ever imports this module; torch, vllm and transformers load inside the backend module,
and only in the worker that runs it.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from typing import Any

from .types import Verifier, VerifierMisconfigured

BUILTIN_BACKENDS: dict[str, str] = {
    "symbolic": "verifier_worker.backends.symbolic:SymbolicVerifier",
    "openai": "verifier_worker.backends.openai:OpenAIVerifier",
    "vllm": "verifier_worker.backends.vllm_engine:VLLMVerifier",
    "transformers": "verifier_worker.backends.hf_transformers:TransformersVerifier",
    "cascade": "verifier_worker.backends.cascade:CascadeVerifier",
    "fake": "verifier_worker.backends.fake:FakeVerifier",
}

# Backends that need a model and therefore run on the `gpu` queue.
MODEL_BACKENDS = frozenset({"openai", "vllm", "transformers", "cascade"})

# Shown in forms; `fake` is for tests and is not offered to teachers.
TEACHER_CHOICES: tuple[tuple[str, str], ...] = (
    ("symbolic", "Symbolic checker (CPU, no model)"),
    ("cascade", "Symbolic checker, then the LLM verifier for what it cannot decide"),
    ("openai", "LLM verifier on an OpenAI-compatible server (vLLM)"),
    ("vllm", "LLM verifier, in-process vLLM engine (GPU worker)"),
    ("transformers", "LLM verifier, in-process transformers (small models)"),
)


def backend_paths(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    paths = dict(BUILTIN_BACKENDS)
    paths.update(extra or {})
    return paths


def queue_for(backend: str) -> str:
    return "gpu" if backend in MODEL_BACKENDS else "cpu"


def load_class(name: str, extra: Mapping[str, str] | None = None) -> type:
    paths = backend_paths(extra)
    if name not in paths:
        raise VerifierMisconfigured(f"Unknown verifier backend {name!r}. Known: {', '.join(sorted(paths))}.")
    module_name, _, class_name = paths[name].partition(":")
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise VerifierMisconfigured(f"Verifier backend {name!r} cannot be imported: {exc}") from exc
    try:
        cls: type = getattr(module, class_name)
    except AttributeError as exc:
        raise VerifierMisconfigured(f"{module_name} has no class {class_name!r}") from exc
    return cls


_instances: dict[tuple[str, tuple[tuple[str, Any], ...]], Verifier] = {}


def get_verifier(
    name: str, options: Mapping[str, Any] | None = None, extra: Mapping[str, str] | None = None
) -> Verifier:
    """Return a (cached) backend instance. Backends take keyword options and ignore the ones they don't use."""
    frozen = tuple(sorted((k, v) for k, v in (options or {}).items() if isinstance(v, str | int | float | bool)))
    key = (name, frozen)
    if key not in _instances:
        cls = load_class(name, extra)
        _instances[key] = cls(**dict(options or {}))
    return _instances[key]


def clear_cache() -> None:
    _instances.clear()
