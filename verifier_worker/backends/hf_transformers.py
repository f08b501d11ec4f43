"""In-process transformers (`AutoModelForCausalLM`) for small verifier models on CPU or GPU.

Loads offline from a local folder (`model_path`; the tokenizer from `tokenizer_path` or the same folder), on
first use, so constructing the backend is cheap. Generation is batched with left padding. The prompt is rendered
by the same Jinja chat-template code as the `openai` backend, so both send the model identical text. The yes/no
score reads the next-token log-softmax directly; the yes/no tokens are always included, so no top-k cut-off
hides them. Structured outputs are a server feature and are not applied here (noted in each run).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ..formats.chat_template import ChatTemplate, load_chat_template
from ..formats.driver import Completion, Generation, Sample
from ..types import VerifierMisconfigured
from .generating import GeneratingVerifier


class TransformersVerifier(GeneratingVerifier):
    name = "transformers"
    # One model per instance, one generate at a time.
    exclusive = True
    # A server feature: there is no grammar-constrained decoding here.
    supports_structured_outputs = False

    def __init__(
        self,
        *,
        model_path: str = "",
        tokenizer_path: str = "",
        model: str = "",
        format: str = "thinkprm",
        max_tokens: int | None = None,
        structured_outputs: bool = False,
        round_trigger: str | None = None,
        score_top_logprobs: int = 20,
        device: str = "",
        batch_size: int = 8,
        seed: int = 0,
        **_ignored: Any,
    ) -> None:
        if not model_path or not Path(model_path).is_dir():
            raise VerifierMisconfigured(
                f"The transformers backend needs model_path set to a local model folder (got {model_path!r})."
            )
        super().__init__(
            model_name=model or Path(model_path).name,
            format=format,
            max_tokens=max_tokens,
            structured_outputs=structured_outputs,
            round_trigger=round_trigger,
            score_top_logprobs=score_top_logprobs,
        )
        self.model_path = model_path
        self.tokenizer_path = tokenizer_path or model_path
        self.device = device
        self.batch_size = max(1, int(batch_size))
        self.seed = int(seed)
        self._loaded: tuple[Any, Any] | None = None

    def chat_template(self) -> ChatTemplate | None:
        return load_chat_template(self.tokenizer_path)

    # --- loading -------------------------------------------------------------------------------------------
    def _load(self) -> tuple[Any, Any]:
        if self._loaded is None:
            try:
                import torch
                from transformers import AutoModelForCausalLM, AutoTokenizer
            except ImportError as exc:
                raise VerifierMisconfigured(f"The transformers backend needs torch and transformers: {exc}") from exc
            try:
                tokenizer = AutoTokenizer.from_pretrained(self.tokenizer_path, local_files_only=True)
                model = AutoModelForCausalLM.from_pretrained(self.model_path, local_files_only=True)
            except (OSError, ValueError) as exc:
                raise VerifierMisconfigured(f"Cannot load the model from {self.model_path}: {exc}") from exc
            device = self.device or ("cuda" if torch.cuda.is_available() else "cpu")
            model.to(device).eval()
            tokenizer.padding_side = "left"
            if tokenizer.pad_token_id is None:
                tokenizer.pad_token = tokenizer.eos_token
            self._loaded = (tokenizer, model)
        return self._loaded

    # --- Generator -----------------------------------------------------------------------------------------
    def generate(self, samples: Sequence[Sample]) -> list[Completion]:
        results: list[Completion | None] = [None] * len(samples)
        groups: dict[tuple[Any, ...], list[int]] = {}
        for i, sample in enumerate(samples):
            key = (sample.n, sample.temperature, sample.max_tokens, sample.stop, bool(sample.top_logprobs))
            groups.setdefault(key, []).append(i)
        for indices in groups.values():
            for start in range(0, len(indices), self.batch_size):
                chunk = indices[start : start + self.batch_size]
                batch = [samples[i] for i in chunk]
                done = self._next_token(batch) if batch[0].top_logprobs else self._sample(batch)
                for i, completion in zip(chunk, done, strict=True):
                    results[i] = completion
        return [r for r in results if r is not None]

    def _encode(self, prompts: list[str]) -> tuple[Any, Any]:
        tokenizer, model = self._load()
        encoded = tokenizer(prompts, return_tensors="pt", padding=True, add_special_tokens=False)
        return encoded["input_ids"].to(model.device), encoded["attention_mask"].to(model.device)

    def _next_token(self, batch: list[Sample]) -> list[Completion]:
        import torch

        tokenizer, model = self._load()
        input_ids, mask = self._encode([s.prompt for s in batch])
        with torch.no_grad():
            logits = model(input_ids=input_ids, attention_mask=mask).logits[:, -1, :]
        logprobs = torch.log_softmax(logits.float(), dim=-1)
        completions = []
        for row, sample, prompt_mask in zip(logprobs, batch, mask, strict=True):
            top = torch.topk(row, k=min(sample.top_logprobs, row.shape[-1]))
            ids = [int(i) for i in top.indices]
            for choice in (*sample.choices, "yes", "no"):
                encoded = tokenizer.encode(choice, add_special_tokens=False)
                if encoded:
                    ids.append(int(encoded[0]))
            table = {tokenizer.decode([i]): float(row[i]) for i in dict.fromkeys(ids)}
            best = tokenizer.decode([ids[0]])
            completions.append(
                Completion(
                    generations=(Generation(text=best, tokens=1, finish_reason="length", top_logprobs=table),),
                    prompt_tokens=int(prompt_mask.sum()),
                )
            )
        return completions

    def _sample(self, batch: list[Sample]) -> list[Completion]:
        import torch

        tokenizer, model = self._load()
        first = batch[0]
        input_ids, mask = self._encode([s.prompt for s in batch])
        torch.manual_seed(self.seed)
        kwargs: dict[str, Any] = {
            "max_new_tokens": first.max_tokens,
            "num_return_sequences": first.n,
            "pad_token_id": tokenizer.pad_token_id,
            "eos_token_id": tokenizer.eos_token_id,
            "do_sample": first.temperature > 0,
        }
        if first.temperature > 0:
            kwargs["temperature"] = first.temperature
        if first.stop:
            kwargs["stop_strings"] = list(first.stop)
            kwargs["tokenizer"] = tokenizer
        with torch.no_grad():
            output = model.generate(input_ids=input_ids, attention_mask=mask, **kwargs)
        new_tokens = output[:, input_ids.shape[1] :]
        completions = []
        for b, sample in enumerate(batch):
            generations = []
            for k in range(sample.n):
                generations.append(self._decode(new_tokens[b * sample.n + k], sample, tokenizer))
            completions.append(Completion(generations=tuple(generations), prompt_tokens=int(mask[b].sum())))
        return completions

    def _decode(self, ids: Any, sample: Sample, tokenizer: Any) -> Generation:
        token_ids = [int(i) for i in ids]
        ended = False
        for position, token in enumerate(token_ids):
            if token == tokenizer.eos_token_id or token == tokenizer.pad_token_id:
                token_ids = token_ids[:position]
                ended = True
                break
        text = tokenizer.decode(token_ids, skip_special_tokens=True)
        for stop in sample.stop:  # the API convention: the stop string is not part of the text
            position = text.find(stop)
            if position != -1:
                text = text[:position]
                ended = True
        finish = "stop" if ended or len(token_ids) < sample.max_tokens else "length"
        return Generation(text=text, tokens=len(token_ids), finish_reason=finish)
