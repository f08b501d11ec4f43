"""The `VERIFIER_*` environment variables, parsed in one place, without Django.

`tutor/settings/base.py` builds its `VERIFIER_*` settings from `from_environ(os.environ)`, and
`python -m verifier_worker.evaluation` calls the same function, so the plain CLI, `manage.py evaluate_verifier`
and the grading worker read one deployment's configuration the same way.

Retries: the grading task owns them (`grading/retry_policy.py`), so the options the grading worker hands to a
backend (`grading_options`) make one HTTP attempt per request. `VERIFIER_MAX_RETRIES` is for callers outside
grading (`evaluate_verifier`, scripts), which have no task to retry them (`options`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from .registry import BackendSpec, parse_extra_backends
from .types import VerifierMisconfigured

_TRUE = {"1", "true", "yes", "on"}


@dataclass(frozen=True)
class VerifierSettings:
    # The backend of new assignments.
    default_backend: str = "symbolic"
    # Options handed to backends by callers outside grading; `max_retries` is VERIFIER_MAX_RETRIES.
    options: Mapping[str, Any] = field(default_factory=dict)
    extra_backends: tuple[BackendSpec, ...] = ()

    @property
    def grading_options(self) -> dict[str, Any]:
        """The options the grading worker uses: one HTTP attempt per request, because the task retries."""
        return {**self.options, "max_retries": 0}


def _number(environ: Mapping[str, str], name: str, default: str, kind: type[int] | type[float]) -> Any:
    raw = environ.get(name, default)
    try:
        value = kind(raw)
    except ValueError:
        raise VerifierMisconfigured(f"{name}={raw!r} is not a {'whole ' if kind is int else ''}number.") from None
    if value < 0:
        raise VerifierMisconfigured(f"{name}={raw!r} must not be negative.")
    return value


def from_environ(environ: Mapping[str, str]) -> VerifierSettings:
    """Parse the VERIFIER_* variables; a malformed one is a `VerifierMisconfigured` naming it."""
    options: dict[str, Any] = {
        # Empty means no model server here: the `openai` backend (and a cascade using it) is then not offered.
        "base_url": environ.get("VERIFIER_BASE_URL", ""),
        "model": environ.get("VERIFIER_MODEL", "launch/ThinkPRM-1.5B"),
        "api_key": environ.get("VERIFIER_API_KEY", "EMPTY"),
        "tokenizer_path": environ.get("VERIFIER_TOKENIZER_PATH", ""),
        "model_path": environ.get("VERIFIER_MODEL_PATH", ""),
        "format": environ.get("VERIFIER_FORMAT", "thinkprm"),
        "timeout": _number(environ, "VERIFIER_TIMEOUT", "120", float),
        "max_retries": _number(environ, "VERIFIER_MAX_RETRIES", "2", int),
        "concurrency": _number(environ, "VERIFIER_CONCURRENCY", "4", int),
        "max_tokens": _number(environ, "VERIFIER_MAX_TOKENS", "8192", int),
        "structured_outputs": environ.get("VERIFIER_STRUCTURED_OUTPUTS", "").strip().lower() in _TRUE,
        "llm_backend": environ.get("VERIFIER_CASCADE_LLM", ""),
    }
    return VerifierSettings(
        default_backend=environ.get("VERIFIER_DEFAULT_BACKEND", "symbolic"),
        options=options,
        extra_backends=parse_extra_backends(environ.get("VERIFIER_EXTRA_BACKENDS", "")),
    )
