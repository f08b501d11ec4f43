"""Classroom pages. Views parse input, call a selector or a service, and render; rules live in those layers."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from grading.services import SubmissionError, submission_create
from verifier_worker import segmentation

from . import selectors, services
from .forms import (
    AddMemberForm,
    AssignmentForm,
    CourseForm,
    JoinForm,
    ProblemForm,
    ProblemSetUploadForm,
    SolutionForm,
)
from .importers import ProblemSetError
from .models import Assignment, Enrollment, Problem


class AuthedRequest(HttpRequest):
    """What `login_required` guarantees: a real user."""

    user: User


def _error_text(exc: Exception) -> str:
    """A service's ClassroomError, or a model ValidationError, as one sentence for the page."""
    return " ".join(getattr(exc, "messages", [str(exc)]))


def _is_staff(enrollment: Enrollment) -> bool:
    return enrollment.role in selectors.STAFF_ROLES


@login_required
@require_safe
def home(request: AuthedRequest) -> HttpResponse:
    enrollments = list(selectors.enrollments_for_user(user=request.user))
    context = {
        "teaching": [e for e in enrollments if _is_staff(e)],
        "studying": [e for e in enrollments if not _is_staff(e)],
        "assignments": selectors.student_assignments(student=request.user),
        "course_form": CourseForm(),
        "join_form": JoinForm(),
        "now": timezone.now(),
    }
    return render(request, "classroom/home.html", context)


@login_required
@require_POST
def course_create(request: AuthedRequest) -> HttpResponse:
    form = CourseForm(request.POST)
    if form.is_valid():
        course = services.course_create(teacher=request.user, **form.cleaned_data)
        messages.success(request, f"Class “{course.name}” created. Give students the code {course.join_code}.")
        return redirect("course_detail", pk=course.pk)
    messages.error(request, "Give the class a name (at most 200 characters).")
    return redirect("home")


@login_required
@require_POST
def course_join(request: AuthedRequest) -> HttpResponse:
    form = JoinForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Type the class code your teacher gave you.")
        return redirect("home")
    try:
        enrollment = services.course_join(student=request.user, join_code=form.cleaned_data["join_code"])
    except services.ClassroomError as exc:
        messages.error(request, str(exc))
        return redirect("home")
    messages.success(request, f"You joined {enrollment.course.name}.")
    return redirect("course_detail", pk=enrollment.course_id)


@login_required
@require_safe
def course_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    enrollment = selectors.membership_get(user=request.user, course_id=pk)
    assignments = selectors.assignments_for_member(enrollment=enrollment)
    context: dict[str, Any] = {
        "course": enrollment.course,
        "enrollment": enrollment,
        "is_staff": _is_staff(enrollment),
        "is_teacher": enrollment.role == Enrollment.Role.TEACHER,
    }
    if context["is_staff"]:
        context |= {
            "assignments": assignments,
            "roster": (roster := list(selectors.roster(course=enrollment.course))),
            "student_count": sum(1 for member in roster if member.role == Enrollment.Role.STUDENT),
            "upload_form": ProblemSetUploadForm(),
            "member_form": AddMemberForm(),
        }
    else:
        context["progress"] = selectors.student_progress(student=request.user, assignments=assignments)
        context["teachers"] = selectors.teachers_of(course=enrollment.course)
    return render(request, "classroom/course_detail.html", context)


@login_required
@require_POST
def member_add(request: AuthedRequest, pk: int) -> HttpResponse:
    enrollment = selectors.staff_membership_get(user=request.user, course_id=pk)
    form = AddMemberForm(request.POST)
    if form.is_valid():
        try:
            added = services.enrollment_add(actor=request.user, course=enrollment.course, **form.cleaned_data)
        except services.ClassroomError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, f"Added {added.user.get_username()} as {added.get_role_display().lower()}.")
    else:
        messages.error(request, "Type the username of an existing account.")
    return redirect("course_detail", pk=pk)


