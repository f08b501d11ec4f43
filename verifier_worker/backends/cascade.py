"""Symbolic checker first, then the LLM verifier only where the symbolic checker could not decide.

The symbolic checker is cheap, exact on arithmetic and needs no GPU. The LLM (`llm_backend`, e.g. "openai") is
asked about a solution only when
- a step before the first confident symbolic error (or any step, when there is none) is `unverified`, or
- the final answer is wrong and no confident error was located.
It then sees the solution up to and including the first confident symbolic error (nothing after it can change
the grade; ThinkPRM's prompt says to verify only the steps given), as one request per solution, all in one batch.

Merge rule, per step:
1. a confident (>= CONFIDENT) symbolic `incorrect` stands: exact checks are not overruled;
2. else a confident LLM `incorrect` wins (a step can hold arithmetically and still be the wrong move);
3. else the symbolic verdict if it decided the step, else the LLM's, else `unverified`.
The first error is the earliest step whose merged verdict is a confident `incorrect`; when there is none, the
earliest low-confidence `incorrect` (shown as "Check this step"). Every step keeps the `checker` of the verdict
that decided it ("arithmetic", "algebra", "grounding", "thinkprm", ...).

With no LLM configured the result is the symbolic checker's, with a note saying so in `RunMetadata.notes`.
An unavailable LLM raises `VerifierUnavailable`, so the grading task retries rather than grading without it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from .. import registry
from ..types import (
    CONFIDENT,
    RunMetadata,
    StepVerdict,
    VerificationRequest,
    VerificationResult,
    Verifier,
    VerifierMisconfigured,
)

PROMPT_VERSION = "cascade-v1"
NO_LLM_NOTE = (
    "No LLM verifier is configured for the cascade (set VERIFIER_CASCADE_LLM, e.g. to 'openai'): "
    "this is the symbolic checker's result alone."
)


def _confident_error(verdict: StepVerdict) -> bool:
    return verdict.verdict == "incorrect" and verdict.confidence >= CONFIDENT


def first_confident_error(steps: Sequence[StepVerdict]) -> int | None:
    return next((v.index for v in sorted(steps, key=lambda v: v.index) if _confident_error(v)), None)


def llm_reason(result: VerificationResult) -> str:
    """Why the LLM must look at this solution, or "" when the symbolic result settles it."""
    error = first_confident_error(result.steps)
    open_steps = [v.index for v in result.steps if v.verdict == "unverified" and (error is None or v.index < error)]
    if open_steps:
        return "steps " + ", ".join(str(i + 1) for i in open_steps) + " left unverified by the symbolic checker"
    if error is None and result.final_answer_verdict == "incorrect":
        return "the final answer is wrong and the symbolic checker located no error"
    return ""


def merge_step(symbolic: StepVerdict, llm: StepVerdict | None) -> StepVerdict:
    if _confident_error(symbolic) or llm is None:
        return symbolic
    if _confident_error(llm):
        return llm
    if symbolic.verdict != "unverified":
        return symbolic
    return llm if llm.verdict != "unverified" else symbolic


class CascadeVerifier:
    name = "cascade"

    def __init__(self, *, llm_backend: str = "", symbolic_backend: str = "symbolic", **options: Any) -> None:
        if llm_backend == self.name or symbolic_backend == self.name:
            raise VerifierMisconfigured("The cascade cannot use itself as a stage.")
        self.options = options
        self.symbolic_backend = symbolic_backend
        self.llm_backend = llm_backend
        self._symbolic: Verifier | None = None
        self._llm: Verifier | None = None

    def _stage(self, name: str) -> Verifier:
        return registry.get_verifier(name, self.options)

    def verify_batch(self, requests: Sequence[VerificationRequest]) -> list[VerificationResult]:
        symbolic_results = self._stage(self.symbolic_backend).verify_batch(requests)
        reasons = [llm_reason(result) for result in symbolic_results] if self.llm_backend else []
        wanted = [i for i, reason in enumerate(reasons) if reason]
        llm_results: dict[int, VerificationResult] = {}
        if wanted:
            sent = [_up_to_error(requests[i], symbolic_results[i]) for i in wanted]
            answers = self._stage(self.llm_backend).verify_batch(sent)
            llm_results = dict(zip(wanted, answers, strict=True))
        merged = []
        for i, symbolic in enumerate(symbolic_results):
            if not self.llm_backend:
                merged.append(self._symbolic_only(symbolic))
            else:
                merged.append(self._merge(symbolic, llm_results.get(i), reasons[i]))
        return merged

    def _symbolic_only(self, symbolic: VerificationResult) -> VerificationResult:
        run = replace(
            symbolic.run,
            backend=self.name,
            prompt_version=_version(symbolic.run, None),
            notes=(*symbolic.run.notes, NO_LLM_NOTE),
        )
        return replace(symbolic, run=run)

    def _merge(self, symbolic: VerificationResult, llm: VerificationResult | None, reason: str) -> VerificationResult:
        if llm is None:
            note = "The symbolic checker settled this solution; the LLM was not asked."
            run = replace(
                symbolic.run,
                backend=self.name,
                prompt_version=_version(symbolic.run, None),
                notes=(*symbolic.run.notes, note),
            )
            return replace(symbolic, run=run)
        by_index = {v.index: v for v in llm.steps}
        steps = tuple(merge_step(v, by_index.get(v.index)) for v in symbolic.steps)
        confident = first_confident_error(steps)
        first = (
            confident
            if confident is not None
            else next((v.index for v in sorted(steps, key=lambda v: v.index) if v.verdict == "incorrect"), None)
        )
        final = symbolic.final_answer_verdict
        if final == "unverified":
            final = llm.final_answer_verdict
        undecided = ""
        if first is None and final != "correct":
            undecided = llm.undecided_reason or symbolic.undecided_reason
        decided_by = ", ".join(f"{v.index + 1}:{v.checker or '-'}" for v in steps)
        notes = (*symbolic.run.notes, *llm.run.notes, f"LLM asked because {reason}.", f"Steps decided by {decided_by}.")
        run = RunMetadata(
            backend=self.name,
            model=llm.run.model,
            prompt_version=_version(symbolic.run, llm.run),
            parameters={
                "llm_backend": self.llm_backend,
                "symbolic": symbolic.run.parameters,
                "llm": llm.run.parameters,
            },
            raw_output=llm.run.raw_output,
            prompt=llm.run.prompt,
            prompt_tokens=llm.run.prompt_tokens,
            completion_tokens=llm.run.completion_tokens,
            latency_ms=symbolic.run.latency_ms + llm.run.latency_ms,
            chains=llm.run.chains,
            notes=notes,
        )
        score = llm.solution_score if llm.solution_score is not None else symbolic.solution_score
        return VerificationResult(
            steps=steps,
            first_error_index=first,
            final_answer_verdict=final,
            run=run,
            solution_score=score,
            undecided_reason=undecided,
        )


def _up_to_error(request: VerificationRequest, symbolic: VerificationResult) -> VerificationRequest:
    error = first_confident_error(symbolic.steps)
    if error is None:
        return request
    return replace(request, steps=tuple(s for s in request.steps if s.index <= error))


def _version(symbolic: RunMetadata, llm: RunMetadata | None) -> str:
    parts = [symbolic.prompt_version] + ([llm.prompt_version] if llm is not None else [])
    return f"{PROMPT_VERSION}({'+'.join(p for p in parts if p)})"
