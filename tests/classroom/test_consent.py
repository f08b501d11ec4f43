"""Consent: creating classes needs the teacher permission a site admin grants; adding an existing account to a
class makes an invitation that person accepts or declines; the roster form never reveals whether a username
exists."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse

from tests.factories import UserFactory
from tutor.audit.models import AuditEvent
from tutor.classroom import access, services
from tutor.classroom.models import Course, Enrollment, Invitation

pytestmark = pytest.mark.django_db


def message_after(response) -> str:
    return " ".join(str(m) for m in response.context["messages"])


def test_an_account_without_the_teacher_permission_cannot_create_a_class(client):
    # Given an ordinary account
    user = UserFactory(username="plain")
    client.force_login(user)
    # Then its home page offers no class creation and says whom to ask
    home = client.get(reverse("home")).content.decode()
    assert 'data-testid="needs-teacher-permission"' in home
    assert reverse("course_create") not in home
    # And posting anyway creates nothing, with the reason
    response = client.post(reverse("course_create"), {"name": "Mine"}, follow=True)
    assert "Creating classes needs the teacher permission" in message_after(response)
    assert not Course.objects.exists()
    with pytest.raises(services.ClassroomError) as info:
        services.course_create(teacher=user, name="Mine")
    assert info.value.code == "not_a_teacher"


def test_a_site_admin_grants_the_teacher_permission_and_can_revoke_it(client):
    user = UserFactory(username="newteacher")
    out = StringIO()
    call_command("teacher_grant", "newteacher", stdout=out)
    assert "newteacher can now create classes" in out.getvalue()
    user = type(user).objects.get(pk=user.pk)
    assert access.may_create_courses(user)
    client.force_login(user)
    client.post(reverse("course_create"), {"name": "Geometry"})
    assert Course.objects.filter(name="Geometry", created_by=user).exists()
    call_command("teacher_grant", "newteacher", "--revoke", stdout=out)
    assert not access.may_create_courses(type(user).objects.get(pk=user.pk))


def test_superusers_and_the_demo_teacher_may_create_classes():
    assert access.may_create_courses(UserFactory(username="root", is_superuser=True))
    call_command("load_demo", stdout=StringIO())
    demo = type(UserFactory()).objects.get(username="teacher")
    assert access.may_create_courses(demo)
    assert not access.may_create_courses(type(demo).objects.get(username="alice"))


def test_adding_an_account_invites_it_and_the_message_is_the_same_whether_it_exists(client, teacher, course):
    # Given one real account and one name that is nobody's
    UserFactory(username="helper")
    client.force_login(teacher)
    url = reverse("member_add", args=[course.pk])
    # When the teacher adds each
    real = message_after(client.post(url, {"username": "helper", "role": "ta"}, follow=True))
    ghost = message_after(client.post(url, {"username": "ghost", "role": "ta"}, follow=True))
    again = message_after(client.post(url, {"username": "helper", "role": "ta"}, follow=True))
    # Then the answers read the same (apart from the name typed), and nobody was enrolled
    assert real.replace("helper", "X") == ghost.replace("ghost", "X") == again.replace("helper", "X")
    assert "accept the invitation" in real
    assert not Enrollment.objects.filter(course=course, user__username="helper").exists()
    [invitation] = Invitation.objects.filter(course=course)
    assert (invitation.user.username, invitation.role, invitation.status) == ("helper", "ta", "pending")
    assert AuditEvent.objects.filter(event_type="invitation.created").count() == 1


def test_the_invited_person_accepts_on_their_home_page_and_joins_in_that_role(client, teacher, course):
    helper = UserFactory(username="helper")
    services.invitation_create(actor=teacher, course=course, username="helper", role="ta")
    invitation = Invitation.objects.get()
    client.force_login(helper)
    home = client.get(reverse("home")).content.decode()
    assert 'data-testid="invitations"' in home
    assert "Algebra 1" in home
    assert reverse("invitation_accept", args=[invitation.pk]) in home
    response = client.post(reverse("invitation_accept", args=[invitation.pk]), follow=True)
    assert "You joined Algebra 1." in message_after(response)
    assert Enrollment.objects.get(course=course, user=helper).role == Enrollment.Role.TA
    invitation.refresh_from_db()
    assert invitation.status == "accepted"
    assert {e.event_type for e in AuditEvent.objects.filter(actor=helper)} == {
        "invitation.accepted",
        "enrollment.added",
    }
    assert 'data-testid="invitations"' not in client.get(reverse("home")).content.decode()


def test_declining_leaves_them_out_and_only_the_invited_person_can_answer(client, teacher, course):
    helper = UserFactory(username="helper")
    intruder = UserFactory(username="intruder")
    services.invitation_create(actor=teacher, course=course, username="helper", role="student")
    invitation = Invitation.objects.get()
    client.force_login(intruder)
    assert client.post(reverse("invitation_accept", args=[invitation.pk])).status_code == 404
    assert not Enrollment.objects.filter(course=course, user=intruder).exists()
    client.force_login(helper)
    client.post(reverse("invitation_decline", args=[invitation.pk]))
    invitation.refresh_from_db()
    assert invitation.status == "declined"
    assert not Enrollment.objects.filter(course=course, user=helper).exists()
    response = client.post(reverse("invitation_accept", args=[invitation.pk]), follow=True)
    assert "no longer open" in message_after(response)


def test_only_the_teacher_invites(course, enrolled, student):
    UserFactory(username="friend")
    with pytest.raises(services.ClassroomError, match="Only a teacher"):
        services.invitation_create(actor=student, course=course, username="friend", role="student")
