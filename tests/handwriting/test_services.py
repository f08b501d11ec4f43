"""Asking for a line to be read, reading it, and submitting confirmed lines through grading's submission service."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import override_settings
from django.utils import timezone

from grading.models import Submission
from grading.services import SubmissionError
from tests.factories import ProblemFactory
from tutor.audit.models import AuditEvent
from tutor.handwriting import selectors, services
from tutor.handwriting.models import HandwrittenLine, LineRecognition
from tutor.handwriting.services import ConfirmedLine, HandwritingError

from .conftest import ink

Status = LineRecognition.Status


def read(classroom, payload, capture, user=None) -> LineRecognition:
    with capture(execute=True):
        row = services.recognition_request(
            student=user or classroom.student, problem=classroom.problem, payload=payload
        )
    row.refresh_from_db()
    return row


def test_a_line_is_stored_queued_and_read(classroom, django_capture_on_commit_callbacks):
    # given a student's line of four strokes
    # when they ask for it to be read (the task runs eagerly after commit in the test settings)
    row = read(classroom, ink(4), django_capture_on_commit_callbacks)
    # then the ink is stored with its counts, and the reading is recorded like a verification run
    assert row.status == Status.DONE
    assert row.text == "x = 4"
    assert row.confidence == pytest.approx(0.95)
    assert row.stroke_count == 4
    assert row.point_count == 8
    assert len(row.ink_sha256) == 64
    assert row.model_id == "fake"
    assert row.model_version == "1"
    assert row.latency_ms is not None
    assert row.finished_at is not None
    assert row.submission is None
    state = selectors.recognition_state(row)
    assert state["status"] == "done"
    assert state["sure"] is True
    assert state["alternatives"] == []


def test_an_unsure_reading_offers_alternatives(classroom, django_capture_on_commit_callbacks):
    row = read(classroom, ink(3), django_capture_on_commit_callbacks)
    state = selectors.recognition_state(row)
    assert state["sure"] is False
    assert [a["text"] for a in state["alternatives"]] == ["x = 4", "y = 3"]


def test_the_same_ink_is_read_once(classroom, django_capture_on_commit_callbacks):
    first = read(classroom, ink(2), django_capture_on_commit_callbacks)
    # when the same ink comes again (an undo back to it, a retry)
    with django_capture_on_commit_callbacks() as callbacks:
        again = services.recognition_request(student=classroom.student, problem=classroom.problem, payload=ink(2))
    # then the earlier reading answers and nothing is queued
    assert again.pk == first.pk
    assert callbacks == []
    assert LineRecognition.objects.count() == 1


@pytest.mark.parametrize(
    "payload", ["{", '{"width": 1, "height": 1, "strokes": [[[NaN, 1]]]}', '{"width": 1, "height": 1, "strokes": []}']
)
def test_bad_ink_is_refused_and_nothing_is_stored_or_queued(classroom, payload, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks, pytest.raises(HandwritingError) as info:
        services.recognition_request(student=classroom.student, problem=classroom.problem, payload=payload)
    assert info.value.status == 400
    assert info.value.message
    assert LineRecognition.objects.count() == 0
    assert callbacks == []


@override_settings(HANDWRITING_RECOGNITION="off")
def test_without_a_recogniser_the_request_says_so(classroom):
    with pytest.raises(HandwritingError) as info:
        services.recognition_request(student=classroom.student, problem=classroom.problem, payload=ink(2))
    assert info.value.status == 503
    assert "not installed" in info.value.message
    assert LineRecognition.objects.count() == 0


@override_settings(HANDWRITING_MAX_PENDING=2)
def test_a_student_can_have_only_a_few_lines_waiting(classroom, django_capture_on_commit_callbacks):
    # given two lines still waiting for a worker (nothing runs them: callbacks are captured, not executed)
    with django_capture_on_commit_callbacks():
        for n in (2, 4):
            services.recognition_request(student=classroom.student, problem=classroom.problem, payload=ink(n))
    # when a third is sent
    with pytest.raises(HandwritingError) as info:
        services.recognition_request(student=classroom.student, problem=classroom.problem, payload=ink(6))
    # then it is refused as busy, and another student is not affected
    assert info.value.status == 429
    assert info.value.code == "busy"
    services.recognition_request(student=classroom.other_student, problem=classroom.problem, payload=ink(6))
    assert LineRecognition.objects.count() == 3


@override_settings(HANDWRITING_MAX_DRAFTS=3)
def test_unsubmitted_drafts_per_student_are_bounded(classroom, django_capture_on_commit_callbacks):
    for n in range(2, 8):
        read(classroom, ink(n), django_capture_on_commit_callbacks)
    assert LineRecognition.objects.filter(student=classroom.student).count() == 3
    assert sorted(LineRecognition.objects.values_list("stroke_count", flat=True)) == [5, 6, 7]


def test_a_line_nothing_can_be_read_in_says_type_it(classroom, django_capture_on_commit_callbacks):
    row = read(classroom, ink(3, dot=True), django_capture_on_commit_callbacks)
    assert row.status == Status.FAILED
    assert "Nothing recognised" in row.error
    state = selectors.recognition_state(row)
    assert state["status"] == "failed"
    assert "type it" in state["message"]


def test_a_line_past_its_deadline_is_not_read_and_says_type_it(classroom, django_capture_on_commit_callbacks):
    # given a line whose task reaches a worker only after its deadline
    with django_capture_on_commit_callbacks():
        row = services.recognition_request(student=classroom.student, problem=classroom.problem, payload=ink(2))
    LineRecognition.objects.filter(pk=row.pk).update(deadline=timezone.now() - timedelta(seconds=1))
    row.refresh_from_db()
    # then the page already hears "type it" without any worker
    assert selectors.recognition_state(row)["status"] == "failed"
    # and when the task does arrive, the worker skips it
    assert services.recognition_run(recognition_id=row.pk) is None
    row.refresh_from_db()
    assert row.status == Status.EXPIRED
    assert row.text == ""


def test_reading_is_idempotent_and_a_missing_row_is_a_no_op(classroom, django_capture_on_commit_callbacks):
    row = read(classroom, ink(2), django_capture_on_commit_callbacks)
    finished = row.finished_at
    assert services.recognition_run(recognition_id=row.pk) is None
    row.refresh_from_db()
    assert row.finished_at == finished
    assert services.recognition_run(recognition_id=10**9) is None


def test_a_recogniser_crash_ends_as_a_failed_row(classroom, monkeypatch, django_capture_on_commit_callbacks):
    from verifier_worker.handwriting.fake import FakeRecogniser

    def boom(self, line):
        raise RuntimeError("model exploded")

    monkeypatch.setattr(FakeRecogniser, "recognise", boom)
    row = read(classroom, ink(2), django_capture_on_commit_callbacks)
    assert row.status == Status.FAILED
    assert "model exploded" in row.error


# --- submitting ------------------------------------------------------------------------------------------------


def test_confirmed_lines_become_one_step_per_line_with_the_ink_attached(classroom, django_capture_on_commit_callbacks):
    # given three read lines: one kept as read, one switched to an alternative, one corrected by typing
    sure = read(classroom, ink(2), django_capture_on_commit_callbacks)
    unsure = read(classroom, ink(3), django_capture_on_commit_callbacks)
    typed = read(classroom, ink(4), django_capture_on_commit_callbacks)
    lines = [
        ConfirmedLine(text="x = 2", recognition_id=sure.pk),
        ConfirmedLine(text="y  =  3", recognition_id=unsure.pk),
        ConfirmedLine(text="x = 5", recognition_id=typed.pk),
        ConfirmedLine(text="x = 5"),
    ]
    # when the student submits them
    submission = services.handwritten_submission_create(
        student=classroom.student, problem=classroom.problem, lines=lines
    )
    # then grading got the lines as its text, queued as usual
    assert submission.text == "x = 2\ny = 3\nx = 5\nx = 5"
    assert submission.status == Submission.Status.QUEUED
    stored = list(HandwrittenLine.objects.filter(submission=submission))
    # and the server, not the page, decided which reading each line kept
    assert [(line.choice, line.alternative_index) for line in stored] == [
        ("recognised", None),
        ("alternative", 1),
        ("typed", None),
        ("typed", None),
    ]
    assert [submission.text[line.char_start : line.char_end] for line in stored] == [line.text for line in stored]
    assert stored[3].recognition is None
    assert set(LineRecognition.objects.filter(submission=submission).values_list("pk", flat=True)) == {
        sure.pk,
        unsure.pk,
        typed.pk,
    }
    event = AuditEvent.objects.get(event_type="submission.handwriting_attached")
    assert event.details["recognised"] == 1
    assert event.details["alternative"] == 1
    assert event.details["typed"] == 2
    assert event.target_id == str(submission.pk)
    assert event.actor == classroom.student


def test_another_students_ink_cannot_be_submitted(classroom, django_capture_on_commit_callbacks):
    theirs = read(classroom, ink(2), django_capture_on_commit_callbacks, user=classroom.other_student)
    with pytest.raises(HandwritingError) as info:
        services.handwritten_submission_create(
            student=classroom.student,
            problem=classroom.problem,
            lines=[ConfirmedLine(text="x = 2", recognition_id=theirs.pk)],
        )
    assert info.value.code == "unknown_ink"
    assert Submission.objects.count() == 0


def test_ink_from_another_problem_or_an_earlier_submission_cannot_be_reused(
    classroom, django_capture_on_commit_callbacks
):
    row = read(classroom, ink(2), django_capture_on_commit_callbacks)
    lines = [ConfirmedLine(text="x = 2", recognition_id=row.pk)]
    services.handwritten_submission_create(student=classroom.student, problem=classroom.problem, lines=lines)
    with pytest.raises(HandwritingError):
        services.handwritten_submission_create(student=classroom.student, problem=classroom.problem, lines=lines)
    other_problem = ProblemFactory(assignment=classroom.problem.assignment)
    with pytest.raises(HandwritingError):
        services.handwritten_submission_create(student=classroom.student, problem=other_problem, lines=lines)
    assert Submission.objects.count() == 1


@pytest.mark.parametrize(
    ("lines", "code"),
    [
        ([], "empty"),
        ([ConfirmedLine(text="x = 1"), ConfirmedLine(text="   ")], "empty_line"),
        ([ConfirmedLine(text="x = 1")] * 31, "long"),
    ],
)
def test_bad_line_sets_are_refused_and_nothing_is_stored(classroom, lines, code):
    with pytest.raises(HandwritingError) as info:
        services.handwritten_submission_create(student=classroom.student, problem=classroom.problem, lines=lines)
    assert info.value.code == code
    assert Submission.objects.count() == 0
    assert HandwrittenLine.objects.count() == 0


def test_grading_rules_still_apply_and_a_refusal_attaches_nothing(classroom, django_capture_on_commit_callbacks):
    # given ink read for a student who is then refused by grading's own rules (not a student of this class)
    row = read(classroom, ink(2), django_capture_on_commit_callbacks, user=classroom.teacher)
    with pytest.raises(SubmissionError):
        services.handwritten_submission_create(
            student=classroom.teacher,
            problem=classroom.problem,
            lines=[ConfirmedLine(text="x = 2", recognition_id=row.pk)],
        )
    row.refresh_from_db()
    assert row.submission is None
    assert HandwrittenLine.objects.count() == 0


def test_prune_deletes_old_drafts_only(classroom, django_capture_on_commit_callbacks):
    kept = read(classroom, ink(2), django_capture_on_commit_callbacks)
    services.handwritten_submission_create(
        student=classroom.student,
        problem=classroom.problem,
        lines=[ConfirmedLine(text="x = 2", recognition_id=kept.pk)],
    )
    draft = read(classroom, ink(4), django_capture_on_commit_callbacks)
    LineRecognition.objects.update(created_at=timezone.now() - timedelta(days=2))
    assert services.recognition_prune() == 1
    assert list(LineRecognition.objects.values_list("pk", flat=True)) == [kept.pk]
    assert not LineRecognition.objects.filter(pk=draft.pk).exists()


def test_the_prune_command_reports_what_it_deleted(classroom, django_capture_on_commit_callbacks):
    from io import StringIO

    from django.core.management import call_command

    read(classroom, ink(2), django_capture_on_commit_callbacks)
    LineRecognition.objects.update(created_at=timezone.now() - timedelta(days=3))
    out = StringIO()
    call_command("handwriting_prune", "--days", "2", stdout=out)
    assert "Deleted 1 handwriting draft(s)." in out.getvalue()
    assert LineRecognition.objects.count() == 0
