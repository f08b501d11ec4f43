"""The Django admin for classes. Every change made here is written to the audit log (tutor.audit.admin)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin

from tutor.audit.admin import AuditedAdmin

from .models import Assignment, Course, Enrollment, Problem


class EnrollmentInline(admin.TabularInline[Enrollment, Course]):
    model = Enrollment
    extra = 0
    raw_id_fields = ["user"]


class ProblemInline(admin.StackedInline[Problem, Assignment]):
    model = Problem
    extra = 0


@admin.register(Course)
class CourseAdmin(AuditedAdmin):
    list_display = ["name", "join_code", "time_zone", "created_by", "created_at"]
    search_fields = ["name", "join_code", "created_by__username"]
    inlines = [EnrollmentInline]

    def audit_course_id(self, obj: Any) -> int | None:
        return int(obj.pk)


@admin.register(Enrollment)
class EnrollmentAdmin(AuditedAdmin):
    list_display = ["user", "course", "role", "joined_at"]
    list_filter = ["role"]
    search_fields = ["user__username", "course__name"]
    raw_id_fields = ["user", "course"]

    def audit_course_id(self, obj: Any) -> int | None:
        return int(obj.course_id)


@admin.register(Assignment)
class AssignmentAdmin(AuditedAdmin):
    list_display = ["title", "course", "opens_at", "due_at", "verifier_backend", "max_attempts", "attempt_rule"]
    list_filter = ["verifier_backend", "late_policy", "attempt_rule"]
    search_fields = ["title", "course__name"]
    inlines = [ProblemInline]

    def audit_course_id(self, obj: Any) -> int | None:
        return int(obj.course_id)


@admin.register(Problem)
class ProblemAdmin(AuditedAdmin):
    list_display = ["__str__", "assignment", "position", "reference_answer", "points", "scoring"]
    search_fields = ["title", "statement", "assignment__title"]
    raw_id_fields = ["assignment"]

    def audit_course_id(self, obj: Any) -> int | None:
        return int(obj.assignment.course_id)
