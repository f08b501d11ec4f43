"""May this student have a hint now? The hint policy, with the reason when the answer is no.

The assignment decides (tutor.classroom.models.Assignment): `hint_policy` is never, after an attempt is graded
(on that attempt's feedback page, at its first error or where it stops), or always (also on the problem page
before the first attempt: how to start); `hint_limit` bounds the hints per problem, and `hint_cost_percent` is
what each one costs on the attempts that follow (applied by grading.scoring, the one score policy). Each hint
on the same step is one level more specific than the last, up to 3. The service (grading.services.hints)
enforces this; the pages show what it says.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from tutor.classroom.models import Assignment, Problem

from ..models import Hint, Step, Submission
from .hints import MAX_LEVEL, HintTarget, graded, target_for

Policy = Assignment.HintPolicy


@dataclass(frozen=True)
class HintDecision:
    allowed: bool
    # "ok", "never", "not_yet", "not_graded", "nothing_to_hint", "limit", "no_more_levels"
    code: str
    message: str
    used: int
    limit: int
    cost_percent: int
    target: HintTarget | None = None
    next_level: int = 1

    @property
    def left(self) -> int:
        return max(self.limit - self.used, 0)

    @property
    def cost_note(self) -> str:
        if not self.cost_percent:
            return ""
        return _("Each hint takes %(percent)s%% of the points off the attempts you submit after it.") % {
            "percent": self.cost_percent
        }


def hints_used(*, problem: Problem, student_id: int) -> int:
    return Hint.objects.filter(problem=problem, student_id=student_id).count()


def hint_decision(
    *,
    problem: Problem,
    student_id: int,
    submission: Submission | None = None,
    steps: Sequence[Step] | None = None,
) -> HintDecision:
    """Whether `student_id` may have the next hint on `submission` (or, with none, on the problem page)."""
    assignment = problem.assignment
    used = hints_used(problem=problem, student_id=student_id)

    def decide(
        allowed: bool, code: str, message: str = "", target: HintTarget | None = None, level: int = 1
    ) -> HintDecision:
        return HintDecision(
            allowed=allowed,
            code=code,
            message=message,
            used=used,
            limit=assignment.hint_limit,
            cost_percent=assignment.hint_cost_percent,
            target=target,
            next_level=level,
        )

    if assignment.hint_policy == Policy.NEVER:
        return decide(False, "never", _("Your teacher has turned hints off for this assignment."))
    target: HintTarget | None
    if submission is None:
        if assignment.hint_policy != Policy.ALWAYS:
            return decide(False, "not_yet", _("Hints open once your first attempt is graded."))
        target = HintTarget(Hint.Kind.START, 0)
    else:
        if not graded(submission):
            return decide(False, "not_graded", _("Hints are ready once this attempt is graded."))
        steps = list(submission.steps.order_by("index")) if steps is None else list(steps)
        target = target_for(submission, steps)
        if target is None:
            return decide(False, "nothing_to_hint", _("This attempt has no error to give a hint about."))
    given = Hint.objects.filter(
        problem=problem, student_id=student_id, submission=submission, kind=target.kind, step_index=target.step_index
    ).count()
    if given >= MAX_LEVEL:
        return decide(
            False,
            "no_more_levels",
            _("That was the most detailed hint for this step. Try fixing it from here, or ask your teacher."),
            target,
            MAX_LEVEL,
        )
    if used >= assignment.hint_limit:
        message = ngettext(
            "You have used the %(limit)s hint for this problem.",
            "You have used all %(limit)s hints for this problem.",
            assignment.hint_limit,
        ) % {"limit": assignment.hint_limit}
        return decide(False, "limit", message, target)
    return decide(True, "ok", "", target, given + 1)
