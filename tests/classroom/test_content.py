"""Editing a class and its content: each service changes what it says, records what changed (old and new) in the
same transaction, and refuses whoever may not do it: a TA edits content but not the class's settings, a student
edits nothing, another class's teacher gets 404 on the pages."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from grading import policy
from grading.models import Submission
from tests.coursework import graded, make_world
from tutor.audit.models import AuditEvent
from tutor.classroom import content, selectors, services
from tutor.classroom.errors import ClassroomError
from tutor.classroom.models import Assignment, Course, Problem

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    return make_world()


def events(event_type: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(event_type=event_type).order_by("id"))


# --- The class ---------------------------------------------------------------------------------------------


def test_teacher_changes_the_class_settings_and_the_change_is_audited(world):
    # When the teacher renames the class and allows sign-ups
    content.course_update(
        actor=world.teacher, course=world.course, fields={"name": "Algebra 1, period 3", "allow_signup": True}
    )
    # Then the class has the new settings, and the audit log says what changed from what
    world.course.refresh_from_db()
    assert (world.course.name, world.course.allow_signup) == ("Algebra 1, period 3", True)
    [event] = events("course.updated")
    assert event.actor == world.teacher
    assert event.details["changes"] == {"name": ["Class A", "Algebra 1, period 3"], "allow_signup": [False, True]}


@pytest.mark.parametrize("who", ["ta", "student", "teacher_b"])
def test_only_the_teacher_changes_class_settings(world, who):
    with pytest.raises(ClassroomError, match="Only a teacher") as caught:
        content.course_update(actor=world.user(who), course=world.course, fields={"name": "Mine"})
    assert caught.value.code == "forbidden"
    world.course.refresh_from_db()
    assert world.course.name == "Class A"
    assert not events("course.updated")


def test_bad_class_settings_change_nothing(world):
    with pytest.raises(ClassroomError, match="Give the class a name"):
        content.course_update(actor=world.teacher, course=world.course, fields={"name": "   "})
    with pytest.raises(ClassroomError, match="not a time zone"):
        content.course_update(actor=world.teacher, course=world.course, fields={"time_zone": "Mars/Olympus"})
    with pytest.raises(ClassroomError, match="Unknown class settings: join_code"):
        content.course_update(actor=world.teacher, course=world.course, fields={"join_code": "AAAA"})
    assert not events("course.updated")


def test_an_archived_class_is_hidden_from_students_who_cannot_submit_and_staff_keep_every_grade(world, client):
    # Given a student's graded work
    submission = graded(world.student, world.problems[0])
    # When the teacher archives the class
    content.course_archive(actor=world.teacher, course=world.course)
    # Then the student no longer sees it (not on their home page, 404 on its pages) and cannot submit
    client.force_login(world.student)
    assert "Class A" not in client.get(reverse("home")).content.decode()
    assert client.get(reverse("course_detail", args=[world.course.pk])).status_code == 404
    assert client.get(reverse("problem_detail", args=[world.problems[0].pk])).status_code == 404
    decision = policy.submit_decision(problem=Problem.objects.get(pk=world.problems[1].pk), student_id=world.student.pk)
    assert (decision.allowed, decision.code) == (False, "archived")
    # while the teacher still sees the class, the grade and the gradebook
    client.force_login(world.teacher)
    assert client.get(reverse("course_detail", args=[world.course.pk])).status_code == 200
    assert client.get(reverse("class_gradebook", args=[world.course.pk])).status_code == 200
    assert Submission.objects.get(pk=submission.pk).score == submission.score
    # When it is restored / Then the student sees it again
    content.course_archive(actor=world.teacher, course=world.course, archived=False)
    client.force_login(world.student)
    assert client.get(reverse("course_detail", args=[world.course.pk])).status_code == 200
    assert [e.event_type for e in AuditEvent.objects.filter(target_type="classroom.course").order_by("id")][-2:] == [
        "course.archived",
        "course.restored",
    ]


# --- Assignments -------------------------------------------------------------------------------------------


def test_ta_edits_an_assignment_and_the_audit_event_names_old_and_new(world):
    due = timezone.now() + timedelta(days=9)
    content.assignment_update(
        actor=world.ta,
        assignment=world.assignment,
        fields={"title": "Week 1 (revised)", "max_attempts": 4, "due_at": due},
    )
    world.assignment.refresh_from_db()
    assert (world.assignment.title, world.assignment.max_attempts, world.assignment.due_at) == (
        "Week 1 (revised)",
        4,
        due,
    )
    [event] = events("assignment.updated")
    assert event.actor == world.ta
    assert event.details["changes"]["max_attempts"] == [2, 4]
    assert event.details["changes"]["title"] == ["Week 1", "Week 1 (revised)"]


@pytest.mark.parametrize("who", ["student", "teacher_b"])
def test_students_and_other_teachers_cannot_edit(world, who):
    actor = world.user(who)
    problem = world.problems[0]
    attempts = [
        lambda: content.assignment_update(actor=actor, assignment=world.assignment, fields={"title": "x"}),
        lambda: content.assignment_archive(actor=actor, assignment=world.assignment),
        lambda: content.assignment_duplicate(actor=actor, assignment=world.assignment),
        lambda: content.assignment_move(actor=actor, assignment=world.assignment, direction="down"),
        lambda: content.assignment_delete(actor=actor, assignment=world.assignment),
        lambda: content.problem_update(actor=actor, problem=problem, fields={"reference_answer": "6"}),
        lambda: content.problem_move(actor=actor, problem=problem, direction="down"),
        lambda: content.problem_duplicate(actor=actor, problem=problem),
        lambda: content.problem_archive(actor=actor, problem=problem),
        lambda: content.problem_delete(actor=actor, problem=problem),
    ]
    for attempt in attempts:
        with pytest.raises(ClassroomError) as caught:
            attempt()
        assert caught.value.code == "forbidden"
    assert Problem.objects.filter(assignment=world.assignment).count() == 2
    assert Assignment.objects.count() == 1
    assert not AuditEvent.objects.filter(event_type__startswith="assignment.").exclude(event_type="assignment.created")
    assert not AuditEvent.objects.filter(event_type__in=["problem.updated", "problem.moved", "problem.archived"])


def test_an_edit_that_breaks_the_rules_changes_nothing(world):
    opens = timezone.now() + timedelta(days=3)
    with pytest.raises(ClassroomError, match="due date must be after"):
        content.assignment_update(actor=world.teacher, assignment=world.assignment, fields={"opens_at": opens})
    with pytest.raises(ClassroomError, match="Max attempts"):
        content.assignment_update(actor=world.teacher, assignment=world.assignment, fields={"max_attempts": 0})
    world.assignment.refresh_from_db()
    assert (world.assignment.opens_at, world.assignment.max_attempts) == (None, 2)
    assert not events("assignment.updated")


def test_assignments_move_up_and_down_on_the_class_page(world):
    # Given three assignments in creation order
    second = content.assignment_duplicate(actor=world.teacher, assignment=world.assignment)
    third = content.assignment_duplicate(actor=world.teacher, assignment=world.assignment)
    order = lambda: list(Assignment.objects.filter(course=world.course).values_list("pk", flat=True))  # noqa: E731
    assert order() == [world.assignment.pk, second.pk, third.pk]
    # When the last one moves up, then the first one moves down
    content.assignment_move(actor=world.teacher, assignment=third, direction="up")
    assert order() == [world.assignment.pk, third.pk, second.pk]
    content.assignment_move(actor=world.teacher, assignment=world.assignment, direction="down")
    assert order() == [third.pk, world.assignment.pk, second.pk]
    # Then moving past the ends is refused, and each move is audited
    with pytest.raises(ClassroomError, match="already first"):
        content.assignment_move(actor=world.teacher, assignment=third, direction="up")
    assert len(events("assignment.moved")) == 2


def test_duplicating_copies_settings_and_active_problems_but_no_work(world):
    graded(world.student, world.problems[0])
    content.problem_archive(actor=world.teacher, problem=world.problems[1])
    copy = content.assignment_duplicate(actor=world.teacher, assignment=world.assignment)
    assert copy.title == "Week 1 (copy)"
    assert (copy.max_attempts, copy.due_at, copy.verifier_backend) == (2, world.assignment.due_at, "fake")
    assert [(p.position, p.title, p.reference_answer) for p in copy.problems.all()] == [(1, "Linear", "5")]
    assert not Submission.objects.filter(problem__assignment=copy).exists()
    [event] = events("assignment.duplicated")
    assert event.details["source_id"] == world.assignment.pk
    # A second copy gets its own name
    assert content.assignment_duplicate(actor=world.teacher, assignment=world.assignment).title == "Week 1 (copy 2)"


def test_copy_into_another_class_needs_authoring_rights_there(world):
    # Given class B, where teacher A is nobody / Then A cannot copy into it
    with pytest.raises(ClassroomError, match="Only the teacher or a teaching assistant"):
        content.assignment_duplicate(actor=world.teacher, assignment=world.assignment, course=world.course_b)
    assert not Assignment.objects.filter(course=world.course_b).exists()
    # Given a class of A's own / Then the copy goes there with its problems
    mine = services.course_create(teacher=world.teacher, name="Class C")
    copy = content.assignment_duplicate(actor=world.teacher, assignment=world.assignment, course=mine)
    assert (copy.course, copy.title, copy.problems.count()) == (mine, "Week 1", 2)


def test_archiving_hides_an_assignment_from_students_and_keeps_the_grades(world, client):
    submission = graded(world.student, world.problems[0])
    score = submission.score
    content.assignment_archive(actor=world.teacher, assignment=world.assignment)
    client.force_login(world.student)
    assert client.get(reverse("assignment_detail", args=[world.assignment.pk])).status_code == 404
    assert "Week 1" not in client.get(reverse("course_detail", args=[world.course.pk])).content.decode()
    assert not policy.submit_decision(
        problem=Problem.objects.get(pk=world.problems[0].pk), student_id=world.student.pk
    ).allowed
    submission.refresh_from_db()
    assert submission.score == score is not None
    client.force_login(world.teacher)
    page = client.get(reverse("course_detail", args=[world.course.pk])).content.decode()
    assert "Archived assignments (1)" in page


def test_an_assignment_with_submissions_is_archived_never_deleted(world):
    graded(world.student, world.problems[0])
    with pytest.raises(ClassroomError, match=r"cannot be deleted\. Archive it instead") as caught:
        content.assignment_delete(actor=world.teacher, assignment=world.assignment)
    assert caught.value.code == "has_submissions"
    assert Assignment.objects.filter(pk=world.assignment.pk).exists()
    with pytest.raises(ClassroomError, match="cannot be deleted"):
        content.problem_delete(actor=world.teacher, problem=world.problems[0])
    # One nobody has worked on can go
    content.problem_delete(actor=world.teacher, problem=world.problems[1])
    assert list(world.assignment.problems.values_list("title", flat=True)) == ["Linear"]
    assert events("problem.deleted")[0].details["title"] == "Sum"


def test_a_draft_assignment_is_deleted_with_its_problems(world):
    draft = content.assignment_duplicate(actor=world.teacher, assignment=world.assignment)
    content.assignment_delete(actor=world.ta, assignment=draft)
    assert not Assignment.objects.filter(pk=draft.pk).exists()
    assert not Problem.objects.filter(assignment_id=draft.pk).exists()
    [event] = events("assignment.deleted")
    assert (event.target_type, event.details["problems"]) == ("classroom.course", 2)


# --- Problems ----------------------------------------------------------------------------------------------


def test_changing_the_reference_answer_after_submissions_says_grades_are_affected(world):
    graded(world.student, world.problems[0])
    update = content.problem_update(
        actor=world.teacher,
        problem=world.problems[0],
        fields={"reference_answer": "x = 5", "reference_solution": ["3x + 5 = 20", "", " 3x = 15 ", "x = 5"]},
    )
    assert update.affects_grades
    assert set(update.changed) == {"reference_answer", "reference_solution"}
    problem = Problem.objects.get(pk=world.problems[0].pk)
    assert (problem.reference_answer, problem.reference_solution) == ("x = 5", ["3x + 5 = 20", "3x = 15", "x = 5"])
    [event] = events("problem.updated")
    assert event.details["changes"]["reference_answer"] == ["5", "x = 5"]
    assert event.details["affects_grades"] is True


def test_a_wording_change_or_a_problem_nobody_tried_does_not_ask_for_a_regrade(world):
    graded(world.student, world.problems[0])
    wording = content.problem_update(actor=world.ta, problem=world.problems[0], fields={"title": "Linear equation"})
    untried = content.problem_update(actor=world.ta, problem=world.problems[1], fields={"reference_answer": "6"})
    assert (wording.affects_grades, untried.affects_grades) == (False, False)
    nothing = content.problem_update(actor=world.ta, problem=world.problems[1], fields={"reference_answer": "6"})
    assert nothing.changed == ()
    assert len(events("problem.updated")) == 2


def test_bad_problem_edits_change_nothing(world):
    problem = world.problems[0]
    for fields, message in (
        ({"statement": " "}, "needs a statement"),
        ({"reference_answer": ""}, "needs a reference answer"),
        ({"statement": "x" * 20_001}, "the limit is 20,000"),
        ({"title": "bad\x00"}, "NUL"),
        ({"final_answer_percent": 101}, "Final answer percent"),
        ({"owner": "me"}, "Unknown problem fields"),
    ):
        with pytest.raises(ClassroomError, match=message):
            content.problem_update(actor=world.teacher, problem=problem, fields=fields)
    assert Problem.objects.get(pk=problem.pk).statement == "Solve $3x + 5 = 20$."
    assert not events("problem.updated")


def test_problems_swap_places_and_numbers(world):
    first, second = world.problems
    content.problem_move(actor=world.teacher, problem=second, direction="up")
    assert list(world.assignment.problems.order_by("position").values_list("title", flat=True)) == ["Sum", "Linear"]
    with pytest.raises(ClassroomError, match="already last"):
        content.problem_move(actor=world.teacher, problem=first, direction="down")
    [event] = events("problem.moved")
    assert (event.details["from"], event.details["to"]) == (2, 1)


def test_an_archived_problem_is_hidden_from_students_and_out_of_the_totals(world, client):
    submission = graded(world.student, world.problems[1], text="2 + 3 = 5")
    content.problem_archive(actor=world.teacher, problem=world.problems[1])
    client.force_login(world.student)
    assert client.get(reverse("problem_detail", args=[world.problems[1].pk])).status_code == 404
    page = client.get(reverse("assignment_detail", args=[world.assignment.pk])).content.decode()
    assert "Sum" not in page
    assert "Linear" in page
    assert not policy.submit_decision(
        problem=Problem.objects.get(pk=world.problems[1].pk), student_id=world.student.pk
    ).allowed
    from grading import selectors as grading_selectors

    problems, _rows = grading_selectors.gradebook(assignment=world.assignment)
    assert [p.title for p in problems] == ["Linear"]
    assert Submission.objects.get(pk=submission.pk).score is not None  # kept
    content.problem_archive(actor=world.teacher, problem=world.problems[1], archived=False)
    assert client.get(reverse("problem_detail", args=[world.problems[1].pk])).status_code == 200


def test_a_duplicated_problem_goes_last_with_no_work(world):
    copy = content.problem_duplicate(actor=world.teacher, problem=world.problems[0])
    assert (copy.position, copy.title, copy.reference_solution) == (3, "Linear (copy)", ["3x = 15", "x = 5"])
    assert events("problem.duplicated")[0].details["source_id"] == world.problems[0].pk


# --- The audit event is part of the change -----------------------------------------------------------------


@pytest.mark.parametrize(
    "action",
    [
        lambda w: content.course_update(actor=w.teacher, course=w.course, fields={"name": "Renamed"}),
        lambda w: content.course_archive(actor=w.teacher, course=w.course),
        lambda w: content.assignment_update(actor=w.teacher, assignment=w.assignment, fields={"title": "Renamed"}),
        lambda w: content.assignment_archive(actor=w.teacher, assignment=w.assignment),
        lambda w: content.assignment_duplicate(actor=w.teacher, assignment=w.assignment),
        lambda w: content.problem_update(actor=w.teacher, problem=w.problems[0], fields={"title": "Renamed"}),
        lambda w: content.problem_move(actor=w.teacher, problem=w.problems[1], direction="up"),
        lambda w: content.problem_duplicate(actor=w.teacher, problem=w.problems[0]),
        lambda w: content.problem_archive(actor=w.teacher, problem=w.problems[0]),
        lambda w: content.problem_delete(actor=w.teacher, problem=w.problems[1]),
    ],
    ids=[
        "course_update",
        "course_archive",
        "assignment_update",
        "assignment_archive",
        "assignment_duplicate",
        "problem_update",
        "problem_move",
        "problem_duplicate",
        "problem_archive",
        "problem_delete",
    ],
)
def test_a_rolled_back_change_leaves_neither_the_change_nor_its_audit_event(world, action):
    # Given the state before
    snapshot = lambda: (  # noqa: E731
        list(Course.objects.values().order_by("id")),
        list(Assignment.objects.values().order_by("id")),
        list(Problem.objects.values().order_by("id")),
        AuditEvent.objects.count(),
    )
    before = snapshot()
    # When the action runs inside a transaction that then fails
    recorded = []

    def change_then_fail() -> None:
        with transaction.atomic():
            action(world)
            recorded.append(AuditEvent.objects.count() - before[3])  # it was recorded inside the transaction
            raise RuntimeError("something later in the request failed")

    with pytest.raises(RuntimeError):
        change_then_fail()
    assert recorded[0] >= 1
    # Then neither the change nor its audit event is left
    assert snapshot() == before


def test_staff_pages_show_archived_content_separately(world, client):
    content.problem_archive(actor=world.teacher, problem=world.problems[1])
    client.force_login(world.ta)
    page = client.get(reverse("assignment_detail", args=[world.assignment.pk])).content.decode()
    assert "Archived problems (1)" in page
    course, access = selectors.course_get(user=world.ta, course_id=world.course.pk)
    assert [
        p.title for a in selectors.assignments_visible(course=course, course_access=access) for p in a.problems.all()
    ] == ["Linear"]
