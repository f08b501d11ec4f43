"""A student asks for a hint: checked against the hint policy, composed so it never gives the answer away, kept.

`hint_request` decides (grading.tutoring.policy), picks the target and the level, and stores the hint with its
audit event. Without a language model the hint is composed at once from the templates (grading.tutoring.hints).
With one (settings.HINT_LLM_BACKEND) it is stored as `pending` and `hint_write`, in a worker, asks the model
for a draft grounded in the verifier's critique; the draft goes through the same no-leak filter as every other
hint and, refused or failed, the templated hint is shown instead. Every model call is a HintRun.
"""

from __future__ import annotations

import logging
from typing import Any, cast

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tutor.audit.events import AuditEventType
from tutor.audit.services import record
from tutor.classroom.models import Enrollment, Problem
from verifier_worker import registry
from verifier_worker.tutoring.generate import HintTransport, write_hint
from verifier_worker.tutoring.prompt import HintPrompt, shown_steps
from verifier_worker.types import VerifierError

from ..errors import GradingError
from ..models import Hint, HintRun, Step, Submission
from ..tutoring import hints as composing
from ..tutoring.policy import hint_decision

logger = logging.getLogger(__name__)


class HintError(GradingError):
    """A hint was refused; `code` is the hint policy's (grading.tutoring.policy.HintDecision.code)."""


def llm_configured() -> bool:
    name = str(getattr(settings, "HINT_LLM_BACKEND", "") or "")
    return bool(name) and registry.is_configured(name, _llm_options())


def _llm_options() -> dict[str, Any]:
    options = dict(settings.VERIFIER_OPTIONS)
    if settings.HINT_LLM_MODEL:
        options["model"] = settings.HINT_LLM_MODEL
    # The transport only: a chat format (no template needed), one bounded attempt.
    options.update({"format": "critic", "timeout": settings.HINT_LLM_TIMEOUT, "max_retries": 0})
    return options


def _steps(submission: Submission | None) -> list[Step]:
    return list(submission.steps.order_by("index")) if submission is not None else []


@transaction.atomic
def hint_request(*, student: AbstractBaseUser, problem: Problem, submission: Submission | None = None) -> Hint:
    """The next hint for this student on this attempt (or, with no attempt, on the problem). Raises HintError
    with the policy's reason when there is none to give."""
    if submission is not None and (submission.student_id != student.pk or submission.problem_id != problem.pk):
        raise HintError(_("You can only ask for hints on your own work."), code="not_yours")
    # Locking the enrollment serializes one student's requests, so the limit cannot be overrun by a double click.
    enrollment = (
        Enrollment.objects.select_for_update()
        .filter(course_id=problem.assignment.course_id, user_id=student.pk, role=Enrollment.Role.STUDENT)
        .first()
    )
    if enrollment is None:
        raise HintError(_("You are not enrolled as a student in this class."), code="not_enrolled")
    steps = _steps(submission)
    decision = hint_decision(problem=problem, student_id=int(student.pk), submission=submission, steps=steps)
    if not decision.allowed or decision.target is None:
        raise HintError(decision.message, code=decision.code)
    context = composing.context_for(problem=problem, submission=submission, steps=steps, target=decision.target)
    pending = llm_configured()
    composed = composing.compose(context, decision.next_level)
    hint = Hint.objects.create(
        problem=problem,
        student_id=student.pk,
        submission=submission,
        kind=decision.target.kind,
        step_index=decision.target.step_index,
        level_requested=decision.next_level,
        level=decision.next_level if pending else composed.level,
        source=Hint.Source.LLM if pending else composed.source,
        text="" if pending else composed.text,
        status=Hint.Status.PENDING if pending else Hint.Status.READY,
        refused=[] if pending else list(composed.refused),
        cost_percent=decision.cost_percent,
    )
    record(
        event_type=AuditEventType.HINT_GIVEN,
        target=submission if submission is not None else problem,
        actor=student,
        course_id=problem.assignment.course_id,
        details={
            "hint_id": hint.pk,
            "kind": hint.kind,
            "step": hint.step_index + 1,
            "level_requested": hint.level_requested,
            "level": hint.level,
            "source": hint.source,
            "refused": len(hint.refused),
            "cost_percent": hint.cost_percent,
            "hints_used": decision.used + 1,
        },
    )
    if pending:
        hint_id = hint.pk
        transaction.on_commit(lambda: _enqueue(hint_id))
    return hint


