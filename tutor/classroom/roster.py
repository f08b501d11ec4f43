"""People in a class beyond the join code: a roster imported from CSV (with a preview and one error per row),
temporary passwords and password-reset links set by the teacher, and signing up with the class code.

A roster import creates accounts for usernames that do not exist yet (each with a temporary password the teacher
hands out, shown once) and invites existing accounts as students (they join once they accept, as with any
invitation: nobody is put in a class without their consent), leaving their name, email and password alone.
Only accounts a class's roster created are that class's teachers' to set passwords for
(`access.may_set_password`). All or nothing: a file with any bad row imports nobody.
"""

from __future__ import annotations

import csv
import io
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth import password_validation
from django.contrib.auth.models import User
from django.contrib.auth.tokens import default_token_generator
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from tutor.audit.events import AuditEventType
from tutor.audit.services import record

from . import access, services
from .access import Capability
from .errors import ClassroomError
from .models import JOIN_CODE_ALPHABET, Course, Enrollment, ManagedAccount

COLUMNS = ("username", "name", "email")
NAME_MAX_CHARS = 150
USERNAME_MAX_CHARS = 150


class RosterError(ClassroomError):
    """A roster file that cannot be imported; `errors` lists every problem, each naming its line."""

    def __init__(self, errors: list[str]) -> None:
        self.errors = errors
        super().__init__(errors, code="bad_roster")


@dataclass(frozen=True)
class RosterRow:
    line: int
    username: str
    name: str
    email: str
    # "new" (an account will be created), "existing" (an account that exists is invited as a student), "member"
    # (already in the class: nothing to do), or "error".
    outcome: str
    error: str = ""

    @property
    def outcome_label(self) -> str:
        return {
            "new": "New account",
            "existing": "Existing account: invited (joins once they accept)",
            "member": "Already in the class",
            "error": "Error",
        }[self.outcome]


@dataclass(frozen=True)
class RosterPreview:
    rows: tuple[RosterRow, ...]

    @property
    def errors(self) -> list[str]:
        return [f"Line {row.line}: {row.error}" for row in self.rows if row.outcome == "error"]

    def count(self, outcome: str) -> int:
        return sum(1 for row in self.rows if row.outcome == outcome)


@dataclass
class RosterResult:
    # (account, its temporary password): shown to the teacher once, never stored in the clear.
    created: list[tuple[User, str]] = field(default_factory=list)
    invited: list[User] = field(default_factory=list)
    already: list[str] = field(default_factory=list)


def temporary_password() -> str:
    """Eight characters that are easy to read aloud and type (no 0/O, 1/I), in two groups: about 40 bits."""
    raw = "".join(secrets.choice(JOIN_CODE_ALPHABET) for _ in range(8))
    return f"{raw[:4]}-{raw[4:]}"


# --- Reading the file -----------------------------------------------------------------------------------------


def _rows(content: bytes) -> list[tuple[int, dict[str, str]]]:
    """The data rows as {column: value}, each with its line number. Raises RosterError for a file that cannot be
    read at all (size, encoding, header)."""
    if len(content) > settings.ROSTER_MAX_BYTES:
        raise RosterError([f"File: it is {len(content):,} bytes; the limit is {settings.ROSTER_MAX_BYTES:,} bytes."])
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise RosterError(
            [f"File: it is not UTF-8 text (byte {exc.start} is invalid). Save it as “CSV UTF-8”."]
        ) from exc
    if "\x00" in text:
        raise RosterError(["File: it contains NUL characters; save it as a CSV file, not a spreadsheet."])
    first_line = text.split("\n", 1)[0]
    # Spreadsheets in many countries save CSV with semicolons.
    delimiter = ";" if ";" in first_line and "," not in first_line else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    try:
        header = next(reader, None)
    except csv.Error as exc:
        raise RosterError([f"Line 1: {exc}."]) from exc
    if header is None:
        raise RosterError(["File: it is empty. The first line names the columns: username,name,email."])
    names = [column.strip().lower() for column in header]
    if "username" not in names:
        raise RosterError(
            [f"Line 1: the first line must name the columns, with at least “username” ({', '.join(COLUMNS)})."]
        )
    unknown = [column for column in names if column and column not in COLUMNS]
    if unknown:
        raise RosterError([f"Line 1: unknown column(s) {', '.join(unknown)}; the columns are {', '.join(COLUMNS)}."])
    rows: list[tuple[int, dict[str, str]]] = []
    try:
        for values in reader:
            if len(rows) >= settings.ROSTER_MAX_ROWS:
                raise RosterError(
                    [f"File: it has more than {settings.ROSTER_MAX_ROWS:,} rows; split it into several files."]
                )
            if not any(value.strip() for value in values):
                continue
            row = {name: value.strip() for name, value in zip(names, values, strict=False) if name}
            if len(values) > len(names):
                row["__extra__"] = "yes"
            rows.append((reader.line_num, row))
    except csv.Error as exc:
        raise RosterError([f"Line {reader.line_num}: {exc}."]) from exc
    if not rows:
        raise RosterError(["File: it has a header but no students."])
    return rows


