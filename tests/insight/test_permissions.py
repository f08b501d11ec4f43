"""Who reaches the insight pages: site staff everything; a class's teachers its analytics; nobody else anything."""

from __future__ import annotations

import pytest
from django.urls import reverse

from grading.models import VerificationRun
from tests.factories import UserFactory
from tutor.insight.models import ReplayRun

pytestmark = pytest.mark.django_db


def urls(history) -> tuple[dict[str, str], dict[str, str]]:
    s2 = history.subs["S2"]
    run = VerificationRun.objects.filter(submission=s2).first()
    replay = ReplayRun.objects.create(submission=s2, requested_by=history.admin, backend="fake", grading_version=1)
    staff_only = {
        "index": reverse("insight:index"),
        "audit": reverse("insight:audit_log"),
        "agreement": reverse("insight:agreement"),
        "training": reverse("insight:training_data"),
        "story": reverse("insight:submission", args=[s2.pk]),
        "run": reverse("insight:run", args=[run.pk]),
        "replay": reverse("insight:replay", args=[replay.pk]),
    }
    class_staff = {
        "problem": reverse("insight:problem_analytics", args=[history.problems[0].pk]),
        "assignment": reverse("insight:assignment_analytics", args=[history.problems[0].assignment_id]),
    }
    return staff_only, class_staff


def test_anonymous_is_sent_to_login_everywhere(client, history):
    staff_only, class_staff = urls(history)
    for name, url in {**staff_only, **class_staff}.items():
        response = client.get(url)
        assert response.status_code == 302, name
        assert response["Location"].startswith(reverse("login")), name


def test_site_staff_reach_every_page_and_superusers_count_as_site_staff(client, history):
    staff_only, class_staff = urls(history)
    for who in (history.admin, UserFactory(username="root", is_superuser=True)):
        client.force_login(who)
        for name, url in {**staff_only, **class_staff}.items():
            assert client.get(url).status_code == 200, name


@pytest.mark.parametrize("who", ["teacher", "student", "inactive_staff"])
def test_everyone_else_gets_404_on_the_site_staff_pages(client, history, who):
    staff_only, class_staff = urls(history)
    user = {
        "teacher": history.teacher,
        "student": history.students[0],
        "inactive_staff": UserFactory(username="gone", is_staff=True, is_active=True),
    }[who]
    client.force_login(user)
    if who == "inactive_staff":
        user.is_active = False
        user.save()
    for name, url in staff_only.items():
        assert client.get(url).status_code in (404, 302), name
    teacher_sees = who == "teacher"
    for name, url in class_staff.items():
        assert client.get(url).status_code == (200 if teacher_sees else 404 if who == "student" else 302), name


def test_the_navigation_offers_insight_to_site_staff_only(client, history):
    client.force_login(history.teacher)
    assert reverse("insight:index") not in client.get(reverse("home")).content.decode()
    client.force_login(history.admin)
    html = client.get(reverse("insight:index")).content.decode()
    assert reverse("insight:assignment_analytics", args=[history.problems[0].assignment_id]) in html
