"""Run the verifier formats on any text generator, in batches.

The three model backends differ only in how they turn prompts into text: HTTP to an OpenAI-compatible server,
an in-process vLLM engine, or transformers. Each implements `Generator.generate(samples)`; this module does the
rest the same way for all of them, batch-first so an in-process engine gets every pending verification in one
`generate` call:

- whole-solution formats (ThinkPRM, critic): one prompt per request, K chains (n=K) in one sample, then R-1
  sequential rounds (each chain continued after a trigger), then, for ThinkPRM, one scoring sample per chain
  reading the next-token log-probabilities after "\\nIs the solution correct? ";
- the chunk judge: step i of every still-open request in one call, stopping each request at its first Negative.

Sampling: K chains at the budget's temperature, or 0.6 when K > 1 and greedy when K == 1 (a single chain should
give the same grade every time). The vote and confidence rules are in `parsing.aggregate`.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Literal, Protocol

from ..types import (
    ChainRecord,
    RunMetadata,
    StepVerdict,
    VerificationRequest,
    VerificationResult,
    VerifierMisconfigured,
)
from . import chunkjudge, critic, thinkprm
from .chat_template import ChatTemplate
from .parsing import NON_REVEALING_HINT, STOPS_AT_FIRST_ERROR, ParsedChain, aggregate

FORMATS = ("thinkprm", "critic", "chunkjudge")


@dataclass(frozen=True)
class Sample:
    """One prompt (or chat conversation) and how to sample it."""

    prompt: str = ""
    messages: tuple[dict[str, str], ...] = ()
    n: int = 1
    temperature: float = 0.0
    max_tokens: int = 1024
    stop: tuple[str, ...] = ()
    regex: str | None = None
    # Next-token log-probabilities: how many top candidates to return for the first generated token.
    top_logprobs: int = 0
    # Constrain the output to one of these strings (structured outputs `choice`).
    choices: tuple[str, ...] = ()


@dataclass(frozen=True)
class Generation:
    text: str
    tokens: int | None = None
    finish_reason: str = ""
    top_logprobs: dict[str, float] | None = None


@dataclass(frozen=True)
class Completion:
    generations: tuple[Generation, ...]
    prompt_tokens: int = 0


class Generator(Protocol):
    def generate(self, samples: Sequence[Sample]) -> list[Completion]: ...


@dataclass(frozen=True)
class DriverSettings:
    format: str = "thinkprm"
    max_tokens: int | None = None
    structured_outputs: bool = False
    round_trigger: str = thinkprm.ROUND_TRIGGER
    score_top_logprobs: int = 20


@dataclass
class _Tally:
    prompt_tokens: int = 0
    completion_tokens: int = 0
    prompts: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def add(self, completion: Completion) -> None:
        self.prompt_tokens += completion.prompt_tokens
        self.completion_tokens += sum(g.tokens or 0 for g in completion.generations)


def temperature_for(request: VerificationRequest, default: float) -> float:
    if request.budget.temperature is not None:
        return request.budget.temperature
    return default if request.budget.parallel > 1 else 0.0


class FormatDriver:
    def __init__(
        self,
        generator: Generator,
        *,
        backend: str,
        model: str,
        template: ChatTemplate | None,
        settings: DriverSettings,
    ) -> None:
        if settings.format not in FORMATS:
            raise VerifierMisconfigured(f"Unknown verifier format {settings.format!r}. Known: {', '.join(FORMATS)}.")
        if settings.format == "thinkprm" and template is None:
            raise VerifierMisconfigured(
                "The ThinkPRM format needs the model's own chat template: set tokenizer_path to the folder with "
                "tokenizer_config.json, or put the model in the Hugging Face cache."
            )
        self.generator = generator
        self.backend = backend
        self.model = model
        self.template = template
        self.settings = settings

    # --- public -------------------------------------------------------------------------------------------
    def verify_batch(self, requests: Sequence[VerificationRequest]) -> list[VerificationResult]:
        started = time.perf_counter()
        if self.settings.format == "chunkjudge":
            results = self._chunk_judge(requests)
        else:
            results = self._whole_solution(requests)
        latency = (time.perf_counter() - started) * 1000
        return [replace(r, run=replace(r.run, latency_ms=latency)) for r in results]

    # --- whole-solution formats ---------------------------------------------------------------------------
    def _module(self) -> Any:
        return thinkprm if self.settings.format == "thinkprm" else critic

    def _max_tokens(self, module: Any) -> int:
        return int(self.settings.max_tokens or module.MAX_TOKENS)

    def _first_sample(self, request: VerificationRequest) -> Sample:
        module = self._module()
        steps = [s.text for s in request.steps]
        regex = module.structured_regex(len(steps)) if self.settings.structured_outputs else None
        base = Sample(
            n=max(1, request.budget.parallel),
            temperature=temperature_for(request, module.DEFAULT_TEMPERATURE),
            max_tokens=self._max_tokens(module),
            stop=tuple(module.STOP),
            regex=regex,
        )
        if self.settings.format == "thinkprm":
            assert self.template is not None
            return replace(base, prompt=thinkprm.build_prompt(self.template, request.problem.statement, steps))
        if self.template is not None:
            rendered = self.template.render(critic.messages(request.problem.statement, steps))
            return replace(base, prompt=rendered)
        return replace(base, messages=tuple(critic.messages(request.problem.statement, steps)))

    def _whole_solution(self, requests: Sequence[VerificationRequest]) -> list[VerificationResult]:
        module = self._module()
        live = [i for i, r in enumerate(requests) if r.steps]
        tallies = {i: _Tally() for i in live}
        samples = {i: self._first_sample(requests[i]) for i in live}
        completions = self.generator.generate([samples[i] for i in live])
        texts: dict[int, list[str]] = {}
        chains: dict[int, list[Generation]] = {}
        for i, completion in zip(live, completions, strict=True):
            tallies[i].add(completion)
            tallies[i].prompts.append(samples[i].prompt or _show_messages(samples[i].messages))
            chains[i] = list(completion.generations)
            texts[i] = [g.text for g in completion.generations]
        self._sequential_rounds(requests, live, samples, texts, chains, tallies)
        scores = self._scores(live, samples, texts, tallies) if self.settings.format == "thinkprm" else {}
        results: list[VerificationResult] = []
        for index, request in enumerate(requests):
            if index not in tallies:
                results.append(self._empty(request))
                continue
            parsed = [
                module.parse_chain(text, len(request.steps), finish_reason=g.finish_reason)
                for text, g in zip(texts[index], chains[index], strict=True)
            ]
            results.append(
                self._result(
                    request,
                    samples[index],
                    parsed,
                    texts[index],
                    chains[index],
                    scores.get(index, [None] * len(parsed)),
                    tallies[index],
                )
            )
        return results

    def _sequential_rounds(
        self,
        requests: Sequence[VerificationRequest],
        live: list[int],
        samples: dict[int, Sample],
        texts: dict[int, list[str]],
        chains: dict[int, list[Generation]],
        tallies: dict[int, _Tally],
    ) -> None:
        rounds = max((requests[i].budget.rounds for i in live), default=1)
        trigger = self.settings.round_trigger
        for round_number in range(2, rounds + 1):
            keys: list[tuple[int, int]] = []
            batch: list[Sample] = []
            for i in live:
                if requests[i].budget.rounds < round_number:
                    continue
                if not samples[i].prompt:
                    if round_number == 2:
                        tallies[i].notes.append("sequential rounds need a chat template; ran one round")
                    continue
                for k, text in enumerate(texts[i]):
                    if chains[i][k].finish_reason == "length":
                        continue  # out of tokens: another round would only be cut off again
                    keys.append((i, k))
                    batch.append(replace(samples[i], prompt=samples[i].prompt + text + trigger, n=1))
            if not batch:
                return
            for (i, k), completion in zip(keys, self.generator.generate(batch), strict=True):
                tallies[i].add(completion)
                tallies[i].prompt_tokens -= completion.prompt_tokens  # the shared prefix was counted once already
                more = completion.generations[0]
                texts[i][k] = texts[i][k] + trigger + more.text
                old = chains[i][k]
                chains[i][k] = Generation(
                    text=texts[i][k],
                    tokens=(old.tokens or 0) + (more.tokens or 0) if old.tokens is not None else None,
                    finish_reason=more.finish_reason,
                )

    def _scores(
        self, live: list[int], samples: dict[int, Sample], texts: dict[int, list[str]], tallies: dict[int, _Tally]
    ) -> dict[int, list[float | None]]:
        keys: list[tuple[int, int]] = []
        batch: list[Sample] = []
        choices = ("yes", "no") if self.settings.structured_outputs else ()
        for i in live:
            for k, text in enumerate(texts[i]):
                keys.append((i, k))
                prompt = thinkprm.score_prompt(samples[i].prompt, thinkprm.cut_generation(text))
                batch.append(
                    Sample(
                        prompt=prompt,
                        n=1,
                        temperature=0.0,
                        max_tokens=1,
                        top_logprobs=self.settings.score_top_logprobs,
                        choices=choices,
                    )
                )
        scores: dict[int, list[float | None]] = {i: [None] * len(texts[i]) for i in live}
        if not batch:
            return scores
        for (i, k), completion in zip(keys, self.generator.generate(batch), strict=True):
            tallies[i].add(completion)
            top = completion.generations[0].top_logprobs if completion.generations else None
            scores[i][k] = thinkprm.score_from_top_logprobs(top or {})
            if scores[i][k] is None and "no yes/no" not in " ".join(tallies[i].notes):
                tallies[i].notes.append("no yes/no among the top next-token log-probabilities; no solution score")
        return scores

    def _result(
        self,
        request: VerificationRequest,
        sample: Sample,
        parsed: list[ParsedChain],
        texts: list[str],
        generations: list[Generation],
        scores: list[float | None],
        tally: _Tally,
    ) -> VerificationResult:
        module = self._module()
        outcome = aggregate(
            parsed, scores, len(request.steps), checker=module.CHECKER, reveal_corrections=request.reveal_corrections
        )
        records = tuple(
            ChainRecord(
                text=text,
                tokens=g.tokens or 0,
                first_error_index=p.first_error_index,
                score=s,
                finish_reason=g.finish_reason,
            )
            for text, g, p, s in zip(texts, generations, parsed, scores, strict=True)
        )
        notes = [*tally.notes, *sorted({n for p in parsed for n in p.notes})]
        run = self._run(module.PROMPT_VERSION, request, sample, tally, records, notes)
        return VerificationResult(
            steps=outcome.steps,
            first_error_index=outcome.first_error_index,
            final_answer_verdict=outcome.final_answer_verdict,
            run=run,
            solution_score=outcome.solution_score,
            undecided_reason=outcome.undecided_reason,
        )

    def _run(
        self,
        prompt_version: str,
        request: VerificationRequest,
        sample: Sample,
        tally: _Tally,
        records: tuple[ChainRecord, ...],
        notes: Sequence[str],
    ) -> RunMetadata:
        parameters: dict[str, Any] = {
            "format": self.settings.format,
            "parallel": sample.n,
            "rounds": request.budget.rounds,
            "temperature": sample.temperature,
            "max_tokens": sample.max_tokens,
            "stop": list(sample.stop),
            "structured_outputs": self.settings.structured_outputs,
        }
        if request.budget.rounds > 1:
            parameters["round_trigger"] = self.settings.round_trigger
        return RunMetadata(
            backend=self.backend,
            model=self.model,
            prompt_version=prompt_version,
            parameters=parameters,
            raw_output=records[0].text if records else "",
            prompt=tally.prompts[0] if tally.prompts else "",
            prompt_tokens=tally.prompt_tokens,
            completion_tokens=tally.completion_tokens,
            chains=records,
            notes=tuple(notes),
        )

    def _empty(self, request: VerificationRequest) -> VerificationResult:
        module = chunkjudge if self.settings.format == "chunkjudge" else self._module()
        run = RunMetadata(backend=self.backend, model=self.model, prompt_version=module.PROMPT_VERSION)
        return VerificationResult(
            steps=(),
            first_error_index=None,
            final_answer_verdict="unverified",
            run=run,
            undecided_reason="the solution has no steps to verify",
        )

    # --- chunk judge --------------------------------------------------------------------------------------
    def _chunk_sample(self, request: VerificationRequest, step: int) -> Sample:
        history = [s.text for s in request.steps[:step]]
        conversation = chunkjudge.messages(request.problem.statement, history, request.steps[step].text)
        base = Sample(
            n=max(1, request.budget.parallel),
            temperature=temperature_for(request, chunkjudge.DEFAULT_TEMPERATURE),
            max_tokens=int(self.settings.max_tokens or chunkjudge.MAX_TOKENS),
            regex=chunkjudge.structured_regex() if self.settings.structured_outputs else None,
        )
        if self.template is not None:
            return replace(base, prompt=self.template.render(conversation))
        return replace(base, messages=tuple(conversation))

    def _chunk_judge(self, requests: Sequence[VerificationRequest]) -> list[VerificationResult]:
        verdicts: dict[int, list[StepVerdict]] = {i: [] for i in range(len(requests))}
        records: dict[int, list[ChainRecord]] = {i: [] for i in range(len(requests))}
        tallies = {i: _Tally() for i in range(len(requests))}
        undecided: dict[int, str] = {}
        open_requests = [i for i, r in enumerate(requests) if r.steps]
        step = 0
        while open_requests:
            samples = [self._chunk_sample(requests[i], step) for i in open_requests]
            still_open: list[int] = []
            for i, sample, completion in zip(open_requests, samples, self.generator.generate(samples), strict=True):
                tallies[i].add(completion)
                tallies[i].prompts.append(sample.prompt or _show_messages(sample.messages))
                verdict, reason = self._judge_step(requests[i], step, completion, records[i])
                verdicts[i].append(verdict)
                if reason:
                    undecided[i] = reason
                elif verdict.verdict == "correct" and step + 1 < len(requests[i].steps):
                    still_open.append(i)
            open_requests = still_open
            step += 1
        results: list[VerificationResult] = []
        for i, request in enumerate(requests):
            if not request.steps:
                results.append(self._empty(request))
                continue
            results.append(self._chunk_result(request, verdicts[i], records[i], tallies[i], undecided.get(i, "")))
        return results

    def _judge_step(
        self, request: VerificationRequest, step: int, completion: Completion, records: list[ChainRecord]
    ) -> tuple[StepVerdict, str]:
        judgments = [chunkjudge.parse_judgment(g.text, finish_reason=g.finish_reason) for g in completion.generations]
        for g, j in zip(completion.generations, judgments, strict=True):
            first = step if j.label == "Negative" else None
            records.append(
                ChainRecord(text=g.text, tokens=g.tokens or 0, first_error_index=first, finish_reason=g.finish_reason)
            )
        votes = Counter(j.label for j in judgments if j.label is not None)
        total = max(len(judgments), 1)
        if not votes:
            reason = f"step {step + 1}: " + "; ".join(sorted({j.reason for j in judgments}))
            return StepVerdict(
                index=step,
                verdict="unverified",
                confidence=0.0,
                explanation=f"Unverified: {reason}.",
                checker=chunkjudge.CHECKER,
            ), reason
        # Ties go to Negative, so a disputed step reaches a teacher rather than passing.
        negative = votes["Negative"] >= votes["Positive"]
        label: Literal["Positive", "Negative"] = "Negative" if negative else "Positive"
        analysis = next((j.analysis for j in judgments if j.label == label), "")
        confidence = round(votes[label] / total, 4)
        if negative:
            hint = "" if request.reveal_corrections else NON_REVEALING_HINT
            return StepVerdict(
                index=step,
                verdict="incorrect",
                confidence=confidence,
                explanation=analysis,
                hint=hint,
                checker=chunkjudge.CHECKER,
            ), ""
        return StepVerdict(
            index=step, verdict="correct", confidence=confidence, explanation=analysis, checker=chunkjudge.CHECKER
        ), ""

    def _chunk_result(
        self,
        request: VerificationRequest,
        judged: list[StepVerdict],
        records: list[ChainRecord],
        tally: _Tally,
        reason: str,
    ) -> VerificationResult:
        steps = list(judged)
        for i in range(len(judged), len(request.steps)):
            explanation = STOPS_AT_FIRST_ERROR if not reason else "Not checked: an earlier step could not be judged."
            steps.append(
                StepVerdict(
                    index=i, verdict="unverified", confidence=0.0, explanation=explanation, checker=chunkjudge.CHECKER
                )
            )
        first = next((v.index for v in steps if v.verdict == "incorrect"), None)
        if first is not None:
            final: Any = "incorrect" if first == len(steps) - 1 else "unverified"
        else:
            final = "unverified" if reason else "correct"
        sample = self._chunk_sample(request, 0)
        run = self._run(chunkjudge.PROMPT_VERSION, request, sample, tally, tuple(records), tally.notes)
        return VerificationResult(
            steps=tuple(steps), first_error_index=first, final_answer_verdict=final, run=run, undecided_reason=reason
        )


def _show_messages(messages: Sequence[dict[str, str]]) -> str:
    return "\n\n".join(f"[{m['role']}]\n{m['content']}" for m in messages)
