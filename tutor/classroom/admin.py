from django.contrib import admin

from .models import Assignment, Course, Enrollment, Problem


class EnrollmentInline(admin.TabularInline[Enrollment, Course]):
    model = Enrollment
    extra = 0
    raw_id_fields = ["user"]


class ProblemInline(admin.StackedInline[Problem, Assignment]):
    model = Problem
    extra = 0


@admin.register(Course)
class CourseAdmin(admin.ModelAdmin[Course]):
    list_display = ["name", "join_code", "created_by", "created_at"]
    search_fields = ["name", "join_code", "created_by__username"]
    inlines = [EnrollmentInline]


@admin.register(Enrollment)
class EnrollmentAdmin(admin.ModelAdmin[Enrollment]):
    list_display = ["user", "course", "role", "joined_at"]
    list_filter = ["role"]
    search_fields = ["user__username", "course__name"]
    raw_id_fields = ["user", "course"]


@admin.register(Assignment)
class AssignmentAdmin(admin.ModelAdmin[Assignment]):
    list_display = ["title", "course", "opens_at", "due_at", "verifier_backend", "max_attempts"]
    list_filter = ["verifier_backend", "late_policy"]
    search_fields = ["title", "course__name"]
    inlines = [ProblemInline]


@admin.register(Problem)
class ProblemAdmin(admin.ModelAdmin[Problem]):
    list_display = ["__str__", "assignment", "position", "reference_answer", "points"]
    search_fields = ["title", "statement", "assignment__title"]
    raw_id_fields = ["assignment"]
