"""Reads for grading pages. Permission rules live here so views and services share them."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import QuerySet
from django.http import Http404

from tutor.classroom.models import Enrollment

from .models import Submission

STAFF_ROLES = (Enrollment.Role.TEACHER, Enrollment.Role.TA)


def user_can_manage(user: AbstractBaseUser | AnonymousUser, submission: Submission) -> bool:
    """Teachers and TAs of the submission's class (and site admins) may see everything and change grades."""
    if not user.is_authenticated:
        return False
    if getattr(user, "is_superuser", False):
        return True
    return Enrollment.objects.filter(
        course_id=submission.problem.assignment.course_id, user_id=user.pk, role__in=STAFF_ROLES
    ).exists()


def submissions_visible_to(user: AbstractBaseUser | AnonymousUser) -> QuerySet[Submission]:
    base = Submission.objects.select_related("problem__assignment__course", "student")
    if not user.is_authenticated:
        return base.none()
    if getattr(user, "is_superuser", False):
        return base
    staff_courses = Enrollment.objects.filter(user_id=user.pk, role__in=STAFF_ROLES).values("course_id")
    from django.db.models import Q

    return base.filter(Q(student_id=user.pk) | Q(problem__assignment__course_id__in=staff_courses))


def submission_for_user(*, user: AbstractBaseUser | AnonymousUser, pk: int) -> Submission:
    """The submission if this user may see it, else 404: ids of other people's work never leak."""
    submission = submissions_visible_to(user).filter(pk=pk).first()
    if submission is None:
        raise Http404("No such submission.")
    return submission
