"""Pages for running a class after it is created: its settings and archive; editing, moving, copying, archiving and
deleting assignments and problems; the Moodle XML import (preview, then confirm); the roster import (preview, then
confirm), students' passwords; signing up with a class code. Views parse input, call a service, and render; who
may do what is the access module's (refusals are 404s from the selectors, or the services' errors)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from tutor import limits

from . import access as access_rules
from . import content, roster, selectors, timezones
from .access import Capability
from .course_forms import (
    CarriedFileForm,
    CopyAssignmentForm,
    CourseSettingsForm,
    MoodleUploadForm,
    MoveForm,
    PasswordSetForm,
    ProblemEditForm,
    RosterUploadForm,
    SignupForm,
)
from .errors import ClassroomError
from .forms import AssignmentForm
from .models import Course, Enrollment, Problem
from .moodle import parse_moodle_xml


class AuthedRequest(HttpRequest):
    user: User


def _error(request: HttpRequest, exc: ClassroomError) -> None:
    messages.error(request, exc.message)


# --- The class --------------------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def course_settings(request: AuthedRequest, pk: int) -> HttpResponse:
    course, access = selectors.course_get(user=request.user, course_id=pk, capability=Capability.MANAGE)
    timezones.use_class_time_zone(course)
    initial = {name: getattr(course, name) for name in content.COURSE_FIELDS}
    form = CourseSettingsForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        fields = {name: value for name, value in form.cleaned_data.items() if name in content.COURSE_FIELDS}
        try:
            content.course_update(actor=request.user, course=course, fields=fields)
        except ClassroomError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, "Class settings saved.")
            return redirect("course_detail", pk=course.pk)
    status = 400 if request.method == "POST" else 200
    return render(
        request, "classroom/course_settings.html", {"course": course, "access": access, "form": form}, status=status
    )


@login_required
@require_POST
def course_archive(request: AuthedRequest, pk: int) -> HttpResponse:
    course, _ = selectors.course_get(user=request.user, course_id=pk, capability=Capability.MANAGE)
    archive = request.POST.get("action") != "restore"
    try:
        content.course_archive(actor=request.user, course=course, archived=archive)
    except ClassroomError as exc:
        _error(request, exc)
    else:
        done = "archived: its students no longer see it" if archive else "restored: its students see it again"
        messages.success(request, f"“{course.name}” is {done}. Every grade is kept.")
    return redirect("course_detail", pk=course.pk)


# --- Assignments ----------------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def assignment_edit(request: AuthedRequest, pk: int) -> HttpResponse:
    assignment, access = selectors.assignment_get(user=request.user, assignment_id=pk, capability=Capability.AUTHOR)
    course = assignment.course
    with timezone.override(timezones.zone_of(course)):
        form = AssignmentForm(request.POST or None, instance=assignment)
        if request.method == "POST" and form.is_valid():
            fields = {name: form.cleaned_data[name] for name in assignment.SETTINGS_FIELDS if name in form.cleaned_data}
            try:
                content.assignment_update(actor=request.user, assignment=assignment, fields=fields)
            except ClassroomError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, "Assignment saved. New gradings use the new settings.")
                return redirect("assignment_detail", pk=assignment.pk)
        context = {
            "assignment": assignment,
            "course": course,
            "access": access,
            "form": form,
            "copy_form": CopyAssignmentForm(
                courses=list(content.authorable_courses(user=request.user)), current=course
            ),
            "has_submissions": content.assignment_has_submissions(assignment),
        }
        status = 400 if request.method == "POST" else 200
        return render(request, "classroom/assignment_edit.html", context, status=status)


@login_required
@require_POST
def assignment_move(request: AuthedRequest, pk: int) -> HttpResponse:
    assignment, _ = selectors.assignment_get(user=request.user, assignment_id=pk, capability=Capability.AUTHOR)
    form = MoveForm(request.POST)
    if form.is_valid():
        try:
            content.assignment_move(actor=request.user, assignment=assignment, direction=form.cleaned_data["direction"])
        except ClassroomError as exc:
            _error(request, exc)
    return redirect(reverse("course_detail", args=[assignment.course_id]) + "#assignments-heading")


@login_required
@require_POST
def assignment_duplicate(request: AuthedRequest, pk: int) -> HttpResponse:
    assignment, _ = selectors.assignment_get(user=request.user, assignment_id=pk, capability=Capability.AUTHOR)
    courses = list(content.authorable_courses(user=request.user))
    form = CopyAssignmentForm(request.POST, courses=courses, current=assignment.course)
    if not form.is_valid():
        messages.error(request, "Choose a class to copy it into.")
        return redirect("assignment_edit", pk=pk)
    target = next(course for course in courses if course.pk == form.cleaned_data["course"])
    try:
        copy = content.assignment_duplicate(actor=request.user, assignment=assignment, course=target)
    except ClassroomError as exc:
        _error(request, exc)
        return redirect("assignment_edit", pk=pk)
    messages.success(request, f"Copied as “{copy.title}” in {target.name}. Check its dates before students start.")
    return redirect("assignment_edit", pk=copy.pk)


@login_required
@require_POST
def assignment_archive(request: AuthedRequest, pk: int) -> HttpResponse:
    assignment, _ = selectors.assignment_get(user=request.user, assignment_id=pk, capability=Capability.AUTHOR)
    archive = request.POST.get("action") != "restore"
    try:
        content.assignment_archive(actor=request.user, assignment=assignment, archived=archive)
    except ClassroomError as exc:
        _error(request, exc)
    else:
        if archive:
            messages.success(request, f"“{assignment.title}” is archived: students no longer see it. Grades are kept.")
        else:
            messages.success(request, f"“{assignment.title}” is back: students see it again.")
    return redirect("course_detail", pk=assignment.course_id)


@login_required
@require_POST
def assignment_delete(request: AuthedRequest, pk: int) -> HttpResponse:
    assignment, _ = selectors.assignment_get(user=request.user, assignment_id=pk, capability=Capability.AUTHOR)
    try:
        content.assignment_delete(actor=request.user, assignment=assignment)
    except ClassroomError as exc:
        _error(request, exc)
        return redirect("assignment_edit", pk=pk)
    messages.success(request, f"Deleted “{assignment.title}”.")
    return redirect("course_detail", pk=assignment.course_id)


# --- Problems ---------------------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def problem_edit(request: AuthedRequest, pk: int) -> HttpResponse:
    problem, access = selectors.problem_get(user=request.user, problem_id=pk, capability=Capability.AUTHOR)
    timezones.use_class_time_zone(problem.assignment.course)
    form = ProblemEditForm.for_problem(problem, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            update = content.problem_update(actor=request.user, problem=problem, fields=form.fields_for_service())
        except ClassroomError as exc:
            form.add_error(None, exc.message)
        else:
            if update.affects_grades:
                messages.success(request, f"Problem {problem.position} saved.")
                return redirect(
                    reverse("regrade_run_new", args=[problem.assignment_id]) + f"?problem={problem.pk}&edited=1"
                )
            messages.success(request, f"Problem {problem.position} saved." if update.changed else "Nothing changed.")
            return redirect(reverse("assignment_detail", args=[problem.assignment_id]) + f"#problem-{problem.pk}")
    context = {
        "problem": problem,
        "assignment": problem.assignment,
        "course": problem.assignment.course,
        "access": access,
        "form": form,
        "has_submissions": content.problem_has_submissions(problem),
    }
    return render(request, "classroom/problem_edit.html", context, status=400 if request.method == "POST" else 200)


def _problem_action(request: AuthedRequest, pk: int) -> Problem:
    problem, _ = selectors.problem_get(user=request.user, problem_id=pk, capability=Capability.AUTHOR)
    return problem


def _to_problems(problem_pk: int, assignment_pk: int) -> HttpResponse:
    return redirect(reverse("assignment_detail", args=[assignment_pk]) + f"#problem-{problem_pk}")


@login_required
@require_POST
def problem_move(request: AuthedRequest, pk: int) -> HttpResponse:
    problem = _problem_action(request, pk)
    form = MoveForm(request.POST)
    if form.is_valid():
        try:
            content.problem_move(actor=request.user, problem=problem, direction=form.cleaned_data["direction"])
        except ClassroomError as exc:
            _error(request, exc)
    return _to_problems(problem.pk, problem.assignment_id)


@login_required
@require_POST
def problem_duplicate(request: AuthedRequest, pk: int) -> HttpResponse:
    problem = _problem_action(request, pk)
    try:
        copy = content.problem_duplicate(actor=request.user, problem=problem)
    except ClassroomError as exc:
        _error(request, exc)
        return _to_problems(problem.pk, problem.assignment_id)
    messages.success(request, f"Copied as problem {copy.position}.")
    return redirect("problem_edit", pk=copy.pk)


@login_required
@require_POST
def problem_archive(request: AuthedRequest, pk: int) -> HttpResponse:
    problem = _problem_action(request, pk)
    archive = request.POST.get("action") != "restore"
    try:
        content.problem_archive(actor=request.user, problem=problem, archived=archive)
    except ClassroomError as exc:
        _error(request, exc)
    else:
        if archive:
            messages.success(request, f"Problem {problem.position} is archived: students no longer see it.")
        else:
            messages.success(request, f"Problem {problem.position} is back: students see it again.")
    return _to_problems(problem.pk, problem.assignment_id)


@login_required
@require_POST
def problem_delete(request: AuthedRequest, pk: int) -> HttpResponse:
    problem = _problem_action(request, pk)
    try:
        content.problem_delete(actor=request.user, problem=problem)
    except ClassroomError as exc:
        _error(request, exc)
        return redirect("problem_edit", pk=pk)
    messages.success(request, f"Deleted problem {problem.position}.")
    return redirect("assignment_detail", pk=problem.assignment_id)


# --- Moodle XML -------------------------------------------------------------------------------------------------


def _preview_then_confirm(
    request: AuthedRequest,
    context: dict[str, Any],
    upload_form: type[forms.Form],
    preview: Callable[[bytes, str], dict[str, Any]],
    confirm: Callable[[bytes, str], HttpResponse | dict[str, Any]],
) -> HttpResponse | int:
    """Upload → preview → confirm, all or nothing: the previewed file travels to the confirmation in the page
    (CarriedFileForm), nothing is stored between. Fills `context` (the upload form, the preview or the errors) and
    returns the status to render it with, or the response `confirm` chose. Errors are the app's ClassroomError."""
    context["upload_form"] = upload_form()
    if request.method != "POST":
        return 200
    try:
        if request.POST.get("step") == "confirm":
            carried = CarriedFileForm(request.POST)
            if not carried.is_valid():
                context["import_errors"] = ["The file was lost on the way; upload it again."]
                return 400
            outcome = confirm(carried.cleaned_data["content"], carried.cleaned_data["filename"])
            if isinstance(outcome, HttpResponse):
                return outcome
            context |= outcome
            return 200
        form = upload_form(request.POST, request.FILES)
        context["upload_form"] = form
        if not form.is_valid():
            return 400
        upload = form.cleaned_data["file"]
        data = upload.read()
        context |= {**preview(data, upload.name), "carried": CarriedFileForm.carrying(data, upload.name)}
        return 200
    except ClassroomError as exc:  # ProblemSetError and RosterError list every problem in `messages`
        context["import_errors"] = exc.messages
        return 400


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def moodle_import(request: AuthedRequest, pk: int) -> HttpResponse:
    """Upload → preview (what will be imported, what is skipped and why) → confirm (all or nothing)."""
    course, access = selectors.course_get(user=request.user, course_id=pk, capability=Capability.AUTHOR)
    timezones.use_class_time_zone(course)

    def preview(data: bytes, filename: str) -> dict[str, Any]:
        parsed = parse_moodle_xml(data, filename)
        title = content.moodle_title(course, str(parsed.data.fields["title"]))
        return {"preview": parsed, "title": title, "filename": filename}

    def confirm(data: bytes, filename: str) -> HttpResponse:
        assignment = content.moodle_import(actor=request.user, course=course, content=data, filename=filename)
        count = assignment.problems.count()
        messages.success(request, f"Imported “{assignment.title}” with {count} problem{'s' if count != 1 else ''}.")
        return redirect("assignment_detail", pk=assignment.pk)

    context: dict[str, Any] = {"course": course, "access": access}
    outcome = _preview_then_confirm(request, context, MoodleUploadForm, preview, confirm)
    if isinstance(outcome, HttpResponse):
        return outcome
    return render(request, "classroom/moodle_import.html", context, status=outcome)


