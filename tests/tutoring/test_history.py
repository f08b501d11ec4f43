"""The attempt path: each attempt's first error, a step diff against the attempt before, the hints asked for on it,
the steps not checked again, and the score trend; the student and the teacher read the same."""

from __future__ import annotations

from django.urls import reverse

from grading import services
from grading.tutoring.history import attempt_history, step_changes, summary
from verifier_worker.checkers import analysis

from .conftest import BUS_SLIP, grade, submit


def test_step_changes_pair_changed_steps_and_name_the_rest():
    changes = step_changes(["a = 1", "b = 2", "c = 3"], ["a = 1", "b = 5", "c = 3", "d = 4"])
    assert [(c.kind, c.old_number, c.new_number) for c in changes] == [
        ("same", 1, 1),
        ("changed", 2, 2),
        ("same", 3, 3),
        ("added", None, 4),
    ]
    assert summary(changes) == "Step 2 changed, 1 step added"
    assert summary(step_changes(["a"], ["a"])) == "The same steps"


def test_the_path_from_a_wrong_attempt_to_a_fixed_one(bus, client):
    analysis.MEMO.clear()  # a cold worker: what is reused comes from this test's own first attempt
    first = submit(bus.problem, bus.student, BUS_SLIP)
    services.hint_request(student=bus.student, problem=bus.problem, submission=first)
    services.hint_request(student=bus.student, problem=bus.problem, submission=first)
    second = grade(
        services.fix_submit(student=bus.student, submission=first, start=2, text="3 × 6 = 18\n108 + 18 = 126")
    )
    path = attempt_history(student_id=bus.student.pk, problem=bus.problem)
    newest, oldest = path.rows
    assert (oldest.first_error, newest.first_error) == (2, None)
    assert [h.level for h in oldest.hints] == [1, 2]
    assert newest.hints == ()
    assert newest.hints_before == 2
    assert newest.change_summary == "Steps 2, 3 changed"
    assert newest.trend == "up"
    assert path.trend_text == f"{first.score.normalize():f} → {second.score.normalize():f}"
    assert path.trend_points
    # and the student's feedback page and the teacher's show the same path
    for viewer in (bus.student, bus.teacher):
        client.force_login(viewer)
        html = client.get(reverse("submission_detail", args=[second.pk])).content.decode()
        assert "Steps 2, 3 changed" in html
        assert "2 (levels 1, 2)" in html
        assert "fixed from step 2" in html
        assert "Score trend:" in html
        # the kept step is said to be reused; what that saved (machine time) is for the teacher only
        assert "Step 1: checked before, exactly as written here, so not checked again" in html
        assert ("saved)." in html) is (viewer == bus.teacher)
