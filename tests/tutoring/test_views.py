"""The tutoring pages: asking for a hint with and without JavaScript, the panel a teacher sees, the fix-from-here
editor with the kept steps locked, and who may open what."""

from __future__ import annotations

from django.urls import reverse

from grading.models import Submission

from .conftest import BUS_SLIP, submit


def test_a_hint_by_htmx_returns_the_panel_and_without_js_redirects_to_it(bus, client):
    submission = submit(bus.problem, bus.student, BUS_SLIP)
    client.force_login(bus.student)
    page = client.get(reverse("submission_detail", args=[submission.pk])).content.decode()
    # The feedback page has the hint panel with its live region, and the button for the first hint
    assert 'id="hint-live" aria-live="polite"' in page
    assert "Get a hint" in page
    assert "3 hints left for this problem." in page
    url = reverse("submission_hint", args=[submission.pk])
    fragment = client.post(url, HTTP_HX_REQUEST="true").content.decode()
    assert "Check the multiplication in step 2." in fragment
    assert "data-new-hint" in fragment
    assert "Get another hint" in fragment
    response = client.post(url)
    assert response.status_code == 302
    assert response["Location"].endswith("#hints")


def test_the_teacher_sees_the_levels_and_what_was_refused_but_cannot_ask(bus, client):
    submission = submit(bus.problem, bus.student, BUS_SLIP)
    client.force_login(bus.student)
    client.post(reverse("submission_hint", args=[submission.pk]))
    client.force_login(bus.teacher)
    html = client.get(reverse("submission_detail", args=[submission.pk])).content.decode()
    assert "Hints this student asked for" in html
    assert "Asked for level 1, shown level 1" in html
    assert "Get a hint" not in html
    # and a teacher's post asks nothing on the student's behalf
    client.post(reverse("submission_hint", args=[submission.pk]))
    assert submission.hints.count() == 1


def test_other_students_get_404_on_hints_and_fixes(bus, client):
    submission = submit(bus.problem, bus.student, BUS_SLIP)
    client.force_login(bus.other)
    for name in ("submission_hint", "submission_fix_submit"):
        assert client.post(reverse(name, args=[submission.pk])).status_code == 404
    assert client.get(reverse("submission_fix", args=[submission.pk])).status_code == 404
    assert submission.hints.count() == 0


def test_fix_from_here_opens_the_editor_with_the_kept_steps_locked(bus, client):
    submission = submit(bus.problem, bus.student, BUS_SLIP)
    client.force_login(bus.student)
    page = client.get(reverse("submission_detail", args=[submission.pk])).content.decode()
    assert reverse("submission_fix", args=[submission.pk]) in page
    assert "Fix from step 2" in page
    editor = client.get(reverse("submission_fix", args=[submission.pk])).content.decode()
    # the kept step is shown, not editable; the text box starts at step 2
    assert 'data-testid="locked-steps"' in editor
    assert "Step 1 was checked and is kept as it is. Rewrite from step 2 on." in editor
    assert "3 × 6 = 24\n108 + 24 = 132</textarea>" in editor
    # a preview shows the whole new attempt, kept steps marked
    preview = client.post(
        reverse("submission_fix_preview", args=[submission.pk]), {"text": "3 × 6 = 18"}, HTTP_HX_REQUEST="true"
    ).content.decode()
    assert preview.count("<li") == 2
    assert 'class="locked"' in preview
    # submitting creates attempt 2 with the kept step first, whatever the browser sends as "prefix"
    response = client.post(
        reverse("submission_fix_submit", args=[submission.pk]), {"text": "3 × 6 = 18\n108 + 18 = 126"}
    )
    new = Submission.objects.get(attempt_number=2)
    assert response.status_code == 302
    assert response["Location"] == reverse("submission_detail", args=[new.pk])
    assert new.text.startswith("27 × 4 = 108\n")
    assert new.locked_steps == 1


def test_help_to_start_on_the_problem_page_when_the_policy_is_always(bus, client):
    client.force_login(bus.student)
    assert "Need help to start?" not in client.get(reverse("problem_detail", args=[bus.problem.pk])).content.decode()
    bus.assignment.hint_policy = "always"
    bus.assignment.save()
    page = client.get(reverse("problem_detail", args=[bus.problem.pk])).content.decode()
    assert "Need help to start?" in page
    fragment = client.post(reverse("problem_hint", args=[bus.problem.pk]), HTTP_HX_REQUEST="true").content.decode()
    assert "Start with what the question asks." in fragment
