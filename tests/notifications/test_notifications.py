"""In-app notifications: students hear about new grades, teachers' changes and answers to their regrade requests;
teachers and TAs about grades waiting for review and new regrade requests. A count in the navigation and a list;
written in the same transaction as the change; email optional and off by default."""

from __future__ import annotations

import pytest
from django.core import mail
from django.db import transaction
from django.urls import reverse

from grading import services
from grading.models import Submission
from tests.coursework import graded, make_world
from tutor.notifications import selectors
from tutor.notifications.models import Notification, NotificationKind
from tutor.notifications.services import notify

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    return make_world()


def test_a_student_is_told_of_a_new_grade_and_of_a_teachers_change(world):
    submission = graded(world.student, world.problems[0])
    [note] = Notification.objects.filter(recipient=world.student)
    assert (note.kind, note.message) == ("graded", "Week 1, problem 1 (attempt 1) is graded: 1 / 1.")
    assert note.url == reverse("submission_detail", args=[submission.pk])
    services.score_override(submission=submission, actor=world.teacher, score=0, reason="Copied")
    # Still one line for this attempt, now saying what happened last
    [note] = Notification.objects.filter(recipient=world.student)
    assert (note.kind, note.count) == ("grade_changed", 2)
    assert note.message == "Your teacher changed your grade on Week 1, problem 1 (attempt 1)."
    assert not Notification.objects.filter(recipient=world.other_student).exists()


def test_graders_get_one_line_per_class_that_counts_up(world):
    for student in (world.student, world.other_student):
        submission = graded(student, world.problems[0], text="RAISE_MISCONFIGURED")
        assert submission.status == Submission.Status.FAILED
    notes = Notification.objects.filter(kind="review_waiting")
    assert sorted(notes.values_list("recipient__username", "count")) == [("ta", 2), ("teacher", 2)]
    assert notes.first().message == "Grades wait for your review in Class A."
    assert not Notification.objects.filter(recipient=world.teacher_b).exists()


def test_the_nav_shows_the_unread_count_and_the_list_marks_what_is_opened(world, client):
    graded(world.student, world.problems[0])
    graded(world.student, world.problems[1], text="2 + 3 = 5")
    client.force_login(world.student)
    home = client.get(reverse("home")).content.decode()
    assert 'aria-label="2 new">2</span>' in home
    page = client.get(reverse("notification_list")).content.decode()
    assert "problem 2 (attempt 1) is graded" in page
    note = Notification.objects.filter(recipient=world.student).order_by("id").first()
    response = client.get(reverse("notification_open", args=[note.pk]))
    assert response["Location"] == note.url
    assert selectors.unread_count(user=world.student) == 1
    client.post(reverse("notifications_read_all"))
    assert selectors.unread_count(user=world.student) == 0
    # After reading, a new grade starts a new line instead of reviving the old one
    services.score_override(
        submission=Submission.objects.get(pk=note.url.split("/")[-2]), actor=world.teacher, score=1, reason="ok"
    )
    assert Notification.objects.filter(recipient=world.student).count() == 3


def test_nobody_opens_anyone_elses_notification_and_links_stay_on_this_site(world, client):
    graded(world.student, world.problems[0])
    note = Notification.objects.get(recipient=world.student)
    client.force_login(world.other_student)
    assert client.get(reverse("notification_open", args=[note.pk])).status_code == 404
    note.refresh_from_db()
    assert note.is_unread
    evil = Notification.objects.create(
        recipient=world.other_student,
        kind="graded",
        message="x",
        url="https://evil.example/",
        key="k",
        created_at=note.created_at,
    )
    assert client.get(reverse("notification_open", args=[evil.pk]))["Location"] == reverse("notification_list")


def test_a_rolled_back_change_leaves_no_notification(world):
    submission = graded(world.student, world.problems[0])
    before = list(Notification.objects.values())

    def override_then_fail() -> None:
        with transaction.atomic():
            services.score_override(submission=submission, actor=world.teacher, score=0, reason="x")
            raise RuntimeError("later failure")

    with pytest.raises(RuntimeError):
        override_then_fail()
    assert list(Notification.objects.values()) == before


def test_email_is_off_by_default_and_sent_after_commit_when_on(world, settings, django_capture_on_commit_callbacks):
    world.student.email = "student@example.org"
    world.student.save()
    with django_capture_on_commit_callbacks(execute=True):
        graded(world.student, world.problems[0])
    assert not mail.outbox
    settings.NOTIFICATIONS_EMAIL = True
    settings.SITE_URL = "https://tutor.example.org"
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        graded(world.student, world.problems[1], text="2 + 3 = 5")
    assert not mail.outbox  # nothing is sent before the change commits
    for callback in callbacks:
        callback()
    [message] = mail.outbox
    assert message.to == ["student@example.org"]
    assert "https://tutor.example.org/submissions/" in message.body


def test_notify_refuses_a_kind_that_is_not_in_the_enum_and_bounds_the_message(world):
    with pytest.raises(TypeError):
        notify(recipient_ids=[world.student.pk], kind="graded", message="x", key="k")  # type: ignore[arg-type]
    notify(recipient_ids=[world.student.pk], kind=NotificationKind.GRADED, message="y" * 1000, key="k")
    assert len(Notification.objects.get(recipient=world.student).message) == 300
