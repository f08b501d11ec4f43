"""The step-by-step loop (the StepWiser chunk judge): one call per step, stopping each solution at its first Negative.

Step i of every still-open request goes into one `generate` call, with the steps accepted so far as history.
Each step's K judgments vote; ties go to Negative, so a disputed step reaches a teacher rather than passing. A
step no judgment could be read for stops the solution there, undecided, with the reason.

The judge sees the problem, the accepted steps and the new step, nothing after it, so its verdict on a step is a
function of that prefix: verdicts known from the verdict cache (`request.known_verdicts`, a verified prefix) are
taken as they are and those steps are not sent to the model (verifier_worker/reuse.py). Each judged step's cost
(its tokens, its share of the call's time) is reported in `run.parameters["step_costs"]`.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any, Literal, Protocol

from ..reuse import REUSE_PARAMETER, STEP_COSTS_PARAMETER
from ..types import ChainRecord, StepVerdict, Verdict, VerificationRequest, VerificationResult
from .generation import (
    Completion,
    FormatContext,
    Sample,
    Tally,
    empty_result,
    run_metadata,
    show_messages,
    temperature_for,
)
from .parsing import NON_REVEALING_HINT, STOPS_AT_FIRST_ERROR

Label = Literal["Positive", "Negative"]


class Judgment(Protocol):
    @property
    def label(self) -> Label | None: ...

    @property
    def analysis(self) -> str: ...

    @property
    def reason(self) -> str: ...


class JudgmentParser(Protocol):
    def __call__(self, text: str, *, finish_reason: str = "") -> Judgment: ...


@dataclass(frozen=True)
class ChunkJudgeFormat:
    name: str
    prompt_version: str
    checker: str
    max_tokens: int
    default_temperature: float
    round_trigger: str
    # (problem, accepted steps, new step) -> the chat conversation
    conversation: Callable[[str, Sequence[str], str], list[dict[str, str]]]
    structured_regex: Callable[[], str]
    parse_judgment: JudgmentParser
    needs_chat_template: bool = False
    # The verdict on a step depends only on the problem and the steps up to it (verifier_worker/reuse.py).
    prefix_local: bool = True

    def verify(self, context: FormatContext, requests: Sequence[VerificationRequest]) -> list[VerificationResult]:
        verdicts: dict[int, list[StepVerdict]] = {i: list(_known(r)) for i, r in enumerate(requests)}
        records: dict[int, list[ChainRecord]] = {i: [] for i in range(len(requests))}
        tallies = {i: Tally() for i in range(len(requests))}
        costs: dict[int, list[dict[str, Any]]] = {i: [] for i in range(len(requests))}
        undecided: dict[int, str] = {}
        open_requests = [i for i, r in enumerate(requests) if len(verdicts[i]) < len(r.steps)]
        while open_requests:
            steps = {i: len(verdicts[i]) for i in open_requests}
            samples = [self._sample(context, requests[i], steps[i]) for i in open_requests]
            started = time.perf_counter()
            completions = context.generator.generate(samples)
            share_ms = (time.perf_counter() - started) * 1000 / len(open_requests)
            still_open: list[int] = []
            for i, sample, completion in zip(open_requests, samples, completions, strict=True):
                step = steps[i]
                tallies[i].add(completion)
                tallies[i].prompts.append(sample.prompt or show_messages(sample.messages))
                tokens = completion.prompt_tokens + sum(g.tokens or 0 for g in completion.generations)
                costs[i].append({"index": step, "ms": round(share_ms, 3), "tokens": tokens})
                verdict, reason = self._judge_step(requests[i], step, completion, records[i])
                verdicts[i].append(verdict)
                if reason:
                    undecided[i] = reason
                elif verdict.verdict == "correct" and step + 1 < len(requests[i].steps):
                    still_open.append(i)
            open_requests = still_open
        results: list[VerificationResult] = []
        for i, request in enumerate(requests):
            if not request.steps:
                results.append(empty_result(context, self.prompt_version))
                continue
            result = self._result(context, request, verdicts[i], records[i], tallies[i], undecided.get(i, ""))
            known = [v.index for v in _known(request)]
            parameters = {**result.run.parameters, STEP_COSTS_PARAMETER: costs[i]}
            if known:
                parameters[REUSE_PARAMETER] = {"steps": known, "how": "verdict cache"}
            results.append(replace(result, run=replace(result.run, parameters=parameters)))
        return results

    def _sample(self, context: FormatContext, request: VerificationRequest, step: int) -> Sample:
        step = min(step, len(request.steps) - 1)
        history = [s.text for s in request.steps[:step]]
        conversation = self.conversation(request.problem.statement, history, request.steps[step].text)
        base = Sample(
            n=max(1, request.budget.parallel),
            temperature=temperature_for(request, self.default_temperature),
            max_tokens=int(context.settings.max_tokens or self.max_tokens),
            regex=self.structured_regex() if context.settings.structured_outputs else None,
        )
        if context.template is not None:
            return replace(base, prompt=context.template.render(conversation))
        return replace(base, messages=tuple(conversation))

    def _judge_step(
        self, request: VerificationRequest, step: int, completion: Completion, records: list[ChainRecord]
    ) -> tuple[StepVerdict, str]:
        judgments = [self.parse_judgment(g.text, finish_reason=g.finish_reason) for g in completion.generations]
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
                checker=self.checker,
            ), reason
        # Ties go to Negative, so a disputed step reaches a teacher rather than passing.
        negative = votes["Negative"] >= votes["Positive"]
        label: Label = "Negative" if negative else "Positive"
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
                checker=self.checker,
            ), ""
        return StepVerdict(
            index=step, verdict="correct", confidence=confidence, explanation=analysis, checker=self.checker
        ), ""

    def _result(
        self,
        context: FormatContext,
        request: VerificationRequest,
        judged: list[StepVerdict],
        records: list[ChainRecord],
        tally: Tally,
        reason: str,
    ) -> VerificationResult:
        steps = list(judged)
        for i in range(len(judged), len(request.steps)):
            explanation = STOPS_AT_FIRST_ERROR if not reason else "Not checked: an earlier step could not be judged."
            steps.append(
                StepVerdict(
                    index=i, verdict="unverified", confidence=0.0, explanation=explanation, checker=self.checker
                )
            )
        first = next((v.index for v in steps if v.verdict == "incorrect"), None)
        final: Verdict
        if first is not None:
            final = "incorrect" if first == len(steps) - 1 else "unverified"
        else:
            final = "unverified" if reason else "correct"
        run = run_metadata(
            context,
            prompt_version=self.prompt_version,
            request=request,
            sample=self._sample(context, request, 0),
            tally=tally,
            records=tuple(records),
            notes=tally.notes,
            round_trigger=context.settings.round_trigger or self.round_trigger,
        )
        return VerificationResult(
            steps=tuple(steps), first_error_index=first, final_answer_verdict=final, run=run, undecided_reason=reason
        )


def _known(request: VerificationRequest) -> tuple[StepVerdict, ...]:
    """The leading known verdicts that are usable: correct, in order, for steps of this request."""
    usable: list[StepVerdict] = []
    for position, verdict in enumerate(request.known_verdicts[: max(len(request.steps), 0)]):
        if verdict.verdict != "correct" or verdict.index != request.steps[position].index:
            break
        usable.append(verdict)
    return tuple(usable)
