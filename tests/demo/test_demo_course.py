"""`make run`'s demo data shows issue 13's parts: an extension, a regrade request answered and one waiting, and the
notifications they bring; a second run adds none of them again."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from grading.models import RegradeRequest, StudentException
from tutor.notifications.models import Notification

pytestmark = pytest.mark.django_db


def test_the_demo_has_an_extension_a_regrade_request_with_an_answer_and_notifications():
    call_command("load_demo")
    counts = (StudentException.objects.count(), RegradeRequest.objects.count(), Notification.objects.count())
    call_command("load_demo")
    assert (StudentException.objects.count(), RegradeRequest.objects.count(), Notification.objects.count()) == counts
    [exception] = StudentException.objects.all()
    assert (exception.student.username, exception.reason) == ("carol", "Away on Monday and Tuesday")
    answered = RegradeRequest.objects.get(student__username="carol")
    assert (answered.status, answered.answered_by.username) == ("declined", "teacher")
    assert answered.reply.startswith("5 times -2 is -10")
    kinds = set(Notification.objects.values_list("recipient__username", "kind"))
    assert {("carol", "exception"), ("carol", "regrade_answered"), ("teacher", "regrade_requested")} <= kinds
