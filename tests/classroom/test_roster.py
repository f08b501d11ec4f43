"""Rosters: a CSV import with a preview and one clear error per row, all or nothing; temporary passwords only on
accounts the class's roster created; password-reset links by email; signing up with a class code."""

from __future__ import annotations

import base64
import re

import pytest
from django.contrib.auth.models import User
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tests.coursework import make_world
from tests.factories import UserFactory, invite_and_accept
from tutor.audit.models import AuditEvent
from tutor.classroom import access, content, roster, services
from tutor.classroom.errors import ClassroomError
from tutor.classroom.models import Enrollment, ManagedAccount

pytestmark = pytest.mark.django_db

GOOD = b"username,name,email\namara.o,Amara Okafor,amara@example.org\nlee.j,Jun Lee,\nstudent,Already Here,\n"


@pytest.fixture
def world():
    return make_world()


def test_preview_says_what_each_row_will_do_and_changes_nothing(world):
    UserFactory(username="lee.j")  # an account that exists, in no class yet
    preview = roster.roster_preview(course=world.course, content=GOOD)
    assert [(row.line, row.username, row.outcome) for row in preview.rows] == [
        (2, "amara.o", "new"),
        (3, "lee.j", "existing"),
        (4, "student", "member"),
    ]
    assert not User.objects.filter(username="amara.o").exists()


def test_import_creates_accounts_with_temporary_passwords_and_invites_existing_ones(world):
    UserFactory(username="lee.j", first_name="Jun")
    result = roster.roster_import(actor=world.teacher, course=world.course, content=GOOD)
    # The new account: named, with its email, a temporary password that works, owned by this class's roster
    [(amara, password)] = result.created
    assert (amara.username, amara.first_name, amara.email) == ("amara.o", "Amara Okafor", "amara@example.org")
    assert re.fullmatch(r"[A-Z2-9]{4}-[A-Z2-9]{4}", password)
    assert User.objects.get(username="amara.o").check_password(password)
    assert ManagedAccount.objects.get(user=amara).course == world.course
    # The existing account is invited, left as it is, and joins only when its owner accepts; the member stays
    assert [user.username for user in result.invited] == ["lee.j"]
    assert User.objects.get(username="lee.j").first_name == "Jun"
    assert result.already == ["student"]
    roles = dict(Enrollment.objects.filter(course=world.course).values_list("user__username", "role"))
    assert roles["amara.o"] == "student"
    assert "lee.j" not in roles
    invitation = world.course.invitations.get(user__username="lee.j")
    assert (invitation.status, invitation.role) == ("pending", "student")
    # One audit event names who was created and who was invited, never a password
    [event] = AuditEvent.objects.filter(event_type="roster.imported")
    assert event.details == {"created": ["amara.o"], "invited": ["lee.j"], "already": ["student"]}
    assert password not in str(event.details)


@pytest.mark.parametrize(
    ("data", "error"),
    [
        (b"username,name\nbad name,X\n", "Line 2: the username 'bad name' may contain only letters"),
        (b"username,email\nok.one,not-an-email\n", "Line 2: 'not-an-email' is not an email address."),
        (b"username,name\nsame,A\nsame,B\n", "Line 3: 'same' is also on line 2."),
        (b"username,name\n,Nobody\n", "Line 2: the username is empty."),
        (b"username,name\njo,Jo,Smith\n", "Line 2: it has more values than the header has columns"),
        (b"username,name\nSTUDENT,Caps\n", "Line 2: there is an account 'student'; write the username exactly so."),
        (("username,name\n" + "x" * 151 + ",Long\n").encode(), "longer than 150 characters"),
    ],
    ids=["spaces", "email", "twice", "empty", "extra_column", "case", "too_long"],
)
def test_a_bad_row_is_named_and_nobody_is_added(world, data, error):
    with pytest.raises(roster.RosterError) as caught:
        roster.roster_import(actor=world.teacher, course=world.course, content=data)
    assert any(message.startswith(error) or error in message for message in caught.value.errors), caught.value.errors
    assert Enrollment.objects.filter(course=world.course).count() == 4
    assert not AuditEvent.objects.filter(event_type="roster.imported").exists()


@pytest.mark.parametrize(
    ("data", "error"),
    [
        (b"", "File: it is empty"),
        (b"name,email\nA,a@example.org\n", "Line 1: the first line must name the columns"),
        (b"username,age\nx,12\n", "Line 1: unknown column(s) age"),
        (b"username\n", "File: it has a header but no students."),
        ("username\nJosé\n".encode("latin-1"), "it is not UTF-8 text"),
        (b"username\nx\x00y\n", "NUL characters"),
        (b'username\n"unclosed\n', "unexpected end of data"),
    ],
    ids=["empty", "no_username_column", "unknown_column", "no_rows", "latin1", "nul", "bad_quotes"],
)
def test_an_unreadable_file_gets_a_clear_error(world, data, error):
    with pytest.raises(roster.RosterError) as caught:
        roster.roster_preview(course=world.course, content=data)
    assert error in caught.value.errors[0]


