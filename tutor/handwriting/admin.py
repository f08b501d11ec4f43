"""Recognition runs and handwritten lines are the record of how a submission's text was made: read-only."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.contrib import admin
from django.http import HttpRequest

from .models import HandwrittenLine, LineRecognition

if TYPE_CHECKING:  # the stubs make ModelAdmin generic; at run time it is not subscriptable
    _ModelAdmin = admin.ModelAdmin[Any]
else:
    _ModelAdmin = admin.ModelAdmin


class ReadOnlyAdmin(_ModelAdmin):
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(LineRecognition)
class LineRecognitionAdmin(ReadOnlyAdmin):
    list_display = ("id", "student", "problem", "submission", "status", "text", "confidence", "latency_ms")
    list_filter = ("status", "recogniser")
    raw_id_fields = ("student", "problem", "submission")


@admin.register(HandwrittenLine)
class HandwrittenLineAdmin(ReadOnlyAdmin):
    list_display = ("submission", "index", "text", "choice")
    raw_id_fields = ("submission", "recognition")