@login_required
@require_POST
def member_remove(request: AuthedRequest, pk: int, enrollment_pk: int) -> HttpResponse:
    selectors.staff_membership_get(user=request.user, course_id=pk)
    target = get_object_or_404(Enrollment.objects.select_related("user"), pk=enrollment_pk, course_id=pk)
    try:
        services.enrollment_remove(actor=request.user, enrollment=target)
    except services.ClassroomError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"Removed {target.user.get_username()} from the class.")
    return redirect("course_detail", pk=pk)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def assignment_create(request: AuthedRequest, pk: int) -> HttpResponse:
    enrollment = selectors.staff_membership_get(user=request.user, course_id=pk)
    form = AssignmentForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            assignment = services.assignment_create(
                actor=request.user, course=enrollment.course, fields=form.cleaned_data
            )
        except (services.ClassroomError, ValidationError) as exc:
            form.add_error(None, _error_text(exc))
        else:
            messages.success(request, f"Assignment “{assignment.title}” created. Now add its problems.")
            return redirect("assignment_detail", pk=assignment.pk)
    context = {"course": enrollment.course, "form": form, "upload_form": ProblemSetUploadForm()}
    return render(request, "classroom/assignment_form.html", context)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def problem_set_upload(request: AuthedRequest, pk: int) -> HttpResponse:
    enrollment = selectors.staff_membership_get(user=request.user, course_id=pk)
    form = ProblemSetUploadForm(request.POST or None, request.FILES or None)
    errors: list[str] = []
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            assignment = services.problem_set_import(
                actor=request.user, course=enrollment.course, content=upload.read(), filename=upload.name
            )
        except ProblemSetError as exc:
            errors = exc.errors
        except (services.ClassroomError, ValidationError) as exc:
            errors = [_error_text(exc)]
        else:
            count = assignment.problems.count()
            messages.success(request, f"Imported “{assignment.title}” with {count} problem{'s' if count != 1 else ''}.")
            return redirect("assignment_detail", pk=assignment.pk)
    status = 400 if request.method == "POST" else 200
    context = {"course": enrollment.course, "upload_form": form, "import_errors": errors}
    return render(request, "classroom/problem_set_upload.html", context, status=status)


def _assignment_page(
    request: AuthedRequest,
    assignment: Assignment,
    enrollment: Enrollment,
    *,
    problem_form: ProblemForm | None = None,
    status: int = 200,
) -> HttpResponse:
    context: dict[str, Any] = {
        "assignment": assignment,
        "course": assignment.course,
        "enrollment": enrollment,
        "is_staff": _is_staff(enrollment),
    }
    if context["is_staff"]:
        context |= {
            "problems": assignment.problems.all(),
            "rows": selectors.submission_matrix(assignment=assignment),
            "problem_form": problem_form or ProblemForm(),
        }
    else:
        assignments = assignment.course.assignments.filter(pk=assignment.pk)
        context["progress"] = selectors.student_progress(student=request.user, assignments=assignments)[0]
    return render(request, "classroom/assignment_detail.html", context, status=status)


@login_required
@require_safe
def assignment_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    assignment, enrollment = selectors.assignment_get(user=request.user, assignment_id=pk)
    return _assignment_page(request, assignment, enrollment)


@login_required
@require_POST
def problem_create(request: AuthedRequest, pk: int) -> HttpResponse:
    assignment, enrollment = selectors.assignment_get(user=request.user, assignment_id=pk)
    if not _is_staff(enrollment):
        raise Http404("No such assignment.")
    form = ProblemForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        problem = services.ProblemInput(
            title=data["title"],
            statement=data["statement"],
            reference_answer=data["reference_answer"],
            reference_solution=form.solution_steps(),
            points=data["points"],
        )
        try:
            created = services.problem_create(actor=request.user, assignment=assignment, problem=problem)
        except (services.ClassroomError, ValidationError) as exc:
            form.add_error(None, _error_text(exc))
        else:
            messages.success(request, f"Added problem {created.position}.")
            return redirect("assignment_detail", pk=pk)
    return _assignment_page(request, assignment, enrollment, problem_form=form, status=400)


