"""Admin for grading: read-only. What a student submitted, the steps, the verifier's verdicts and runs, and the
history of teachers' decisions are the record of how a grade was made; they change only through the audited
grading services (the submission page), never here."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from .models import Override, RegradeRequest, Step, Submission, VerificationRun


class ReadOnly:
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class ReadOnlyAdmin(ReadOnly, admin.ModelAdmin[Any]):
    pass


class StepInline(ReadOnly, admin.TabularInline[Step, Submission]):
    model = Step
    extra = 0
    fields = ("index", "text", "verdict", "confidence", "checker", "teacher_verdict", "teacher_reason")
    readonly_fields = fields


class RunInline(ReadOnly, admin.TabularInline[VerificationRun, Submission]):
    model = VerificationRun
    extra = 0
    fields = ("grading_version", "backend", "model_id", "prompt_version", "latency_ms", "error")
    readonly_fields = fields
    show_change_link = True


@admin.register(Submission)
class SubmissionAdmin(ReadOnlyAdmin):
    list_display = ("id", "student", "problem", "attempt_number", "status", "score", "is_late", "submitted_at")
    list_filter = ("status", "is_late", "backend")
    search_fields = ("student__username", "problem__title", "text")
    inlines = (StepInline, RunInline)


@admin.register(Step)
class StepAdmin(ReadOnlyAdmin):
    list_display = ("submission", "index", "verdict", "teacher_verdict", "confidence", "checker")
    list_filter = ("verdict", "checker")


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
class OverrideAdmin(ReadOnlyAdmin):
    list_display = (
        "submission",
        "kind",
        "action",
        "step_index",
        "teacher",
        "old_verdict",
        "new_verdict",
        "old_score",
        "new_score",
        "created_at",
    )
    list_filter = ("kind", "action")


@admin.register(RegradeRequest)
class RegradeRequestAdmin(ReadOnlyAdmin):
    list_display = ("submission", "student", "status", "created_at", "resolved_at")
    list_filter = ("status",)
