"""Admin for grading. Verification runs and audit events are the record of how a grade was made: read-only."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from .models import Override, RegradeRequest, Step, Submission, VerificationRun


class ReadOnlyAdmin(admin.ModelAdmin[Any]):
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class StepInline(admin.TabularInline[Step, Submission]):
    model = Step
    extra = 0
    fields = ("index", "text", "verdict", "confidence", "checker", "explanation", "hint")
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class RunInline(admin.TabularInline[VerificationRun, Submission]):
    model = VerificationRun
    extra = 0
    fields = ("grading_version", "backend", "model_id", "prompt_version", "latency_ms", "error")
    readonly_fields = fields
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Submission)
class SubmissionAdmin(admin.ModelAdmin[Submission]):
    list_display = ("id", "student", "problem", "attempt_number", "status", "score", "is_late", "submitted_at")
    list_filter = ("status", "is_late", "backend")
    search_fields = ("student__username", "problem__title", "text")
    raw_id_fields = ("problem", "student")
    # Status changes go through grading.services so they are audited; the admin shows them only.
    readonly_fields = (
        "status",
        "status_reason",
        "status_changed_at",
        "grading_version",
        "retries",
        "first_error_index",
        "final_answer_verdict",
        "confidence",
        "score",
        "graded_at",
        "submitted_at",
    )
    inlines = (StepInline, RunInline)


@admin.register(Step)
class StepAdmin(admin.ModelAdmin[Step]):
    list_display = ("submission", "index", "verdict", "confidence", "checker")
    list_filter = ("verdict", "checker")
    raw_id_fields = ("submission",)


@admin.register(VerificationRun)
class VerificationRunAdmin(ReadOnlyAdmin):
    list_display = (
        "id",
        "submission",
        "grading_version",
        "backend",
        "model_id",
        "prompt_version",
        "latency_ms",
        "started_at",
        "error",
    )
    list_filter = ("backend", "model_id", "prompt_version")
    search_fields = ("submission__id", "model_id")


@admin.register(Override)
class OverrideAdmin(admin.ModelAdmin[Override]):
    list_display = (
        "submission",
        "step",
        "teacher",
        "old_verdict",
        "new_verdict",
        "old_score",
        "new_score",
        "created_at",
    )
    raw_id_fields = ("submission", "step", "teacher")


@admin.register(RegradeRequest)
class RegradeRequestAdmin(admin.ModelAdmin[RegradeRequest]):
    list_display = ("submission", "student", "status", "created_at", "resolved_at")
    list_filter = ("status",)
    raw_id_fields = ("submission", "student")
