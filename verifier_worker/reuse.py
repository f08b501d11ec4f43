"""Re-verify only what must be: the contract between the verdict cache and the backends that can use it.

**The key.** A step's verdict is cached under a digest of everything it may depend on, apart from the final
answer: the backend's identity (name, model, prompt version and the options that change verdicts, from
`reuse_identity()`), the problem (its statement, reference answer and reference solution: a changed reference is
a new version), whether corrections are revealed, the verification budget, and the exact text of every step up
to and including this one (`prefix_keys`). Steps after it are not in the key.

**Why that is sound.** A verifier's result for step k can depend on later steps only through the final answer,
and only for some backends:
- a step-by-step judge (the StepWiser-style chunk judge) sees the problem, the accepted steps and step k, and
  nothing after it: its verdict on step k is a function of the key, and its final-answer verdict is read off the
  step verdicts. Its cached verdicts can be reused as they are;
- a whole-solution verifier (ThinkPRM, the critic) reads every step before it judges any: its verdict on step k
  may depend on anything after it, so it has no `reuse_identity()` and never gets cached verdicts;
- the symbolic checker analyses a step from its prefix (its claims, the line before it), but the final answer then
  changes what it says about earlier steps: how confident a correct step is (a right answer corroborates it),
  where a wrong answer is located when no slip explains it, whether a miscopied value is looked for. So its
  *verdicts* are never cached (it has no `reuse_identity()`); what it keeps is the analysis of an unchanged
  prefix, a function of the statement and that prefix alone, per worker process (checkers/analysis.py), and
  the verdicts are judged again over the whole solution with the new final answer. On ProcessBench GSM8K with
  references, 1,197 warm re-verifications (fixed, repeated and truncated solutions) gave exactly the cold
  verdicts (tests/verifier/test_symbolic_prefix_memo.py checks a sample of them).

**The contract.** A backend with `reuse_identity()` may receive `VerificationRequest.known_verdicts`: the cached
verdicts of the longest prefix of the steps whose keys all hit and whose verdicts are all `correct` (a verified
prefix; the first changed or unverified step ends it). It must return, for those steps, the known verdict, or
one it re-derived because the final answer changed it (the only way a later step can reach an earlier verdict),
and judge every other step itself. Every backend that reuses anything (the symbolic checker included) reports
what it actually reused in `run.parameters["reuse"]` (`REUSE_PARAMETER`: the step indices, and the time it saved
when it knows it), so the savings shown are measured, not assumed: the verdict cache adds the recorded cost of
the steps it handed over.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from typing import Any, Protocol, runtime_checkable

from .types import Budget, Problem, StepInput

REUSE_PARAMETER = "reuse"
# How the per-step cost of a run is reported, for the cache to record what reusing a step saves:
# run.parameters["step_costs"] = [{"index": i, "ms": ..., "tokens": ...}, ...]
STEP_COSTS_PARAMETER = "step_costs"


@runtime_checkable
class ReusesVerdicts(Protocol):
    def reuse_identity(self) -> str | None:
        """What a cached verdict of this backend depends on besides the problem and the steps (name, model,
        prompt version, options), or None when this backend, as configured, cannot reuse verdicts."""
        ...


def reuse_identity(verifier: object) -> str | None:
    """The backend's identity for the verdict cache, or None when it does not take part."""
    if isinstance(verifier, ReusesVerdicts):
        return verifier.reuse_identity()
    return None


def _digest(*parts: str) -> str:
    h = hashlib.sha256()
    for part in parts:
        h.update(part.encode("utf-8", "surrogatepass"))
        h.update(b"\x1f")
    return h.hexdigest()


def problem_version(problem: Problem) -> str:
    """A digest of the problem as the verifier sees it: a changed statement or reference is a new version."""
    return _digest(problem.statement, problem.reference_answer, json.dumps(list(problem.reference_steps)))


def prefix_keys(
    *,
    identity: str,
    problem_id: int,
    problem: Problem,
    steps: Sequence[StepInput],
    reveal_corrections: bool,
    budget: Budget,
) -> tuple[str, ...]:
    """One key per step: the digest of the context and of the exact prefix up to and including that step."""
    context = _digest(
        identity,
        str(problem_id),
        problem_version(problem),
        "reveal" if reveal_corrections else "hide",
        f"{budget.parallel}/{budget.rounds}/{budget.temperature}",
    )
    keys: list[str] = []
    running = context
    for step in steps:
        running = _digest(running, step.text)
        keys.append(running)
    return tuple(keys)


def reported_reuse(parameters: dict[str, Any]) -> dict[str, Any]:
    """What a backend says it reused: {"steps": [indices], "saved_ms": float, "saved_tokens": int, "how": str}."""
    found = parameters.get(REUSE_PARAMETER)
    return dict(found) if isinstance(found, dict) else {}
