"""In-process `vllm.LLM` for the GPU worker.

Every verification handed to `verify_batch` goes into one `generate` call (one per phase: chains, sequential
rounds, scoring), with a `SamplingParams` per prompt: `n=K` chains, the format's stop strings, `logprobs` for the
yes/no score, and the verdict grammar through `StructuredOutputsParams` when `structured_outputs` is on. Prefix
caching is on, so the K chains and the scoring prompts share the problem-and-solution prefix in the KV cache.
The engine loads on first use; vllm is imported only here.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ..formats.chat_template import ChatTemplate, find_chat_template
from ..formats.driver import Completion, Generation, Sample
from ..types import VerifierMisconfigured
from .generating import GeneratingVerifier


class VLLMVerifier(GeneratingVerifier):
    name = "vllm"
    # One engine per instance; its own scheduler batches what one verify_batch hands it.
    exclusive = True

    def __init__(
        self,
        *,
        model: str = "",
        model_path: str = "",
        tokenizer_path: str = "",
        format: str = "thinkprm",
        max_tokens: int | None = None,
        structured_outputs: bool = False,
        round_trigger: str | None = None,
        score_top_logprobs: int = 20,
        gpu_memory_utilization: float = 0.85,
        max_model_len: int | None = None,
        dtype: str = "auto",
        seed: int = 0,
        **_ignored: Any,
    ) -> None:
        engine_model = model_path or model
        if not engine_model:
            raise VerifierMisconfigured("The vllm backend needs model_path (a local folder) or a model name.")
        super().__init__(
            model_name=model or engine_model,
            format=format,
            max_tokens=max_tokens,
            structured_outputs=structured_outputs,
            round_trigger=round_trigger,
            score_top_logprobs=score_top_logprobs,
        )
        self.model = engine_model
        self.tokenizer_path = tokenizer_path or (model_path if model_path else "")
        self.engine_args: dict[str, Any] = {
            "model": self.model,
            "tokenizer": tokenizer_path or None,
            "enable_prefix_caching": True,
            "gpu_memory_utilization": float(gpu_memory_utilization),
            "dtype": dtype,
            "seed": int(seed),
        }
        if max_model_len:
            self.engine_args["max_model_len"] = int(max_model_len)
        self._llm: Any = None

    def chat_template(self) -> ChatTemplate | None:
        return find_chat_template(tokenizer_path=self.tokenizer_path, model=self.model)

    def _engine(self) -> Any:
        if self._llm is None:
            try:
                from vllm import LLM
            except ImportError as exc:
                raise VerifierMisconfigured(f"The vllm backend needs the vllm package: {exc}") from exc
            try:
                self._llm = LLM(**{k: v for k, v in self.engine_args.items() if v is not None})
            except (OSError, ValueError) as exc:
                raise VerifierMisconfigured(f"vLLM cannot load {self.model}: {exc}") from exc
        return self._llm

    def _params(self, sample: Sample) -> Any:
        from vllm import SamplingParams

        structured = None
        if sample.regex is not None or sample.choices:
            from vllm.sampling_params import StructuredOutputsParams

            structured = (
                StructuredOutputsParams(regex=sample.regex)
                if sample.regex is not None
                else StructuredOutputsParams(choice=list(sample.choices))
            )
        return SamplingParams(
            n=sample.n,
            temperature=sample.temperature,
            max_tokens=sample.max_tokens,
            stop=list(sample.stop) or None,
            logprobs=sample.top_logprobs or None,
            structured_outputs=structured,
        )

    def generate(self, samples: Sequence[Sample]) -> list[Completion]:
        if not samples:
            return []
        if any(not s.prompt for s in samples):
            raise VerifierMisconfigured("The vllm backend needs the model's chat template to render prompts.")
        outputs = self._engine().generate(
            [s.prompt for s in samples], [self._params(s) for s in samples], use_tqdm=False
        )
        completions = []
        for output in outputs:
            generations = tuple(
                Generation(
                    text=choice.text,
                    tokens=len(choice.token_ids),
                    finish_reason=str(choice.finish_reason or ""),
                    top_logprobs=_first_logprobs(choice),
                )
                for choice in output.outputs
            )
            completions.append(Completion(generations=generations, prompt_tokens=len(output.prompt_token_ids or [])))
        return completions


def _first_logprobs(choice: Any) -> dict[str, float] | None:
    if not choice.logprobs:
        return None
    first = choice.logprobs[0]
    return {str(entry.decoded_token): float(entry.logprob) for entry in first.values()}
