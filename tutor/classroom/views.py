"""Classroom pages: creating and joining classes, the roster, creating assignments and problems, problem-set
uploads. Views parse input, call a selector or a service, and render; rules live in those layers. The pages that
show students' work (home, class, assignment and problem pages) are grading's (grading.views.pages)."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from tutor import limits

from . import course_views, selectors, services, timezones
from .access import Capability
from .course_forms import CarriedFileForm
from .errors import ClassroomError, DuplicateProblemSet, ProblemSetError
from .forms import AddMemberForm, AssignmentForm, CourseForm, JoinForm, ProblemForm, ProblemSetUploadForm
from .models import Enrollment


class AuthedRequest(HttpRequest):
    """What `login_required` guarantees: a real user."""

    user: User


@login_required
@require_POST
def course_create(request: AuthedRequest) -> HttpResponse:
    form = CourseForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Give the class a name (at most 200 characters).")
        return redirect("home")
    try:
        course = services.course_create(teacher=request.user, **form.cleaned_data)
    except ClassroomError as exc:
        messages.error(request, exc.message)
        return redirect("home")
    messages.success(request, f"Class “{course.name}” created. Give students the code {course.join_code}.")
    return redirect("course_detail", pk=course.pk)


@login_required
@require_POST
def course_join(request: AuthedRequest) -> HttpResponse:
    refusal = limits.rate_limit(action="join", user=request.user, rate=settings.RATE_LIMIT_JOIN)
    if refusal is not None:
        messages.error(request, f"Too many attempts to join a class. Wait {refusal.wait} and try again.")
        return redirect("home")
    form = JoinForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Type the class code your teacher gave you.")
        return redirect("home")
    try:
        enrollment = services.course_join(student=request.user, join_code=form.cleaned_data["join_code"])
    except ClassroomError as exc:
        messages.error(request, exc.message)
        return redirect("home")
    messages.success(request, f"You joined {enrollment.course.name}.")
    return redirect("course_detail", pk=enrollment.course_id)


@login_required
@require_POST
def member_add(request: AuthedRequest, pk: int) -> HttpResponse:
    course, _ = selectors.course_get(user=request.user, course_id=pk, capability=Capability.VIEW_STAFF)
    form = AddMemberForm(request.POST)
    if form.is_valid():
        username, role = form.cleaned_data["username"].strip(), form.cleaned_data["role"]
        try:
            services.invitation_create(actor=request.user, course=course, username=username, role=role)
        except services.ClassroomError as exc:
            messages.error(request, str(exc))
        else:
            # The same words whether or not the account exists.
            label = Enrollment.Role(role).label.lower()
            messages.success(
                request,
                f"If “{username}” is an account here, it has been invited as {label}: "
                "they join the class when they accept the invitation on their home page.",
            )
    else:
        messages.error(request, "Type the username of an existing account.")
    return redirect("course_detail", pk=pk)


@login_required
@require_POST
def invitation_answer(request: AuthedRequest, pk: int, answer: str) -> HttpResponse:
    selectors.invitation_get(user=request.user, invitation_id=pk)  # someone else's invitation is a 404
    try:
        if answer == "accept":
            enrollment = services.invitation_accept(user=request.user, invitation_id=pk)
        else:
            services.invitation_decline(user=request.user, invitation_id=pk)
    except ClassroomError as exc:
        messages.error(request, exc.message)
        return redirect("home")
    if answer == "accept":
        messages.success(request, f"You joined {enrollment.course.name}.")
        return redirect("course_detail", pk=enrollment.course_id)
    messages.success(request, "Invitation declined.")
    return redirect("home")


@login_required
@require_POST
def member_remove(request: AuthedRequest, pk: int, enrollment_pk: int) -> HttpResponse:
    selectors.course_get(user=request.user, course_id=pk, capability=Capability.VIEW_STAFF)
    target = get_object_or_404(Enrollment.objects.select_related("user"), pk=enrollment_pk, course_id=pk)
    try:
        services.enrollment_remove(actor=request.user, enrollment=target)
    except ClassroomError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"Removed {target.user.get_username()} from the class.")
    return redirect("course_detail", pk=pk)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def assignment_create(request: AuthedRequest, pk: int) -> HttpResponse:
    course, _ = selectors.course_get(user=request.user, course_id=pk, capability=Capability.AUTHOR)
    # The dates the teacher types are the class's local time.
    timezones.use_class_time_zone(course)
    form = AssignmentForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            assignment = services.assignment_create(actor=request.user, course=course, fields=form.cleaned_data)
        except ClassroomError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, f"Assignment “{assignment.title}” created. Now add its problems.")
            return redirect("assignment_detail", pk=assignment.pk)
    context = {"course": course, "form": form, "upload_form": ProblemSetUploadForm()}
    return render(request, "classroom/assignment_form.html", context)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def problem_set_upload(request: AuthedRequest, pk: int) -> HttpResponse:
    course, _ = selectors.course_get(user=request.user, course_id=pk, capability=Capability.AUTHOR)
    form = ProblemSetUploadForm(request.POST or None, request.FILES or None)
    errors: list[str] = []
    duplicate: DuplicateProblemSet | None = None
    carried: CarriedFileForm | None = None
    upload: tuple[bytes, str] | None = None
    choice: services.OnDuplicate = "ask"
    if request.method == "POST" and request.POST.get("on_duplicate") in ("replace", "copy"):
        # The teacher's answer to "this class already has an assignment with this title": the file comes back
        # with the answer, as on every preview-then-confirm page (nothing is kept between the two requests).
        answer = CarriedFileForm(request.POST)
        if not answer.is_valid():
            errors = ["The file was lost on the way; upload it again."]
        else:
            upload = (answer.cleaned_data["content"], answer.cleaned_data["filename"])
            choice = "replace" if request.POST["on_duplicate"] == "replace" else "copy"
    elif request.method == "POST" and form.is_valid():
        file = form.cleaned_data["file"]
        upload = (file.read(), file.name)
    if upload is not None:
        content, filename = upload
        try:
            assignment = services.problem_set_import(
                actor=request.user, course=course, content=content, filename=filename, on_duplicate=choice
            )
        except DuplicateProblemSet as exc:
            duplicate, carried = exc, CarriedFileForm.carrying(content, filename)
        except ProblemSetError as exc:
            errors = exc.errors
        except ClassroomError as exc:
            errors = exc.messages
        else:
            count = assignment.problems.count()
            done = "Replaced the problems of" if choice == "replace" else "Imported"
            messages.success(request, f"{done} “{assignment.title}” with {count} problem{'s' if count != 1 else ''}.")
            return redirect("assignment_detail", pk=assignment.pk)
    status = 400 if request.method == "POST" and (errors or form.errors) else 200
    context = {
        "course": course,
        "upload_form": form,
        "import_errors": errors,
        "duplicate": duplicate,
        "carried": carried,
    }
    return render(request, "classroom/problem_set_upload.html", context, status=status)


@login_required
@require_POST
def problem_create(request: AuthedRequest, pk: int) -> HttpResponse:
    assignment, _ = selectors.assignment_get(user=request.user, assignment_id=pk, capability=Capability.AUTHOR)
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
        except ClassroomError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, f"Added problem {created.position}.")
            return redirect("assignment_detail", pk=pk)
    context = {"assignment": assignment, "course": assignment.course, "problem_form": form}
    return render(request, "classroom/problem_form.html", context, status=400)


def _repo_file(*parts: str) -> str:
    return (Path(settings.BASE_DIR).joinpath(*parts)).read_text(encoding="utf-8")


@login_required
@require_safe
def problem_set_format(request: AuthedRequest) -> HttpResponse:
    doc = _repo_file("docs", "problem_sets.md")
    # The document links to the examples by their repository paths; on the site they are downloads.
    for extension in ("md", "json"):
        doc = doc.replace(f"../examples/problem_set.{extension}", reverse("problem_set_example", args=[extension]))
    for name in course_views.MOODLE_EXAMPLES:
        doc = doc.replace(f"../examples/moodle/{name}.xml", reverse("moodle_example", args=[name]))
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
