"""Who may do what: the one place the permission rules live.

A user's standing in a class is their enrollment role (teacher, teaching assistant, student, or none) plus one
site-wide rule:

- **Site staff** (Django's `is_staff` or `is_superuser`, active accounts only) can *read* every class: its pages,
  its submissions, its gradebooks and audit pages. They can change grades, but only through the same audited
  grading services a teacher uses. They do not author content or manage rosters unless they are enrolled as
  the class's teacher; the Django admin is theirs for everything else.
- **Teachers and TAs** (course staff) read everything in their class, author, edit, reorder and archive
  assignments and problems, grade, regrade in bulk and answer regrade requests. Only teachers change the
  roster and the class's own settings (name, time zone, sign-ups, archiving the class), grant per-student
  exceptions (extensions, extra attempts, extra time), and set the passwords of accounts their roster import
  created (`may_set_password`).
- **Students** see their class and its assignments once they have opened, submit their own work (whether
  they may submit *now* is the submission policy's question: `grading.policy`) and ask for regrades of it.
  They never edit anything. An **archived class** is hidden from its students and takes no submissions; its
  staff keep every capability to read it (and to restore it).

Outside any class, one rule: **creating classes** needs the teacher permission (`classroom.create_course`),
which a site admin grants (superusers have it). Being added to a class by someone else takes the person's
consent: an invitation they accept on their home page.

Views turn a refusal into a 404 (ids never leak); services turn it into their app's error. Both ask here.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import Q, QuerySet
from django.http import Http404

from .errors import ClassroomError
from .models import Enrollment, ManagedAccount

AnyUser = AbstractBaseUser | AnonymousUser
Role = Enrollment.Role
STAFF_ROLES: frozenset[str] = frozenset({Role.TEACHER, Role.TA})


class Capability(enum.Enum):
    VIEW = "view"  # the class page, its opened assignments and problems
    VIEW_STAFF = "view_staff"  # rosters, every student's work, gradebooks, audit pages, unopened assignments
    GRADE = "grade"  # overrides, regrades, confirming reviewed grades
    AUTHOR = "author"  # create assignments and problems, upload problem sets
    MANAGE = "manage"  # the roster and the class's own settings
    ACCOMMODATE = "accommodate"  # per-student exceptions: extensions, extra attempts, extra time
    SUBMIT = "submit"  # hand in work (and ask for regrades of it) as a student of the class


def is_site_staff(user: AnyUser | None) -> bool:
    if user is None or not user.is_authenticated or not getattr(user, "is_active", False):
        return False
    return bool(getattr(user, "is_staff", False) or getattr(user, "is_superuser", False))


def site_staff_or_404(user: AnyUser | None) -> None:
    """For the site-wide pages (the audit log, verifier agreement, training data, run detail and replay): site
    staff only; anyone else gets the same 404 as for a page that does not exist."""
    if not is_site_staff(user):
        raise Http404("Not found.")


@dataclass(frozen=True)
class CourseAccess:
    """One user's standing in one class."""

    course_id: int
    role: str | None
    site_staff: bool = False
    archived: bool = False

    @property
    def is_member(self) -> bool:
        return self.role is not None

    @property
    def is_course_staff(self) -> bool:
        """Teacher or TA of this class (site staff who are not enrolled are not)."""
        return self.role in STAFF_ROLES

    @property
    def is_teacher(self) -> bool:
        return self.role == Role.TEACHER

    @property
    def is_student(self) -> bool:
        return self.role == Role.STUDENT

    @property
    def sees_staff_pages(self) -> bool:
        return self.allows(Capability.VIEW_STAFF)

    @property
    def can_grade(self) -> bool:
        return self.allows(Capability.GRADE)

    @property
    def can_author(self) -> bool:
        return self.allows(Capability.AUTHOR)

    @property
    def can_manage(self) -> bool:
        return self.allows(Capability.MANAGE)

    @property
    def can_accommodate(self) -> bool:
        return self.allows(Capability.ACCOMMODATE)

    def allows(self, capability: Capability) -> bool:
        match capability:
            case Capability.VIEW:
                return (self.is_member and not (self.archived and self.is_student)) or self.site_staff
            case Capability.VIEW_STAFF | Capability.GRADE:
                return self.is_course_staff or self.site_staff
            case Capability.AUTHOR:
                return self.is_course_staff
            case Capability.MANAGE | Capability.ACCOMMODATE:
                return self.is_teacher
            case Capability.SUBMIT:
                return self.is_student and not self.archived