def test_semicolons_and_an_excel_byte_order_mark_are_read(world):
    data = "\ufeffusername;name;email\nzoé.b;Zoé Bernard;\n".encode()
    [row] = roster.roster_preview(course=world.course, content=data).rows
    assert (row.username, row.name, row.outcome) == ("zoé.b", "Zoé Bernard", "new")


def test_size_and_row_limits(world, settings):
    settings.ROSTER_MAX_ROWS = 3
    data = b"username\n" + b"".join(f"s{i}\n".encode() for i in range(4))
    with pytest.raises(roster.RosterError, match="more than 3 rows"):
        roster.roster_preview(course=world.course, content=data)
    settings.ROSTER_MAX_BYTES = 100
    with pytest.raises(roster.RosterError, match="the limit is 100 bytes"):
        roster.roster_preview(course=world.course, content=b"username\n" + b"a" * 200)


@pytest.mark.parametrize("who", ["ta", "student", "teacher_b"])
def test_only_the_teacher_imports_a_roster(world, who):
    with pytest.raises(ClassroomError, match="Only a teacher of this class"):
        roster.roster_import(actor=world.user(who), course=world.course, content=GOOD)
    assert not User.objects.filter(username="amara.o").exists()


def test_the_pages_preview_then_confirm(world, client):
    client.force_login(world.teacher)
    url = reverse("roster_import", args=[world.course.pk])
    page = client.post(url, {"step": "preview", "file": SimpleUploadedFile("r.csv", GOOD)}).content.decode()
    assert "Check the list" in page
    assert "New account" in page
    assert not User.objects.filter(username="amara.o").exists()
    carried = base64.b64encode(GOOD).decode()
    page = client.post(url, {"step": "confirm", "content": carried, "filename": "r.csv"}).content.decode()
    assert "Copy or print these temporary passwords now" in page
    assert User.objects.filter(username="amara.o").exists()


# --- Passwords ------------------------------------------------------------------------------------------------


def test_the_teacher_sets_a_temporary_password_on_an_account_the_roster_created(world):
    result = roster.roster_import(actor=world.teacher, course=world.course, content=GOOD)
    amara = result.created[0][0]
    chosen = roster.student_password_set(
        actor=world.teacher, course=world.course, student=amara, password="sunflower-42"
    )
    assert chosen == "sunflower-42"
    assert User.objects.get(pk=amara.pk).check_password("sunflower-42")
    generated = roster.student_password_set(actor=world.teacher, course=world.course, student=amara)
    assert User.objects.get(pk=amara.pk).check_password(generated)
    events = AuditEvent.objects.filter(event_type="account.password_set", target_id=str(amara.pk))
    assert events.count() == 2
    assert all("sunflower" not in str(event.details) for event in events)


def test_a_weak_temporary_password_is_refused(world):
    amara = roster.roster_import(actor=world.teacher, course=world.course, content=GOOD).created[0][0]
    with pytest.raises(ClassroomError, match="too short"):
        roster.student_password_set(actor=world.teacher, course=world.course, student=amara, password="abc")


def test_no_teacher_can_take_over_an_account_the_class_did_not_create(world):
    # Given a student who made their own account, a colleague enrolled as a student, and a site admin
    colleague = world.teacher_b
    invite_and_accept(actor=world.teacher, course=world.course, username="teacher_b", role="student")
    admin = UserFactory(username="root", is_staff=True, is_superuser=True)
    invite_and_accept(actor=world.teacher, course=world.course, username="root", role="student")
    # Then the teacher may set none of their passwords
    for victim in (world.student, colleague, admin):
        assert not access.may_set_password(world.teacher, world.course.pk, victim)
        with pytest.raises(ClassroomError, match="only they can change its password"):
            roster.student_password_set(
                actor=world.teacher, course=world.course, student=victim, password="hijacked-99"
            )
        assert not User.objects.get(pk=victim.pk).check_password("hijacked-99")