MOODLE_EXAMPLES = ("questions", "stack")


@login_required
@require_safe
def moodle_example(request: AuthedRequest, name: str) -> HttpResponse:
    """The example question banks of docs/problem_sets.md, as downloads."""
    if name not in MOODLE_EXAMPLES:
        raise Http404("No such example.")
    path = Path(settings.BASE_DIR) / "examples" / "moodle" / f"{name}.xml"
    response = HttpResponse(path.read_bytes(), content_type="application/xml")
    response["Content-Disposition"] = f'attachment; filename="moodle-{name}.xml"'
    return response


# --- People -----------------------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def roster_import(request: AuthedRequest, pk: int) -> HttpResponse:
    course, access = selectors.course_get(user=request.user, course_id=pk, capability=Capability.MANAGE)
    timezones.use_class_time_zone(course)

    def preview(data: bytes, filename: str) -> dict[str, Any]:
        return {"preview": roster.roster_preview(course=course, content=data)}

    def confirm(data: bytes, filename: str) -> dict[str, Any]:
        return {"result": roster.roster_import(actor=request.user, course=course, content=data)}

    context: dict[str, Any] = {"course": course, "access": access}
    outcome = _preview_then_confirm(request, context, RosterUploadForm, preview, confirm)
    if isinstance(outcome, HttpResponse):
        return outcome
    return render(request, "classroom/roster_import.html", context, status=outcome)


