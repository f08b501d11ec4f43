"""The one table of verifier backends: name, import path, queue, label, shown to teachers or not, configured or not.

Everything that needs to know about a backend asks this table: the grading service (which queue, which class),
the assignment form and the problem-set importer (which backends a teacher may pick), `evaluate_verifier` (is it
configured here), and the cascade (its stages). Backends added with `VERIFIER_EXTRA_BACKENDS` are registered into
the same table once at start-up (`register`, called from `grading.apps` and the evaluation CLI), so an extra
backend is a whole backend: it has a queue and a label, and the cascade can use it as its LLM stage.

Classes are imported lazily by path: the web process only ever imports this module; torch, vllm and
transformers load inside the backend module, and only in the worker that runs it.
"""

from __future__ import annotations

import importlib
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from .types import Verifier, VerifierMisconfigured

Queue = Literal["cpu", "gpu"]
QUEUES: tuple[Queue, ...] = ("cpu", "gpu")

# Given the backend options of this deployment, why the backend cannot run here ("" when it can).
Requirement = Callable[[Mapping[str, Any]], str]


def _always(options: Mapping[str, Any]) -> str:
    return ""


def _needs_model_server(options: Mapping[str, Any]) -> str:
    missing = [
        env for key, env in (("base_url", "VERIFIER_BASE_URL"), ("model", "VERIFIER_MODEL")) if not options.get(key)
    ]
    return f"no model server is configured ({' and '.join(missing)} not set)" if missing else ""


def _needs_model_folder(options: Mapping[str, Any]) -> str:
    return "" if options.get("model_path") else "no local model folder is configured (VERIFIER_MODEL_PATH not set)"


def _needs_llm_stage(options: Mapping[str, Any]) -> str:
    stage = str(options.get("llm_backend") or "")
    if not stage:
        return "the cascade has no LLM stage (VERIFIER_CASCADE_LLM not set); it would be the symbolic checker alone"
    if stage == "cascade":
        return "the cascade cannot use itself as its LLM stage"
    if stage not in _table:
        return f"its LLM stage {stage!r} is not a known backend"
    reason = _table[stage].requirement(options)
    return f"its LLM stage {stage!r} is not configured: {reason}" if reason else ""


@dataclass(frozen=True)
class BackendSpec:
    name: str
    # "package.module:Class", imported on first use.
    path: str
    queue: Queue = "cpu"
    label: str = ""
    # Offered in the assignment form and accepted by the problem-set importer (when configured).
    teacher_visible: bool = False
    requirement: Requirement = _always

    def __post_init__(self) -> None:
        module, _, cls = self.path.partition(":")
        if not self.name or not module or not cls:
            raise VerifierMisconfigured(f"Backend {self.name!r}: the path must be 'module:Class', got {self.path!r}.")
        if self.queue not in QUEUES:
            raise VerifierMisconfigured(f"Backend {self.name!r}: queue {self.queue!r} is not one of {QUEUES}.")

    @property
    def shown(self) -> str:
        return self.label or self.name


BUILTIN_SPECS: tuple[BackendSpec, ...] = (
    BackendSpec(
        "symbolic",
        "verifier_worker.backends.symbolic:SymbolicVerifier",
        queue="cpu",
        label="Symbolic checker (CPU, no model)",
        teacher_visible=True,
    ),
    BackendSpec(
        "cascade",
        "verifier_worker.backends.cascade:CascadeVerifier",
        queue="gpu",
        label="Symbolic checker, then the LLM verifier for what it cannot decide",
        teacher_visible=True,
        requirement=_needs_llm_stage,
    ),
    BackendSpec(
        "openai",
        "verifier_worker.backends.openai:OpenAIVerifier",
        queue="gpu",
        label="LLM verifier on an OpenAI-compatible server (vLLM)",
        teacher_visible=True,
        requirement=_needs_model_server,
    ),
    BackendSpec(
        "vllm",
        "verifier_worker.backends.vllm_engine:VLLMVerifier",
        queue="gpu",
        label="LLM verifier, in-process vLLM engine (GPU worker)",
        teacher_visible=True,
        requirement=_needs_model_folder,
    ),
    BackendSpec(
        "transformers",
        "verifier_worker.backends.hf_transformers:TransformersVerifier",
        queue="gpu",
        label="LLM verifier, in-process transformers (small models)",
        teacher_visible=True,
        requirement=_needs_model_folder,
    ),
    # For tests only: never offered to teachers.
    BackendSpec("fake", "verifier_worker.backends.fake:FakeVerifier", queue="cpu", label="Fake (tests only)"),
)