def _problem_context(
    request: AuthedRequest, problem: Problem, enrollment: Enrollment, form: SolutionForm, text: str = ""
) -> dict[str, Any]:
    assignment = problem.assignment
    attempts = list(selectors.student_attempts(student=request.user, problem=problem))
    now = timezone.now()
    past_due = assignment.due_at is not None and assignment.due_at < now
    # The preview runs on every pause in typing, so only text within the length limit is split.
    too_long = len(text) > settings.SOLUTION_MAX_CHARS
    return {
        "problem": problem,
        "assignment": assignment,
        "course": assignment.course,
        "enrollment": enrollment,
        "is_staff": _is_staff(enrollment),
        "form": form,
        "attempts": attempts,
        "attempts_left": max(assignment.max_attempts - len(attempts), 0),
        "past_due": past_due,
        "closed": past_due and assignment.late_policy == assignment.LatePolicy.REFUSE,
        "segmentation": segmentation.split(text) if text.strip() and not too_long else None,
        "preview_error": (
            f"Your solution has {len(text):,} characters; the limit is {settings.SOLUTION_MAX_CHARS:,}."
            if too_long
            else ""
        ),
        "siblings": list(assignment.problems.all()),
    }


@login_required
@require_safe
def problem_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    problem, enrollment = selectors.problem_get(user=request.user, problem_id=pk)
    context = _problem_context(request, problem, enrollment, SolutionForm())
    latest = context["attempts"][0] if context["attempts"] else None  # newest first
    if latest is not None and context["attempts_left"] and not context["closed"]:
        # Trying again usually means fixing one step: start from the last attempt instead of a blank box.
        text = latest.text
        context = _problem_context(request, problem, enrollment, SolutionForm(initial={"text": text}), text)
        context["prefilled_from"] = latest
    return render(request, "classroom/problem_detail.html", context)


@login_required
@require_POST
def problem_preview(request: AuthedRequest, pk: int) -> HttpResponse:
    """The live step preview. htmx gets the `step-preview` partial; without JavaScript, the whole page."""
    problem, enrollment = selectors.problem_get(user=request.user, problem_id=pk)
    text = request.POST.get("text", "").replace("\r\n", "\n")
    context = _problem_context(request, problem, enrollment, SolutionForm(initial={"text": text}), text)
    if getattr(request, "htmx", False):
        return render(request, "classroom/problem_detail.html#step-preview", context)
    return render(request, "classroom/problem_detail.html", context)


@login_required
@require_POST
def problem_submit(request: AuthedRequest, pk: int) -> HttpResponse:
    problem, enrollment = selectors.problem_get(user=request.user, problem_id=pk)
    form = SolutionForm(request.POST)
    if form.is_valid():
        try:
            submission = submission_create(student=request.user, problem=problem, text=form.cleaned_data["text"])
        except SubmissionError as exc:
            form.add_error(None, str(exc))
        else:
            return redirect("submission_detail", pk=submission.pk)
    context = _problem_context(request, problem, enrollment, form, request.POST.get("text", "").replace("\r\n", "\n"))
    return render(request, "classroom/problem_detail.html", context, status=400)


def _repo_file(*parts: str) -> str:
    return (Path(settings.BASE_DIR).joinpath(*parts)).read_text(encoding="utf-8")


@login_required
@require_safe
def problem_set_format(request: AuthedRequest) -> HttpResponse:
    doc = _repo_file("docs", "problem_sets.md")
    # The document links to the examples by their repository paths; on the site they are downloads.
    for extension in ("md", "json"):
        doc = doc.replace(f"../examples/problem_set.{extension}", reverse("problem_set_example", args=[extension]))
    return render(request, "classroom/problem_set_format.html", {"doc": doc})


EXAMPLE_TYPES = {"md": "text/markdown; charset=utf-8", "json": "application/json"}


@login_required
@require_safe
def problem_set_example(request: AuthedRequest, extension: str = "md") -> HttpResponse:
    if extension not in EXAMPLE_TYPES:
        raise Http404("No such example.")
    response = HttpResponse(_repo_file("examples", f"problem_set.{extension}"), content_type=EXAMPLE_TYPES[extension])
    response["Content-Disposition"] = f'attachment; filename="problem_set.{extension}"'
    return response