def test_roster_accounts_are_only_their_own_class_teachers_to_manage(world):
    amara = roster.roster_import(actor=world.teacher, course=world.course, content=GOOD).created[0][0]
    # Teacher B enrolls Amara in class B as a student: B did not create the account
    invite_and_accept(actor=world.teacher_b, course=world.course_b, username="amara.o", role="student")
    assert not access.may_set_password(world.teacher_b, world.course_b.pk, amara)
    # A TA of the class that created it cannot either (setting passwords is the roster's, the teacher's)
    assert not access.may_set_password(world.ta, world.course.pk, amara)
    with pytest.raises(ClassroomError, match="Only a teacher"):
        roster.student_password_set(actor=world.ta, course=world.course, student=amara)
    # Once the account holds a staff role somewhere, nobody's roster manages it
    invite_and_accept(
        actor=world.teacher_b,
        course=services.course_create(teacher=world.teacher_b, name="C"),
        username="amara.o",
        role="ta",
    )
    assert not access.may_set_password(world.teacher, world.course.pk, amara)


def test_a_reset_link_goes_to_the_students_email_and_lets_them_choose_a_password(world, client):
    world.student.email = "student@example.org"
    world.student.save()
    roster.student_password_reset_send(
        actor=world.teacher,
        course=world.course,
        student=world.student,
        absolute=lambda path: f"http://testserver{path}",
    )
    [message] = mail.outbox
    assert message.to == ["student@example.org"]
    link = re.search(r"http://testserver(/reset/\S+)", message.body).group(1)
    assert AuditEvent.objects.filter(event_type="account.password_reset_sent", target_id=str(world.student.pk)).exists()
    # The student follows it and saves a new password
    response = client.get(link, follow=True)
    assert "Choose a new password" in response.content.decode()
    response = client.post(
        response.redirect_chain[-1][0], {"new_password1": "A-new-one-2027", "new_password2": "A-new-one-2027"}
    )
    assert response.status_code == 302
    assert User.objects.get(pk=world.student.pk).check_password("A-new-one-2027")


def test_no_reset_link_without_an_email_or_to_staff(world):
    with pytest.raises(ClassroomError, match="has no email address"):
        roster.student_password_reset_send(
            actor=world.teacher, course=world.course, student=world.student, absolute=str
        )
    world.ta.email = "ta@example.org"
    world.ta.save()
    with pytest.raises(ClassroomError, match="not a student of this class"):
        roster.student_password_reset_send(actor=world.teacher, course=world.course, student=world.ta, absolute=str)
    assert not mail.outbox


# --- Signing up with a class code -------------------------------------------------------------------------------


def test_a_student_signs_up_with_the_code_when_the_teacher_allows_it(world, client):
    data = {
        "join_code": world.course.join_code.lower(),
        "username": "new.kid",
        "name": "New Kid",
        "email": "",
        "password1": "a-long-password-1",
        "password2": "a-long-password-1",
    }
    # While sign-ups are off / Then the page says so and no account is made
    response = client.post(reverse("signup"), data)
    assert "does not take sign-ups" in response.content.decode()
    assert not User.objects.filter(username="new.kid").exists()
    # When the teacher allows sign-ups / Then the student gets an account, joins the class and is logged in
    content.course_update(actor=world.teacher, course=world.course, fields={"allow_signup": True})
    response = client.post(reverse("signup"), data)
    assert response["Location"] == reverse("course_detail", args=[world.course.pk])
    user = User.objects.get(username="new.kid")
    assert Enrollment.objects.get(user=user).role == "student"
    assert client.get(reverse("home")).context["user"] == user
    assert AuditEvent.objects.filter(event_type="account.signed_up", actor=user).exists()


@pytest.mark.parametrize(
    ("changes", "error"),
    [
        ({"username": "Student"}, "is taken"),
        ({"password2": "something-else-9"}, "not the same"),
        ({"password1": "short", "password2": "short"}, "too short"),
        ({"join_code": "NOPE"}, "No class has the code NOPE"),
        ({"username": "has space"}, "Enter a valid username"),
    ],
    ids=["taken", "mismatch", "weak", "bad_code", "bad_username"],
)
def test_sign_up_refusals_are_clear(world, client, changes, error):
    content.course_update(actor=world.teacher, course=world.course, fields={"allow_signup": True})
    data = {
        "join_code": world.course.join_code,
        "username": "kid",
        "name": "",
        "email": "",
        "password1": "a-long-password-1",
        "password2": "a-long-password-1",
    }
    response = client.post(reverse("signup"), {**data, **changes})
    assert response.status_code == 400
    assert error in response.content.decode()
    assert User.objects.filter(username__in=["kid", "has space"]).count() == 0


def test_an_archived_class_takes_no_sign_ups(world):
    content.course_update(actor=world.teacher, course=world.course, fields={"allow_signup": True})
    content.course_archive(actor=world.teacher, course=world.course)
    with pytest.raises(ClassroomError, match="No class has the code"):
        roster.student_signup(join_code=world.course.join_code, username="late", password="a-long-password-1")