NO_ACCESS = CourseAccess(course_id=0, role=None)


def course_access(user: AnyUser | None, course_id: int) -> CourseAccess:
    if user is None or not user.is_authenticated:
        return CourseAccess(course_id=course_id, role=None)
    row = Enrollment.objects.filter(course_id=course_id, user_id=user.pk).values_list("role", "course__archived_at")
    role, archived_at = row.first() or (None, None)
    return CourseAccess(
        course_id=course_id, role=role, site_staff=is_site_staff(user), archived=archived_at is not None
    )


def can(user: AnyUser | None, course_id: int, capability: Capability) -> bool:
    return course_access(user, course_id).allows(capability)


REFUSALS = {
    Capability.MANAGE: "Only a teacher of this class can do that.",
    Capability.AUTHOR: "Only the teacher or a teaching assistant of this class can do that.",
}


def require(user: AnyUser | None, course_id: int, capability: Capability, refusal: str = "") -> CourseAccess:
    """For services: the user's access, or the classroom's error (code "forbidden") saying who may do it."""
    found = course_access(user, course_id)
    if not found.allows(capability):
        message = refusal or REFUSALS.get(capability, "You cannot do that in this class.")
        raise ClassroomError(message, code="forbidden")
    return found


def access_or_404(user: AnyUser | None, course_id: int, capability: Capability) -> CourseAccess:
    """For views: the user's access, or a 404 that says nothing about whether the object exists."""
    access = course_access(user, course_id)
    if not access.allows(capability):
        raise Http404("Not found.")
    return access


def course_ids(user: AnyUser | None, capability: Capability) -> QuerySet[Enrollment, int] | None:
    """The classes where `user` has `capability`, as a subquery of ids; None means every class (site staff)."""
    if user is None or not user.is_authenticated:
        return Enrollment.objects.none().values_list("course_id", flat=True)
    if is_site_staff(user) and CourseAccess(0, None, site_staff=True).allows(capability):
        return None
    anywhere = [role for role in Role.values if CourseAccess(0, role, archived=True).allows(capability)]
    live_only = [role for role in Role.values if CourseAccess(0, role).allows(capability) and role not in anywhere]
    return Enrollment.objects.filter(
        Q(role__in=anywhere) | Q(role__in=live_only, course__archived_at__isnull=True), user_id=user.pk
    ).values_list("course_id", flat=True)


def course_filter(user: AnyUser | None, capability: Capability, path: str = "course_id") -> Q:
    """A filter on any queryset that reaches a class through `path` (e.g. "problem__assignment__course_id")."""
    ids = course_ids(user, capability)
    # Every class: a condition that always holds (an empty Q() would vanish when OR-ed with another).
    return Q(**{f"{path}__isnull": False}) if ids is None else Q(**{f"{path}__in": ids})


def teaches_anywhere(user: AnyUser | None) -> bool:
    """Whether the teacher tools (the review queue) belong in this user's navigation."""
    if is_site_staff(user):
        return True
    if user is None or not user.is_authenticated:
        return False
    return Enrollment.objects.filter(user_id=user.pk, role__in=STAFF_ROLES).exists()


def may_set_password(actor: AnyUser | None, course_id: int, student: AbstractBaseUser) -> bool:
    """Whether `actor` may set `student`'s password: a teacher of the class, for an account that class's roster
    import created, that is a student of the class and holds no staff role anywhere (and is not site staff). A
    teacher can never take over an account someone made for themselves or a colleague's."""
    if not can(actor, course_id, Capability.MANAGE) or is_site_staff(student):
        return False
    if not ManagedAccount.objects.filter(user_id=student.pk, course_id=course_id).exists():
        return False
    roles = set(Enrollment.objects.filter(user_id=student.pk).values_list("role", flat=True))
    enrolled_here = Enrollment.objects.filter(user_id=student.pk, course_id=course_id, role=Role.STUDENT).exists()
    return enrolled_here and not roles & STAFF_ROLES


CREATE_COURSE_PERMISSION = "classroom.create_course"


def may_create_courses(user: AnyUser | None) -> bool:
    """Whether this user may create classes: the teacher permission a site admin grants (superusers have it)."""
    if user is None or not user.is_authenticated or not getattr(user, "is_active", False):
        return False
    has_perm = getattr(user, "has_perm", None)  # PermissionsMixin's, on every real user model
    return bool(has_perm is not None and has_perm(CREATE_COURSE_PERMISSION))