_table: dict[str, BackendSpec] = {spec.name: spec for spec in BUILTIN_SPECS}
_lock = threading.Lock()

# Every teacher-visible built-in backend, configured here or not. Prefer `teacher_choices(options)`, which offers
# only what this deployment can run and includes registered extra backends.
TEACHER_CHOICES: tuple[tuple[str, str], ...] = tuple((s.name, s.shown) for s in BUILTIN_SPECS if s.teacher_visible)


# --- the table ----------------------------------------------------------------------------------------------


def register(specs: Iterable[BackendSpec]) -> None:
    """Add backends to the table, or replace one by name (an extra may override a built-in). Call at start-up."""
    with _lock:
        for item in specs:
            _table[item.name] = item


def register_extra(extra: Mapping[str, str | BackendSpec]) -> None:
    """`register` for the VERIFIER_EXTRA_BACKENDS setting: name -> spec, or the older name -> "module:Class"."""
    overlay = _overlay(extra)
    register(overlay[name] for name in extra)


def reset() -> None:
    """The built-in table only, and no cached instances (for tests)."""
    with _lock:
        _table.clear()
        _table.update({spec.name: spec for spec in BUILTIN_SPECS})
    clear_cache()


def specs() -> tuple[BackendSpec, ...]:
    return tuple(_table.values())


def _overlay(extra: Mapping[str, str | BackendSpec] | None) -> dict[str, BackendSpec]:
    """The table plus `extra` (name -> spec or "module:Class"), without changing the table."""
    table = dict(_table)
    for name, value in (extra or {}).items():
        if isinstance(value, BackendSpec):
            table[name] = value
        else:
            known = table.get(name)
            table[name] = (
                BackendSpec(
                    name,
                    value,
                    queue=known.queue,
                    label=known.label,
                    teacher_visible=known.teacher_visible,
                    requirement=known.requirement,
                )
                if known
                else BackendSpec(name, value)
            )
    return table


def spec(name: str, extra: Mapping[str, str | BackendSpec] | None = None) -> BackendSpec:
    table = _overlay(extra) if extra else _table
    found = table.get(name)
    if found is None:
        raise VerifierMisconfigured(f"Unknown verifier backend {name!r}. Known: {', '.join(sorted(table))}.")
    return found


def queue_for(name: str) -> Queue:
    """The Celery queue that runs this backend. An unknown name goes to `cpu`, where grading fails it clearly."""
    found = _table.get(name)
    return found.queue if found is not None else "cpu"


def not_configured_reason(name: str, options: Mapping[str, Any]) -> str:
    """Why `name` cannot run with these backend options ("" when it can). Unknown names say so."""
    found = _table.get(name)
    if found is None:
        return f"Unknown verifier backend {name!r}"
    return found.requirement(options)


def is_configured(name: str, options: Mapping[str, Any]) -> bool:
    return not not_configured_reason(name, options)


