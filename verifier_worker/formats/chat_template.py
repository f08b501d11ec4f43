"""Render a model's own chat template without importing transformers.

ThinkPRM only behaves as trained when it sees the exact prompt it was trained on, so the `openai` backend sends
the completions API a prompt rendered by the model's chat template. The template is a Jinja string stored next
to the tokenizer (`chat_template.jinja`, or the `chat_template` key of `tokenizer_config.json`). We render it
the way transformers does (sandboxed Jinja, `trim_blocks`, `lstrip_blocks`, `raise_exception`, `strftime_now`,
a `tojson` filter, the special tokens as variables), so the web process and the CPU worker need only Jinja2.
The real-vLLM tier checks the result byte for byte against `transformers`' `apply_chat_template`.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from ..types import VerifierMisconfigured

SPECIAL_TOKEN_KEYS = ("bos_token", "eos_token", "unk_token", "pad_token", "sep_token", "cls_token", "mask_token")


def _token_text(value: Any) -> str | None:
    if isinstance(value, str):
        return value
    if isinstance(value, Mapping) and isinstance(value.get("content"), str):
        return str(value["content"])
    return None


def _raise_exception(message: str) -> None:
    from jinja2.exceptions import TemplateError

    raise TemplateError(message)


def _strftime_now(fmt: str) -> str:
    # Local wall-clock time, as transformers renders it (templates put today's date in the system prompt).
    return datetime.now().astimezone().strftime(fmt)


def _tojson(
    value: Any, ensure_ascii: bool = False, indent: int | None = None, separators: Any = None, sort_keys: bool = False
) -> str:
    # Same defaults as transformers: no HTML escaping, Unicode kept as is.
    return json.dumps(value, ensure_ascii=ensure_ascii, indent=indent, separators=separators, sort_keys=sort_keys)


@dataclass(frozen=True)
class ChatTemplate:
    source: str
    special_tokens: dict[str, str] = field(default_factory=dict)
    origin: str = ""

    def render(self, messages: Sequence[Mapping[str, str]], *, add_generation_prompt: bool = True) -> str:
        from jinja2 import TemplateError
        from jinja2.ext import loopcontrols
        from jinja2.sandbox import ImmutableSandboxedEnvironment

        env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True, extensions=[loopcontrols])
        env.filters["tojson"] = _tojson
        env.globals["raise_exception"] = _raise_exception
        env.globals["strftime_now"] = _strftime_now
        try:
            template = env.from_string(self.source)
            return template.render(
                messages=[dict(m) for m in messages],
                add_generation_prompt=add_generation_prompt,
                tools=None,
                documents=None,
                **self.special_tokens,
            )
        except TemplateError as exc:
            origin = self.origin or "the tokenizer"
            raise VerifierMisconfigured(f"The chat template from {origin} fails: {exc}") from exc


def load_chat_template(folder: str | os.PathLike[str]) -> ChatTemplate:
    """Read the chat template and special tokens saved with a tokenizer in `folder`."""
    path = Path(folder)
    config: dict[str, Any] = {}
    config_file = path / "tokenizer_config.json"
    if config_file.is_file():
        config = json.loads(config_file.read_text(encoding="utf-8"))
    special: dict[str, str] = {}
    special_map = path / "special_tokens_map.json"
    sources: list[Mapping[str, Any]] = [config]
    if special_map.is_file():
        sources.insert(0, json.loads(special_map.read_text(encoding="utf-8")))
    for source in sources:
        for key in SPECIAL_TOKEN_KEYS:
            text = _token_text(source.get(key))
            if text is not None:
                special[key] = text
    jinja_file = path / "chat_template.jinja"
    template: Any = jinja_file.read_text(encoding="utf-8") if jinja_file.is_file() else config.get("chat_template")
    if isinstance(template, list):  # named templates: use the default one
        named = {item.get("name"): item.get("template") for item in template if isinstance(item, Mapping)}
        template = named.get("default")
    if not isinstance(template, str) or not template:
        raise VerifierMisconfigured(f"No chat template found in {path} (chat_template.jinja or tokenizer_config.json).")
    return ChatTemplate(source=template, special_tokens=special, origin=str(path))


def hub_snapshot(model: str) -> Path | None:
    """The newest cached snapshot of `model` in the Hugging Face hub cache, if one is there."""
    hub_home = os.environ.get("HF_HUB_CACHE") or os.path.join(
        os.environ.get("HF_HOME") or os.path.join(os.path.expanduser("~"), ".cache", "huggingface"), "hub"
    )
    snapshots = Path(hub_home) / f"models--{model.replace('/', '--')}" / "snapshots"
    if not snapshots.is_dir():
        return None
    candidates = [p for p in snapshots.iterdir() if (p / "tokenizer_config.json").is_file()]
    if not candidates:
        return None
    return max(candidates, key=lambda p: p.stat().st_mtime)


def find_chat_template(*, tokenizer_path: str = "", model: str = "") -> ChatTemplate | None:
    """The template from `tokenizer_path`, else from the hub cache for `model`, else None."""
    if tokenizer_path:
        if not Path(tokenizer_path).is_dir():
            raise VerifierMisconfigured(f"tokenizer_path {tokenizer_path!r} is not a folder.")
        return load_chat_template(tokenizer_path)
    if model and Path(model).is_dir():
        return load_chat_template(model)
    snapshot = hub_snapshot(model) if model else None
    return load_chat_template(snapshot) if snapshot is not None else None
