"""The verdict cache: an unchanged, verified prefix of a new attempt is not checked again.

Keys and the soundness argument are in verifier_worker/reuse.py: a verdict is cached under the digest of the
backend's identity, the problem and its reference (the reference version), the budget, whether corrections are
revealed and the exact prefix of steps up to and including that step; only backends whose verdict on a step
depends on that prefix alone (`reuse_identity()`) read or write it.

- `plan`: before verifying, the cached verdicts of the longest prefix whose keys all hit and whose verdicts are
  all correct. Only a first grading uses the cache: a regrade is a teacher asking to check again.
- `recorded`: after verifying, what the backend says it reused, with what that saved (the cost recorded when
  those steps were first checked), in the run's parameters: the feedback page and the audit page show it.
- `remember`: the verified prefix the backend judged (correct verdicts up to the first that is not), with their
  cost, for later attempts; a step after one that is not correct can never be reached by a reused prefix.
- `prune`: the cache's bound (settings.VERDICT_CACHE_MAX_ENTRIES), oldest-used entries first.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from django.conf import settings
from django.db.models import F
from django.utils import timezone

from verifier_worker import reuse
from verifier_worker.types import StepVerdict, VerificationRequest, VerificationResult

from ..models import StepVerdictCache

MAX_CACHE_ENTRIES_DEFAULT = 200_000
PRUNE_BATCH = 10_000


@dataclass(frozen=True)
class ReusePlan:
    request: VerificationRequest
    problem_id: int
    keys: tuple[str, ...] = ()  # one per step; empty when the backend does not take part
    entries: tuple[StepVerdictCache, ...] = ()  # the cached verdicts handed to the backend, in step order

    @property
    def known(self) -> tuple[StepVerdict, ...]:
        return tuple(_verdict(entry, step.index) for entry, step in zip(self.entries, self.request.steps, strict=False))


def _verdict(entry: StepVerdictCache, index: int) -> StepVerdict:
    return StepVerdict(
        index=index,
        verdict="correct",
        confidence=entry.confidence,
        explanation=entry.explanation,
        hint=entry.hint,
        checker=entry.checker,
    )


def plan(*, verifier: object, request: VerificationRequest, problem_id: int, grading_version: int) -> ReusePlan:
    identity = reuse.reuse_identity(verifier)
    if identity is None:
        return ReusePlan(request=request, problem_id=problem_id)
    keys = reuse.prefix_keys(
        identity=identity,
        problem_id=problem_id,
        problem=request.problem,
        steps=request.steps,
        reveal_corrections=request.reveal_corrections,
        budget=request.budget,
    )
    if grading_version != 1:
        return ReusePlan(request=request, problem_id=problem_id, keys=keys)
    found = {entry.key: entry for entry in StepVerdictCache.objects.filter(key__in=keys)}
    entries: list[StepVerdictCache] = []
    for key in keys:
        entry = found.get(key)
        if entry is None or entry.verdict != "correct":
            break  # the first changed (or not verified) step ends the reusable prefix
        entries.append(entry)
    planned = ReusePlan(request=request, problem_id=problem_id, keys=keys, entries=tuple(entries))
    return replace(planned, request=replace(request, known_verdicts=planned.known))


def recorded(planned: ReusePlan, result: VerificationResult) -> VerificationResult:
    """The result with `run.parameters["reuse"]` saying what was reused and what that saved."""
    said = reuse.reported_reuse(result.run.parameters)
    if not said:
        return result
    steps = sorted(int(i) for i in said.get("steps", []) if isinstance(i, int))
    by_index = {step.index: entry for step, entry in zip(planned.request.steps, planned.entries, strict=False)}
    saved_ms = float(said.get("saved_ms") or sum(by_index[i].cost_ms for i in steps if i in by_index))
    saved_tokens = int(said.get("saved_tokens") or sum(by_index[i].cost_tokens for i in steps if i in by_index))
    summary: dict[str, Any] = {
        "steps": steps,
        "saved_ms": round(saved_ms, 3),
        "saved_tokens": saved_tokens,
        "how": str(said.get("how") or "verdict cache"),
    }
    parameters = {**result.run.parameters, reuse.REUSE_PARAMETER: summary}
    return replace(result, run=replace(result.run, parameters=parameters))


def _costs(result: VerificationResult, judged: Sequence[int]) -> dict[int, tuple[float, int]]:
    reported = result.run.parameters.get(reuse.STEP_COSTS_PARAMETER)
    if isinstance(reported, list):
        out: dict[int, tuple[float, int]] = {}
        for item in reported:
            if isinstance(item, dict) and isinstance(item.get("index"), int):
                out[item["index"]] = (float(item.get("ms") or 0), int(item.get("tokens") or 0))
        return out
    # No per-step costs: the run's time and tokens shared out evenly over the steps it judged.
    count = max(len(judged), 1)
    share = ((result.run.latency_ms or 0.0) / count, result.run.tokens // count)
    return dict.fromkeys(judged, share)


def remember(planned: ReusePlan, result: VerificationResult) -> int:
    """Store the correct verdicts the backend judged in this run; count a hit on those it reused. Returns how
    many were stored."""
    if not planned.keys:
        return 0
    reused = set(reuse.reported_reuse(result.run.parameters).get("steps", []))
    keys = {step.index: key for step, key in zip(planned.request.steps, planned.keys, strict=True)}
    if reused:
        StepVerdictCache.objects.filter(key__in=[keys[i] for i in reused if i in keys]).update(
            hits=F("hits") + 1, last_used_at=timezone.now()
        )
    # Only a verified prefix can ever be reused: nothing from the first step that is not correct on.
    prefix: list[StepVerdict] = []
    for verdict in sorted(result.steps, key=lambda v: v.index):
        if verdict.verdict != "correct":
            break
        prefix.append(verdict)
    fresh = [v for v in prefix if v.index in keys and v.index not in reused]
    costs = _costs(result, [v.index for v in result.steps if v.index not in reused])
    rows = [
        StepVerdictCache(
            key=keys[v.index],
            problem_id=planned.problem_id,
            backend=result.run.backend,
            model_id=result.run.model[:200],
            prompt_version=result.run.prompt_version[:40],
            step_index=v.index,
            verdict=v.verdict,
            confidence=max(0.0, min(1.0, float(v.confidence))),
            explanation=v.explanation,
            hint=v.hint,
            checker=v.checker[:40],
            cost_ms=costs.get(v.index, (0.0, 0))[0],
            cost_tokens=costs.get(v.index, (0.0, 0))[1],
        )
        for v in fresh
    ]
    StepVerdictCache.objects.bulk_create(rows, ignore_conflicts=True)
    return len(rows)


def max_entries() -> int:
    return int(getattr(settings, "VERDICT_CACHE_MAX_ENTRIES", MAX_CACHE_ENTRIES_DEFAULT))


def prune(*, limit: int | None = None) -> int:
    """Keep the `limit` most recently used entries; delete the rest (at most PRUNE_BATCH a call). Returns how many
    were deleted."""
    limit = max_entries() if limit is None else limit
    surplus = list(
        StepVerdictCache.objects.order_by("-last_used_at", "-id").values_list("id", flat=True)[
            limit : limit + PRUNE_BATCH
        ]
    )
    if not surplus:
        return 0
    deleted, _ = StepVerdictCache.objects.filter(id__in=surplus).delete()
    return int(deleted)
