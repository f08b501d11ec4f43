"""The step-by-step loop (the StepWiser chunk judge): one call per step, stopping each solution at its first Negative.

Step i of every still-open request goes into one `generate` call, with the steps accepted so far as history.
Each step's K judgments vote; ties go to Negative, so a disputed step reaches a teacher rather than passing. A
step no judgment could be read for stops the solution there, undecided, with the reason.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Literal, Protocol

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

    def verify(self, context: FormatContext, requests: Sequence[VerificationRequest]) -> list[VerificationResult]:
        verdicts: dict[int, list[StepVerdict]] = {i: [] for i in range(len(requests))}
        records: dict[int, list[ChainRecord]] = {i: [] for i in range(len(requests))}
        tallies = {i: Tally() for i in range(len(requests))}
        undecided: dict[int, str] = {}
        open_requests = [i for i, r in enumerate(requests) if r.steps]
        step = 0
        while open_requests:
            samples = [self._sample(context, requests[i], step) for i in open_requests]
            still_open: list[int] = []
            for i, sample, completion in zip(open_requests, samples, context.generator.generate(samples), strict=True):
                tallies[i].add(completion)
                tallies[i].prompts.append(sample.prompt or show_messages(sample.messages))
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
                results.append(empty_result(context, self.prompt_version))
                continue
            results.append(self._result(context, request, verdicts[i], records[i], tallies[i], undecided.get(i, "")))
        return results

    def _sample(self, context: FormatContext, request: VerificationRequest, step: int) -> Sample:
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
