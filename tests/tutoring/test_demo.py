"""load_demo's tutoring path: Jun goes from a wrong solution to a right one with two hints and one fix from here,
and running it again adds nothing."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from grading.models import Hint, Submission

pytestmark = pytest.mark.django_db


def test_the_demo_has_a_path_with_two_hints_and_one_fix(settings):
    settings.VERIFIER_DEFAULT_BACKEND = "symbolic"  # the demo's own checker, as under `make run`
    out = StringIO()
    call_command("load_demo", stdout=out)
    first, second = Submission.objects.filter(student__username="jun").order_by("attempt_number")
    assert first.first_error_index == 1
    assert [h.level for h in Hint.objects.filter(submission=first).order_by("id")] == [1, 2]
    assert second.fixed_from_id == first.pk
    assert second.locked_steps == 1
    assert second.final_answer_verdict == "correct"
    assert second.score == second.problem.points
    # the kept step was not analysed again (nor were the others: Alice's second attempt has the same text)
    assert 0 in second.runs.get().parameters["reuse"]["steps"]
    assert "Tutoring path: Jun" in out.getvalue()
    # Running it again adds nothing
    counts = (Submission.objects.count(), Hint.objects.count())
    call_command("load_demo", stdout=StringIO())
    assert (Submission.objects.count(), Hint.objects.count()) == counts
