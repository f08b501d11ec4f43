"""The pages that show a student's work next to the class: home, the class page, the assignment page and the
problem page (with the live step preview and the submit form). Permissions come from the access module; whether
a student may submit now from the submission policy."""

from __future__ import annotations

from typing import Any, cast

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from tutor import limits
from tutor.classroom import access
from tutor.classroom import selectors as classroom
from tutor.classroom.access import CourseAccess
from tutor.classroom.forms import AddMemberForm, CourseForm, JoinForm, ProblemForm, ProblemSetUploadForm
from tutor.classroom.models import Assignment, Enrollment, Problem
from tutor.classroom.timezones import use_class_time_zone
from verifier_worker import segmentation

from .. import policy, selectors, services
from ..forms import SolutionForm, StudentExceptionForm
from ..services.exceptions import describe as describe_exception
from ..tutoring import history as tutoring_history
from ..tutoring import panels


class AuthedRequest(HttpRequest):
    """What `login_required` guarantees: a real user."""

    user: User


@login_required
@require_safe
def home(request: AuthedRequest) -> HttpResponse:
    enrollments = list(classroom.enrollments_for_user(user=request.user))
    staff_roles = (Enrollment.Role.TEACHER, Enrollment.Role.TA)
    context = {
        "teaching": [e for e in enrollments if e.role in staff_roles],
        "studying": [e for e in enrollments if e.role not in staff_roles],
        "assignments": selectors.student_assignments(student=request.user),
        "course_form": CourseForm(),
        "may_create_courses": access.may_create_courses(request.user),
        "invitations": list(classroom.invitations_pending(user=request.user)),
        "join_form": JoinForm(),
        "now": timezone.now(),
    }
    return render(request, "classroom/home.html", context)


@login_required
@require_safe
def course_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    course, access = classroom.course_get(user=request.user, course_id=pk)
    use_class_time_zone(course)
    assignments = classroom.assignments_visible(course=course, course_access=access)
    context: dict[str, Any] = {"course": course, "access": access}
    if access.sees_staff_pages:
        roster = list(classroom.roster(course=course))
        context |= {
            "assignments": [a for a in assignments if a.archived_at is None],
            "archived_assignments": [a for a in assignments if a.archived_at is not None],
            "roster": roster,
            "student_count": sum(1 for member in roster if member.role == Enrollment.Role.STUDENT),
            "upload_form": ProblemSetUploadForm(),
            "member_form": AddMemberForm(),
        }
    else:
        context["progress"] = selectors.student_progress(student=request.user, assignments=assignments)
        context["teachers"] = classroom.teachers_of(course=course)
    return render(request, "classroom/course_detail.html", context)


def assignment_page(
    request: AuthedRequest,
    assignment: Assignment,
    access: CourseAccess,
    *,
    problem_form: ProblemForm | None = None,
    status: int = 200,
) -> HttpResponse:
    use_class_time_zone(assignment.course)
    context: dict[str, Any] = {"assignment": assignment, "course": assignment.course, "access": access}
    if access.sees_staff_pages:
        exceptions = selectors.exceptions_for(assignment=assignment)
        context |= {
            "problems": assignment.problems.active(),
            "archived_problems": assignment.problems.archived(),
            "rows": selectors.submission_matrix(assignment=assignment),
            "problem_form": problem_form or ProblemForm(),
            "exceptions": sorted(exceptions.values(), key=lambda e: e.student.username),
            "regrade_runs": selectors.regrade_runs(assignment=assignment)[:3],
        }
        if access.can_accommodate:
            students = selectors.student_choices(course_id=assignment.course_id)
            context["exception_form"] = StudentExceptionForm(students=students)
    else:
        assignments = assignment.course.assignments.filter(pk=assignment.pk)
        context["progress"] = selectors.student_progress(student=request.user, assignments=assignments)[0]
        exception = policy.exception_for(student_id=request.user.pk, assignment=assignment)
        context["my_max_attempts"] = assignment.max_attempts
        if exception is not None:
            context["my_exception"] = exception
            context["my_exception_text"] = describe_exception(assignment, exception)
            context["my_max_attempts"] = assignment.max_attempts + exception.extra_attempts
    return render(request, "classroom/assignment_detail.html", context, status=status)


@login_required
@require_safe
def assignment_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    assignment, access = classroom.assignment_get(user=request.user, assignment_id=pk)
    return assignment_page(request, assignment, access)