def _member(request: AuthedRequest, pk: int, enrollment_pk: int) -> tuple[Course, Enrollment]:
    course, _ = selectors.course_get(user=request.user, course_id=pk, capability=Capability.MANAGE)
    enrollment = get_object_or_404(
        Enrollment.objects.select_related("user"), pk=enrollment_pk, course_id=pk, role=Enrollment.Role.STUDENT
    )
    return course, enrollment


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def member_password(request: AuthedRequest, pk: int, enrollment_pk: int) -> HttpResponse:
    course, enrollment = _member(request, pk, enrollment_pk)
    student = enrollment.user
    form = PasswordSetForm(request.POST or None)
    context: dict[str, Any] = {"course": course, "student": student, "enrollment": enrollment, "form": form}
    context["may_set"] = access_rules.may_set_password(request.user, course.pk, student)
    if request.method == "POST" and form.is_valid():
        try:
            password = roster.student_password_set(
                actor=request.user, course=course, student=student, password=form.cleaned_data["password"]
            )
        except ClassroomError as exc:
            form.add_error("password", " ".join(exc.messages))
        else:
            context["new_password"] = password
            context["form"] = PasswordSetForm()
    return render(request, "classroom/member_password.html", context)


@login_required
@require_POST
def member_reset_link(request: AuthedRequest, pk: int, enrollment_pk: int) -> HttpResponse:
    course, enrollment = _member(request, pk, enrollment_pk)
    try:
        roster.student_password_reset_send(
            actor=request.user, course=course, student=enrollment.user, absolute=request.build_absolute_uri
        )
    except ClassroomError as exc:
        _error(request, exc)
    else:
        messages.success(request, f"A password-reset link went to {enrollment.user.username}'s email address.")
    return redirect("member_password", pk=pk, enrollment_pk=enrollment_pk)


