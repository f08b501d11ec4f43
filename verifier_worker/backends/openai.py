"""Any OpenAI-compatible server: vLLM's api_server (the production default), SGLang, llama.cpp.

Prompts go to the completions API, rendered by the model's own chat template (read with Jinja2 from
`tokenizer_path` or the Hugging Face cache, see `formats.chat_template`), so the model sees byte for byte what it
was trained on. Without a template, the critic and chunk-judge formats fall back to chat completions; ThinkPRM
refuses, because its prompt only works in its exact form.

Errors: connection refused, a timeout, 429 or a 5xx are transient and retried `max_retries` times with
exponential backoff, then raise `VerifierUnavailable` (the grading worker passes max_retries=0: there the Celery
task owns retries, grading/retry_policy.py); any other 4xx (an unknown model is vLLM's 404, a prompt
too long is a 400) raises `VerifierMisconfigured` at once. `concurrency` caps the requests in flight from this
instance, across threads. Options not listed in `__init__` are ignored.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx

from ..formats.chat_template import ChatTemplate, find_chat_template
from ..formats.driver import Completion, Generation, Sample
from ..types import VerifierMisconfigured, VerifierUnavailable
from .generating import GeneratingVerifier

logger = logging.getLogger(__name__)

RETRY_BASE_SECONDS = 0.5


class OpenAIVerifier(GeneratingVerifier):
    name = "openai"
    # HTTP: verifications run concurrently; `concurrency` bounds the requests in flight.
    exclusive = False

    def __init__(
        self,
        *,
        base_url: str = "http://127.0.0.1:8001/v1",
        model: str = "",
        api_key: str = "EMPTY",
        tokenizer_path: str = "",
        format: str = "thinkprm",
        timeout: float = 120.0,
        max_retries: int = 2,
        concurrency: int = 4,
        max_tokens: int | None = None,
        structured_outputs: bool = False,
        round_trigger: str | None = None,
        score_top_logprobs: int = 20,
        vllm_extensions: bool = True,
        extra_body: dict[str, Any] | None = None,
        **_ignored: Any,
    ) -> None:
        if not model:
            raise VerifierMisconfigured("The openai verifier backend needs a model name (VERIFIER_MODEL).")
        if not base_url:
            raise VerifierMisconfigured(
                "The openai verifier backend needs the server's address (VERIFIER_BASE_URL, e.g. http://host:8001/v1)."
            )
        super().__init__(
            model_name=model,
            format=format,
            max_tokens=max_tokens,
            structured_outputs=structured_outputs,
            round_trigger=round_trigger,
            score_top_logprobs=score_top_logprobs,
        )
        self.base_url = base_url.rstrip("/")
        self.model = model
        self.timeout = float(timeout)
        self.max_retries = max(0, int(max_retries))
        self.concurrency = max(1, int(concurrency))
        self.vllm_extensions = bool(vllm_extensions)
        # Server-specific sampling fields sent with every generation request, e.g. {"top_p": 0.95}.
        self.extra_body = dict(extra_body or {})
        self._semaphore = threading.BoundedSemaphore(self.concurrency)
        self._client = httpx.Client(
            base_url=self.base_url,
            timeout=httpx.Timeout(self.timeout, connect=min(self.timeout, 10.0)),
            headers={"Authorization": f"Bearer {api_key}"},
            limits=httpx.Limits(max_connections=self.concurrency),
        )
        self._tokenizer_path = tokenizer_path

    def chat_template(self) -> ChatTemplate | None:
        return find_chat_template(tokenizer_path=self._tokenizer_path, model=self.model)

    def close(self) -> None:
        self._client.close()

    # --- Generator -----------------------------------------------------------------------------------------
    def generate(self, samples: Sequence[Sample]) -> list[Completion]:
        if len(samples) <= 1:
            return [self._one(s) for s in samples]
        with ThreadPoolExecutor(max_workers=min(self.concurrency, len(samples))) as pool:
            return list(pool.map(self._one, samples))

    def _one(self, sample: Sample) -> Completion:
        payload: dict[str, Any] = {
            "model": self.model,
            "n": sample.n,
            "temperature": sample.temperature,
            "max_tokens": sample.max_tokens,
        }
        if sample.stop:
            payload["stop"] = list(sample.stop)
        if sample.top_logprobs:
            payload["logprobs"] = sample.top_logprobs
        if sample.regex is not None:
            payload["structured_outputs"] = {"regex": sample.regex}
        elif sample.choices:
            payload["structured_outputs"] = {"choice": list(sample.choices)}
        if self.vllm_extensions:
            payload["return_token_ids"] = True
        if not sample.top_logprobs:
            payload.update(self.extra_body)
        if sample.prompt:
            payload["prompt"] = sample.prompt
            body = self.post("/completions", payload)
            return _completion(body, sample.n, chat=False)
        payload["messages"] = [dict(m) for m in sample.messages]
        if "logprobs" in payload:
            payload["logprobs"] = True
            payload["top_logprobs"] = sample.top_logprobs
        return _completion(self.post("/chat/completions", payload), sample.n, chat=True)

    def post(self, path: str, payload: dict[str, Any]) -> dict[str, Any]:
        """POST with bounded retries on transient failures; errors mapped to the verifier error types."""
        last = ""
        for attempt in range(self.max_retries + 1):
            if attempt:
                time.sleep(RETRY_BASE_SECONDS * 2 ** (attempt - 1))
            try:
                with self._semaphore:
                    response = self._client.post(path, json=payload)
            except httpx.TimeoutException as exc:
                last = f"timed out after {self.timeout:.0f}s ({type(exc).__name__})"
            except httpx.TransportError as exc:
                last = f"cannot reach {self.base_url}: {exc}"
            else:
                if response.status_code == 429 or response.status_code >= 500:
                    last = f"{self.base_url}{path} answered {response.status_code}: {response.text[:300]}"
                elif response.status_code >= 400:
                    raise VerifierMisconfigured(
                        f"{self.base_url}{path} rejected the request for model {self.model!r} "
                        f"({response.status_code}): {response.text[:500]}"
                    )
                else:
                    try:
                        body: dict[str, Any] = response.json()
                    except ValueError as exc:
                        raise VerifierMisconfigured(f"{self.base_url}{path} did not answer JSON: {exc}") from exc
                    return body
            logger.warning("verifier server attempt %d/%d failed: %s", attempt + 1, self.max_retries + 1, last)
        raise VerifierUnavailable(f"Verifier server unavailable after {self.max_retries + 1} attempt(s): {last}")


def _completion(body: dict[str, Any], n: int, *, chat: bool) -> Completion:
    choices = sorted(body.get("choices") or [], key=lambda c: c.get("index", 0))
    if not choices:
        raise VerifierMisconfigured(f"The server returned no choices: {str(body)[:300]}")
    usage = body.get("usage") or {}
    completion_tokens = int(usage.get("completion_tokens") or 0)
    texts = [(c.get("message") or {}).get("content") or "" if chat else c.get("text") or "" for c in choices]
    total_chars = sum(len(t) for t in texts) or 1
    generations = []
    for choice, text in zip(choices, texts, strict=True):
        token_ids = choice.get("token_ids")
        if isinstance(token_ids, list):
            tokens = len(token_ids)
        elif len(choices) == 1:
            tokens = completion_tokens
        else:  # no per-choice count from this server: share the usage out by length
            tokens = round(completion_tokens * len(text) / total_chars)
        generations.append(
            Generation(
                text=text,
                tokens=tokens,
                finish_reason=str(choice.get("finish_reason") or ""),
                top_logprobs=_first_top_logprobs(choice, chat=chat),
            )
        )
    return Completion(generations=tuple(generations), prompt_tokens=int(usage.get("prompt_tokens") or 0))


def _first_top_logprobs(choice: dict[str, Any], *, chat: bool) -> dict[str, float] | None:
    logprobs = choice.get("logprobs")
    if not logprobs:
        return None
    if chat:
        content = logprobs.get("content") or []
        if not content:
            return None
        return {item["token"]: float(item["logprob"]) for item in content[0].get("top_logprobs") or []}
    top = logprobs.get("top_logprobs") or []
    if not top or not top[0]:
        return None
    return {str(token): float(lp) for token, lp in top[0].items()}