def _problem_context(
    request: AuthedRequest, problem: Problem, access: CourseAccess, form: SolutionForm, text: str = ""
) -> dict[str, Any]:
    assignment = problem.assignment
    use_class_time_zone(assignment.course)
    attempts = list(selectors.attempts(student=request.user, problem=problem))
    path = tutoring_history.attempt_history(student_id=request.user.pk, problem=problem)
    decision = policy.submit_decision(
        problem=problem, student_id=request.user.pk, used=sum(1 for a in attempts if a.counts_as_attempt)
    )
    # The preview runs on every pause in typing, so only text within the length limit is split.
    too_long = len(text) > settings.SOLUTION_MAX_CHARS
    split = segmentation.split(text) if text.strip() and not too_long else None
    return {
        "problem": problem,
        "assignment": assignment,
        "course": assignment.course,
        "access": access,
        "form": form,
        "attempts": attempts,
        "decision": decision,
        "may_submit": access.is_student and decision.allowed,
        "segmentation": split,
        # The submit service refuses a solution past the step cap; the preview says so before the student submits.
        "step_limit_error": services.too_many_steps_message() if split is not None and split.truncated else "",
        "preview_error": (
            _("Your solution has %(count)s characters; the limit is %(limit)s.")
            % {"count": f"{len(text):,}", "limit": f"{settings.SOLUTION_MAX_CHARS:,}"}
            if too_long
            else ""
        ),
        "siblings": list(assignment.problems.active()),
        "path": path,
        "history": path.rows,
        "counted": path.counted,
        # Help before the first attempt, when the assignment allows it (grading.tutoring.policy).
        "panel": panels.hint_panel(problem=problem, submission=None, viewer=request.user)
        if access.is_student and assignment.hint_policy == assignment.HintPolicy.ALWAYS
        else None,
    }


@login_required
@require_safe
def problem_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    problem, access = classroom.problem_get(user=request.user, problem_id=pk)
    preview_url = reverse("problem_preview", args=[problem.pk])
    context = _problem_context(request, problem, access, SolutionForm(preview_url=preview_url))
    latest = context["attempts"][0] if context["attempts"] else None  # newest first
    full_marks = context["counted"].score is not None and context["counted"].score >= problem.points
    context["full_marks"] = full_marks
    if latest is not None and context["may_submit"] and not full_marks:
        # Trying again usually means fixing one step: start from the last attempt instead of a blank box.
        text = latest.text
        form = SolutionForm(initial={"text": text}, preview_url=preview_url)
        context = _problem_context(request, problem, access, form, text)
        context["prefilled_from"] = latest
    return render(request, "classroom/problem_detail.html", context)


@login_required
@require_POST
def problem_preview(request: AuthedRequest, pk: int) -> HttpResponse:
    """The live step preview. htmx gets the `step-preview` partial; without JavaScript, the whole page."""
    problem, access = classroom.problem_get(user=request.user, problem_id=pk)
    text = request.POST.get("text", "").replace("\r\n", "\n")
    form = SolutionForm(initial={"text": text}, preview_url=reverse("problem_preview", args=[problem.pk]))
    refusal = limits.rate_limit(action="preview", user=request.user, rate=settings.RATE_LIMIT_PREVIEW)
    # Over the limit the preview only says so (no splitting), and the page keeps working.
    context = _problem_context(request, problem, access, form, "" if refusal else text)
    if refusal is not None:
        context["preview_error"] = f"The preview is paused: too many updates. It resumes in {refusal.wait}."
    if getattr(request, "htmx", False):
        return render(request, "classroom/problem_detail.html#step-preview", context)
    return render(request, "classroom/problem_detail.html", context)


def problem_page_keeping_text(
    request: HttpRequest, problem: Problem, access: CourseAccess, *, text: str, error: str, status: int = 400
) -> HttpResponse:
    """The problem page after a refused submit from elsewhere (the Write mode): the work goes back into the typing
    box with the reason above it, so nothing the student wrote is lost."""
    form = SolutionForm({"text": text}, preview_url=reverse("problem_preview", args=[problem.pk]))
    form.is_valid()
    form.add_error(None, error)
    context = _problem_context(cast(AuthedRequest, request), problem, access, form, text)
    return render(request, "classroom/problem_detail.html", context, status=status)


@login_required
@require_POST
def problem_submit(request: AuthedRequest, pk: int) -> HttpResponse:
    problem, access = classroom.problem_get(user=request.user, problem_id=pk)
    form = SolutionForm(request.POST, preview_url=reverse("problem_preview", args=[problem.pk]))
    refusal = limits.rate_limit(action="submit", user=request.user, rate=settings.RATE_LIMIT_SUBMIT)
    status = 400
    if refusal is not None:
        form.is_valid()  # the text goes back in the box
        form.add_error(None, f"You are submitting too fast. Wait {refusal.wait} and submit again.")
        status = 429
    elif form.is_valid():
        try:
            submission = services.submission_create(
                student=request.user, problem=problem, text=form.cleaned_data["text"]
            )
        except services.GradingError as exc:
            form.add_error(None, exc.message)
        else:
            return redirect("submission_detail", pk=submission.pk)
    text = request.POST.get("text", "").replace("\r\n", "\n")
    context = _problem_context(request, problem, access, form, text)
    return render(request, "classroom/problem_detail.html", context, status=status)