def _row_error(row: dict[str, str]) -> str:
    username, name, email = row.get("username", ""), row.get("name", ""), row.get("email", "")
    if "__extra__" in row:
        return "it has more values than the header has columns (a comma inside a name? put the name in quotes)."
    if not username:
        return "the username is empty."
    if len(username) > USERNAME_MAX_CHARS:
        return f"the username is longer than {USERNAME_MAX_CHARS} characters."
    try:
        UnicodeUsernameValidator()(username)
    except ValidationError:
        return f"the username {username[:40]!r} may contain only letters, digits and @ . + - _ (no spaces)."
    if len(name) > NAME_MAX_CHARS:
        return f"the name is longer than {NAME_MAX_CHARS} characters."
    if email:
        try:
            validate_email(email)
        except ValidationError:
            return f"{email[:60]!r} is not an email address."
    return ""


def roster_preview(*, course: Course, content: bytes) -> RosterPreview:
    """What importing this file would do, row by row. Reads only."""
    parsed = _rows(content)
    usernames = {row.get("username", "") for _, row in parsed}
    lowered = User.objects.annotate(lowered=Lower("username")).filter(lowered__in={name.lower() for name in usernames})
    existing = {user.username.lower(): user for user in lowered}
    members = set(
        Enrollment.objects.filter(course=course, user__username__in=usernames).values_list("user__username", flat=True)
    )
    seen: dict[str, int] = {}
    rows = []
    for line, row in parsed:
        username, name, email = row.get("username", ""), row.get("name", ""), row.get("email", "")
        error = _row_error(row)
        if not error and username.lower() in seen:
            error = f"{username!r} is also on line {seen[username.lower()]}."
        seen.setdefault(username.lower(), line)
        if error:
            outcome = "error"
        elif username in members:
            outcome = "member"
        elif username.lower() in existing:
            account = existing[username.lower()]
            if account.username != username:
                outcome, error = "error", f"there is an account {account.username!r}; write the username exactly so."
            else:
                outcome = "existing"
        else:
            outcome = "new"
        rows.append(RosterRow(line=line, username=username, name=name, email=email, outcome=outcome, error=error))
    return RosterPreview(rows=tuple(rows))


# --- Writing ----------------------------------------------------------------------------------------------------


def _authorize(actor: User, course: Course) -> None:
    access.require(actor, course.pk, Capability.MANAGE, "Only a teacher of this class can change its roster.")


@transaction.atomic
def roster_import(*, actor: User, course: Course, content: bytes) -> RosterResult:
    """Create the new accounts the file lists (in the class) and invite the existing ones. All or nothing: any bad
    row and nothing changes."""
    _authorize(actor, course)
    course = Course.objects.select_for_update().get(pk=course.pk)
    preview = roster_preview(course=course, content=content)
    if preview.errors:
        raise RosterError(preview.errors)
    result = RosterResult()
    for row in preview.rows:
        if row.outcome == "member":
            result.already.append(row.username)
            continue
        if row.outcome == "new":
            password = temporary_password()
            try:
                with transaction.atomic():
                    user = User.objects.create_user(
                        username=row.username, email=row.email, password=password, first_name=row.name
                    )
            except IntegrityError as exc:  # created by someone else since the preview
                raise RosterError(
                    [f"Line {row.line}: the username {row.username!r} was just taken; try again."]
                ) from exc
            ManagedAccount.objects.create(user=user, course=course, created_by=actor)
            result.created.append((user, password))
            Enrollment.objects.create(course=course, user=user, role=Enrollment.Role.STUDENT)
        else:
            user = User.objects.get(username=row.username)
            if Enrollment.objects.filter(course=course, user=user).exists():  # joined since the preview
                result.already.append(user.username)
                continue
            services.invitation_create(actor=actor, course=course, username=user.username, role=Enrollment.Role.STUDENT)
            result.invited.append(user)
    record(
        event_type=AuditEventType.ROSTER_IMPORTED,
        target=course,
        actor=actor,
        course_id=course.pk,
        details={
            "created": [user.username for user, _ in result.created],
            "invited": [user.username for user in result.invited],
            "already": result.already,
        },
    )
    return result


def _student_of(course: Course, student: User) -> Enrollment:
    enrollment = Enrollment.objects.filter(course=course, user=student, role=Enrollment.Role.STUDENT).first()
    if enrollment is None:
        raise ClassroomError(f"{student.get_username()} is not a student of this class.", code="not_a_student")
    return enrollment