def teacher_choices(options: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(name, label) of the backends a teacher may pick here: teacher-visible and configured, in table order."""
    return [(s.name, s.shown) for s in _table.values() if s.teacher_visible and not s.requirement(options)]


# --- building backends --------------------------------------------------------------------------------------


def load_class(name: str, extra: Mapping[str, str | BackendSpec] | None = None) -> type:
    found = spec(name, extra)
    module_name, _, class_name = found.path.partition(":")
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise VerifierMisconfigured(f"Verifier backend {name!r} cannot be imported: {exc}") from exc
    try:
        cls: type = getattr(module, class_name)
    except AttributeError as exc:
        raise VerifierMisconfigured(f"{module_name} has no class {class_name!r}") from exc
    return cls


_instances: dict[tuple[str, str, tuple[tuple[str, Any], ...]], Verifier] = {}


def get_verifier(
    name: str, options: Mapping[str, Any] | None = None, extra: Mapping[str, str | BackendSpec] | None = None
) -> Verifier:
    """Return a (cached) backend instance. Backends take keyword options and ignore the ones they don't use.

    `extra` (name -> spec or "module:Class") is looked up before the table without changing it; backends from
    settings are registered at start-up instead, so nested lookups (the cascade's stages) find them too.
    """
    frozen = tuple(sorted((k, v) for k, v in (options or {}).items() if isinstance(v, str | int | float | bool)))
    path = spec(name, extra).path
    key = (name, path, frozen)
    if key not in _instances:
        cls = load_class(name, extra)
        _instances[key] = cls(**dict(options or {}))
    return _instances[key]


def clear_cache() -> None:
    _instances.clear()


# --- VERIFIER_EXTRA_BACKENDS ----------------------------------------------------------------------------------

_FLAGS = {"1": True, "true": True, "yes": True, "on": True, "0": False, "false": False, "no": False, "off": False}


def parse_extra_backends(text: str) -> tuple[BackendSpec, ...]:
    """`name=module:Class[;queue=cpu|gpu][;label=Shown name][;teachers=yes|no]`, items separated by commas.

    The plain `name=module:Class` form (the only one before) still works. An extra that overrides a built-in by
    name keeps the built-in's queue, label, visibility and requirement unless it says otherwise; a new one runs
    on `cpu`, is labelled by its name and is not shown to teachers. Labels cannot contain commas or semicolons.
    Anything else is a `VerifierMisconfigured` naming the item, so a typo never silently drops a backend.
    """
    found: dict[str, BackendSpec] = {}
    for raw in text.split(","):
        item = raw.strip()
        if not item:
            continue
        head, *attributes = (part.strip() for part in item.split(";"))
        name, equals, path = (part.strip() for part in head.partition("="))
        if not equals or not name or ":" not in path:
            raise VerifierMisconfigured(
                f"VERIFIER_EXTRA_BACKENDS: {item!r} is not 'name=module:Class[;queue=gpu][;label=...][;teachers=yes]'."
            )
        if name in found:
            raise VerifierMisconfigured(f"VERIFIER_EXTRA_BACKENDS names {name!r} twice.")
        known = _table.get(name)
        queue: str = known.queue if known else "cpu"
        label = known.label if known else ""
        teachers = known.teacher_visible if known else False
        for attribute in attributes:
            key, equals, value = (part.strip() for part in attribute.partition("="))
            if not equals:
                raise VerifierMisconfigured(f"VERIFIER_EXTRA_BACKENDS: {attribute!r} in {name!r} is not key=value.")
            if key == "queue":
                queue = value
            elif key == "label":
                label = value
            elif key == "teachers" and value.lower() in _FLAGS:
                teachers = _FLAGS[value.lower()]
            else:
                raise VerifierMisconfigured(
                    f"VERIFIER_EXTRA_BACKENDS: {attribute!r} in {name!r} is not queue=cpu|gpu, label=... or "
                    "teachers=yes|no."
                )
        if queue not in QUEUES:
            raise VerifierMisconfigured(f"VERIFIER_EXTRA_BACKENDS: {name!r} has queue {queue!r}; use cpu or gpu.")
        found[name] = BackendSpec(
            name,
            path,
            queue="gpu" if queue == "gpu" else "cpu",
            label=label,
            teacher_visible=teachers,
            requirement=known.requirement if known else _always,
        )
    return tuple(found.values())