@require_http_methods(["GET", "HEAD", "POST"])
def signup(request: HttpRequest) -> HttpResponse:
    """Create a student account with a class code, for classes whose teacher allows it."""
    if request.user.is_authenticated:
        return redirect("home")
    if request.method == "POST":
        refusal = limits.rate_limit(
            action="signup", user=request.user, rate=settings.RATE_LIMIT_SIGNUP, address=limits.client_address(request)
        )
        if refusal is not None:
            # Nothing is checked (so the class code is not tested either); what they typed, but the passwords, stays.
            form = SignupForm(
                initial={k: request.POST.get(k, "")[:200] for k in ("join_code", "username", "name", "email")}
            )
            message = f"Too many sign-up attempts from this network. Wait {refusal.wait} and try again."
            return render(request, "registration/signup.html", {"form": form, "refusal": message}, status=429)
    form = SignupForm(request.POST or None, initial={"join_code": request.GET.get("code", "")[:20]})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            user = roster.student_signup(
                join_code=data["join_code"],
                username=data["username"],
                password=data["password1"],
                name=data["name"],
                email=data["email"],
            )
        except ClassroomError as exc:
            form.add_error(None, " ".join(exc.messages))
        else:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            enrollment = user.enrollments.select_related("course").get()
            messages.success(request, f"Welcome! You are in {enrollment.course.name}.")
            return redirect("course_detail", pk=enrollment.course_id)
    return render(request, "registration/signup.html", {"form": form}, status=400 if form.errors else 200)
