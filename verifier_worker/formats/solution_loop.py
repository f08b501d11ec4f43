"""The whole-solution loop (ThinkPRM, the critic): one prompt per solution, K chains, R rounds, an optional score.

Batch-first, so an in-process engine gets every pending verification in one `generate` call per phase:

1. one sample per request with n=K chains;
2. R-1 sequential rounds: each chain continued after the round trigger (chains cut off at the token cap are not);
3. for a format with a yes/no score (ThinkPRM), one scoring sample per chain reading the next-token
   log-probabilities after the format's question.

The vote and confidence rules are in `parsing.aggregate`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Protocol

from ..types import ChainRecord, VerificationRequest, VerificationResult
from .chat_template import ChatTemplate
from .generation import (
    FormatContext,
    Generation,
    Sample,
    Tally,
    empty_result,
    run_metadata,
    show_messages,
    temperature_for,
)
from .parsing import ParsedChain, aggregate


class ChainParser(Protocol):
    def __call__(self, text: str, n_steps: int, *, finish_reason: str = "") -> ParsedChain: ...


@dataclass(frozen=True)
class YesNoScore:
    """A solution score read from the next-token probabilities of yes and no after a question."""

    # (rendered prompt, generated chain) -> the scoring prompt
    prompt: Callable[[str, str], str]
    # next-token log-probabilities -> the score, or None when neither yes nor no is among them
    read: Callable[[Mapping[str, float]], float | None]


@dataclass(frozen=True)
class WholeSolutionFormat:
    name: str
    prompt_version: str
    checker: str
    max_tokens: int
    default_temperature: float
    stop: tuple[str, ...]
    round_trigger: str
    # (problem, steps) -> the chat conversation
    conversation: Callable[[str, Sequence[str]], list[dict[str, str]]]
    structured_regex: Callable[[int], str]
    parse_chain: ChainParser
    # A rendering of its own (ThinkPRM appends a generation prefix); otherwise the template renders the conversation.
    render: Callable[[ChatTemplate, str, Sequence[str]], str] | None = None
    needs_chat_template: bool = False
    score: YesNoScore | None = None
    # The model reads every step before it judges any: a verdict may depend on later steps (verifier_worker/reuse.py).
    prefix_local: bool = False

    def verify(self, context: FormatContext, requests: Sequence[VerificationRequest]) -> list[VerificationResult]:
        live = [i for i, r in enumerate(requests) if r.steps]
        tallies = {i: Tally() for i in live}
        samples = {i: self._first_sample(context, requests[i]) for i in live}
        completions = context.generator.generate([samples[i] for i in live])
        texts: dict[int, list[str]] = {}
        chains: dict[int, list[Generation]] = {}
        for i, completion in zip(live, completions, strict=True):
            tallies[i].add(completion)
            tallies[i].prompts.append(samples[i].prompt or show_messages(samples[i].messages))
            chains[i] = list(completion.generations)
            texts[i] = [g.text for g in completion.generations]
        self._sequential_rounds(context, requests, live, samples, texts, chains, tallies)
        scores = self._scores(context, live, samples, texts, tallies) if self.score is not None else {}
        results: list[VerificationResult] = []
        for index, request in enumerate(requests):
            if index not in tallies:
                results.append(empty_result(context, self.prompt_version))
                continue
            parsed = [
                self.parse_chain(text, len(request.steps), finish_reason=g.finish_reason)
                for text, g in zip(texts[index], chains[index], strict=True)
            ]
            results.append(
                self._result(
                    context,
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

    def _trigger(self, context: FormatContext) -> str:
        return context.settings.round_trigger or self.round_trigger

    def _first_sample(self, context: FormatContext, request: VerificationRequest) -> Sample:
        steps = [s.text for s in request.steps]
        base = Sample(
            n=max(1, request.budget.parallel),
            temperature=temperature_for(request, self.default_temperature),
            max_tokens=int(context.settings.max_tokens or self.max_tokens),
            stop=tuple(self.stop),
            regex=self.structured_regex(len(steps)) if context.settings.structured_outputs else None,
        )
        statement = request.problem.statement
        if context.template is not None:
            if self.render is not None:
                return replace(base, prompt=self.render(context.template, statement, steps))
            return replace(base, prompt=context.template.render(self.conversation(statement, steps)))
        return replace(base, messages=tuple(self.conversation(statement, steps)))

    def _sequential_rounds(
        self,
        context: FormatContext,
        requests: Sequence[VerificationRequest],
        live: list[int],
        samples: dict[int, Sample],
        texts: dict[int, list[str]],
        chains: dict[int, list[Generation]],
        tallies: dict[int, Tally],
    ) -> None:
        rounds = max((requests[i].budget.rounds for i in live), default=1)
        trigger = self._trigger(context)
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
            for (i, k), completion in zip(keys, context.generator.generate(batch), strict=True):
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
        self,
        context: FormatContext,
        live: list[int],
        samples: dict[int, Sample],
        texts: dict[int, list[str]],
        tallies: dict[int, Tally],
    ) -> dict[int, list[float | None]]:
        assert self.score is not None
        keys: list[tuple[int, int]] = []
        batch: list[Sample] = []
        choices = ("yes", "no") if context.settings.structured_outputs else ()
        for i in live:
            for k, text in enumerate(texts[i]):
                keys.append((i, k))
                batch.append(
                    Sample(
                        prompt=self.score.prompt(samples[i].prompt, text),
                        n=1,
                        temperature=0.0,
                        max_tokens=1,
                        top_logprobs=context.settings.score_top_logprobs,
                        choices=choices,
                    )
                )
        scores: dict[int, list[float | None]] = {i: [None] * len(texts[i]) for i in live}
        if not batch:
            return scores
        for (i, k), completion in zip(keys, context.generator.generate(batch), strict=True):
            tallies[i].add(completion)
            top = completion.generations[0].top_logprobs if completion.generations else None
            scores[i][k] = self.score.read(top or {})
            if scores[i][k] is None and "no yes/no" not in " ".join(tallies[i].notes):
                tallies[i].notes.append("no yes/no among the top next-token log-probabilities; no solution score")
        return scores

    def _result(
        self,
        context: FormatContext,
        request: VerificationRequest,
        sample: Sample,
        parsed: list[ParsedChain],
        texts: list[str],
        generations: list[Generation],
        scores: list[float | None],
        tally: Tally,
    ) -> VerificationResult:
        outcome = aggregate(
            parsed, scores, len(request.steps), checker=self.checker, reveal_corrections=request.reveal_corrections
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
        run = run_metadata(
            context,
            prompt_version=self.prompt_version,
            request=request,
            sample=sample,
            tally=tally,
            records=records,
            notes=notes,
            round_trigger=self._trigger(context),
        )
        return VerificationResult(
            steps=outcome.steps,
            first_error_index=outcome.first_error_index,
            final_answer_verdict=outcome.final_answer_verdict,
            run=run,
            solution_score=outcome.solution_score,
            undecided_reason=outcome.undecided_reason,
        )