@transaction.atomic
def student_password_set(*, actor: User, course: Course, student: User, password: str = "") -> str:
    """Set a temporary password on an account this class's roster created (a new random one when `password` is
    empty). Returns it, to be shown to the teacher once."""
    _authorize(actor, course)
    _student_of(course, student)
    if not access.may_set_password(actor, course.pk, student):
        raise ClassroomError(
            f"{student.get_username()} made their own account (or is staff), so only they can change its password. "
            "Send them a password-reset link instead.",
            code="not_managed",
        )
    student = User.objects.select_for_update().get(pk=student.pk)
    password = password or temporary_password()
    try:
        password_validation.validate_password(password, student)
    except ValidationError as exc:
        raise ClassroomError(list(exc.messages), code="weak_password") from exc
    student.set_password(password)
    student.save(update_fields=["password"])
    record(
        event_type=AuditEventType.PASSWORD_SET,
        target=student,
        actor=actor,
        course_id=course.pk,
        details={"username": student.username},
    )
    return password


def password_reset_path(user: User) -> str:
    """The path of the page where `user` chooses a new password (Django's password-reset confirmation)."""
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    return reverse("password_reset_confirm", args=[uid, default_token_generator.make_token(user)])


@transaction.atomic
def student_password_reset_send(*, actor: User, course: Course, student: User, absolute: Callable[[str], str]) -> None:
    """Email a student a link to choose a new password (Django's password reset). `absolute` turns a path into a
    full address (the request's build_absolute_uri). The link reaches only the account's own email address."""
    _authorize(actor, course)
    _student_of(course, student)
    if access.is_site_staff(student) or Enrollment.objects.filter(user=student, role__in=access.STAFF_ROLES).exists():
        raise ClassroomError("This account belongs to staff; they reset their own password.", code="staff_account")
    if not student.email:
        raise ClassroomError(
            f"{student.get_username()} has no email address. Set a temporary password instead.", code="no_email"
        )
    record(
        event_type=AuditEventType.PASSWORD_RESET_SENT,
        target=student,
        actor=actor,
        course_id=course.pk,
        details={"username": student.username},
    )
    link = absolute(password_reset_path(student))
    body = (
        f"Hello {student.get_full_name() or student.username},\n\n"
        f"Your teacher in {course.name} sent you this link to choose a new password for Stepwise Tutor "
        f"(your username is {student.username}):\n\n{link}\n\nThe link works once. If you did not expect it, "
        "you can ignore this email.\n"
    )
    try:
        send_mail("Choose your Stepwise Tutor password", body, None, [student.email])
    except Exception as exc:  # nothing is recorded when the mail could not go
        raise ClassroomError("The email could not be sent; try again later or set a temporary password.") from exc


@transaction.atomic
def student_signup(*, join_code: str, username: str, password: str, name: str = "", email: str = "") -> User:
    """Someone without an account creates one with a class code, for a class that allows it, and joins it."""
    code = join_code.strip().upper().replace(" ", "").replace("-", "")
    course = Course.objects.filter(join_code=code).first()
    if course is None or course.archived_at is not None:
        raise ClassroomError(f"No class has the code {code or '(empty)'}. Check it with your teacher.", code="bad_code")
    if not course.allow_signup:
        raise ClassroomError(
            f"{course.name} does not take sign-ups. Ask your teacher for an account.", code="signup_closed"
        )
    username = username.strip()
    problem = _row_error({"username": username, "name": name.strip(), "email": email.strip()})
    if problem:
        raise ClassroomError(problem[0].upper() + problem[1:], code="bad_account")
    if User.objects.filter(username__iexact=username).exists():
        raise ClassroomError(f"The username {username!r} is taken; choose another one.", code="taken")
    candidate = User(username=username, first_name=name.strip(), email=email.strip())
    try:
        password_validation.validate_password(password, candidate)
    except ValidationError as exc:
        raise ClassroomError(list(exc.messages), code="weak_password") from exc
    try:
        with transaction.atomic():
            user = User.objects.create_user(
                username=username, password=password, first_name=name.strip(), email=email.strip()
            )
    except IntegrityError as exc:
        raise ClassroomError(f"The username {username!r} is taken; choose another one.", code="taken") from exc
    enrollment = Enrollment.objects.create(course=course, user=user, role=Enrollment.Role.STUDENT)
    record(
        event_type=AuditEventType.SIGNED_UP,
        target=course,
        actor=user,
        course_id=course.pk,
        details={"user_id": user.pk, "username": user.username, "enrollment_id": enrollment.pk},
    )
    return user