def _enqueue(hint_id: int) -> None:
    from ..tasks import write_hint_task  # the Celery app loads only when something is enqueued

    try:
        write_hint_task.apply_async(args=(hint_id,), queue=registry.queue_for(settings.HINT_LLM_BACKEND))
    except Exception:
        # No broker: the hint is written from the templates now rather than never.
        logger.exception("Could not enqueue writing hint %s; using the templated hint", hint_id)
        hint_write(hint_id=hint_id, use_model=False)


def _prompt(hint: Hint, context: composing.HintContext, level: int) -> HintPrompt:
    facts = context.facts
    return HintPrompt(
        problem=hint.problem.statement,
        steps=shown_steps([f.text for f in context.steps], hint.step_index + 1),
        kind=hint.kind,
        step_number=hint.step_index + 1,
        level=level,
        critique=_critique(hint, facts.index) if facts is not None else "",
    )


def _critique(hint: Hint, index: int) -> str:
    step = hint.submission.steps.filter(index=index).first() if hint.submission is not None else None
    return step.explanation if step is not None else ""


def hint_write(*, hint_id: int, use_model: bool = True) -> Hint | None:
    """Write a pending hint: the model's draft if it passes the no-leak filter, else the templated hint. Safe to
    run twice (a hint that is ready is left alone). No lock is held during the model call."""
    hint = Hint.objects.select_related("problem__assignment", "submission").filter(pk=hint_id).first()
    if hint is None or hint.status != Hint.Status.PENDING:
        return None
    target = composing.HintTarget(hint.kind, hint.step_index)
    context = composing.context_for(
        problem=hint.problem, submission=hint.submission, steps=_steps(hint.submission), target=target
    )
    extra: list[composing.Candidate] = []
    run_row: dict[str, Any] | None = None
    if use_model and llm_configured():
        started = timezone.now()
        name = settings.HINT_LLM_BACKEND
        options = _llm_options()
        try:
            transport = registry.get_verifier(name, options, settings.VERIFIER_EXTRA_BACKENDS)
            if not (hasattr(transport, "generate") and hasattr(transport, "chat_template")):
                raise GradingError(f"The hint backend {name!r} cannot write text (it has no generate()).")
            draft = write_hint(
                cast(HintTransport, transport),
                backend=name,
                model=str(options.get("model", "")),
                prompt=_prompt(hint, context, hint.level_requested),
            )
        except (VerifierError, GradingError, OSError) as exc:
            logger.warning("Hint %s: the language model could not write it (%s)", hint_id, exc)
            run_row = {"started_at": started, "error": f"{type(exc).__name__}: {exc}", "backend": name}
        else:
            check = context.guard.check(draft.text) if draft.text else None
            extra.append(composing.Candidate(hint.level_requested, Hint.Source.LLM, draft.text))
            run_row = {
                "started_at": started,
                "backend": draft.run.backend,
                "model_id": draft.run.model[:200],
                "prompt_version": draft.run.prompt_version,
                "parameters": draft.run.parameters,
                "prompt": draft.run.prompt,
                "raw_output": draft.run.raw_output,
                "prompt_tokens": draft.run.prompt_tokens,
                "completion_tokens": draft.run.completion_tokens,
                "latency_ms": draft.run.latency_ms,
                "draft": draft.text,
                "passed": bool(check and check.ok),
                "refused_because": list(check.reasons) if check else ["the model wrote no hint"],
            }
    composed = composing.compose(context, hint.level_requested, [c for c in extra if c.text])
    with transaction.atomic():
        locked = Hint.objects.select_for_update().filter(pk=hint_id, status=Hint.Status.PENDING).first()
        if locked is None:
            return None
        if run_row is not None:
            HintRun.objects.create(hint=locked, level=hint.level_requested, finished_at=timezone.now(), **run_row)
        locked.text, locked.level, locked.source = composed.text, composed.level, composed.source
        locked.refused, locked.status = list(composed.refused), Hint.Status.READY
        locked.save(update_fields=["text", "level", "source", "refused", "status"])
        record(
            event_type=AuditEventType.HINT_WRITTEN,
            target=hint.submission if hint.submission is not None else hint.problem,
            course_id=hint.problem.assignment.course_id,
            details={
                "hint_id": hint_id,
                "level": composed.level,
                "source": composed.source,
                "model_run": run_row is not None and "error" not in run_row,
                "refused": len(composed.refused),
            },
        )
    return locked
