from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from .events import AuditEventType
from .models import AuditEvent
from .services import record


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin[AuditEvent]):
    """Read-only: the audit log is append-only everywhere, the admin included."""

    list_display = ("created_at", "event_type", "target_type", "target_id", "course_id", "actor")
    list_filter = ("event_type", "target_type")
    search_fields = ("target_id", "event_type")

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class AuditedAdmin(admin.ModelAdmin[Any]):
    """A model admin whose every save and delete writes an audit event (who, what, which fields), in the same
    transaction as the change (the admin wraps each change view in one)."""

    def audit_course_id(self, obj: Any) -> int | None:
        """The class an object belongs to, for the audit log's class filter. Subclasses say how to find it."""
        return None

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        changed = sorted(form.changed_data) if form is not None else []
        self._record(request, obj, "changed" if change else "added", {"fields": changed})

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        self._record(request, obj, "deleted", {"repr": str(obj)[:200]})
        super().delete_model(request, obj)

    def delete_queryset(self, request: HttpRequest, queryset: Any) -> None:
        for obj in queryset:
            self._record(request, obj, "deleted", {"repr": str(obj)[:200]})
        super().delete_queryset(request, queryset)

    def _record(self, request: HttpRequest, obj: Any, action: str, details: dict[str, Any]) -> None:
        record(
            event_type=AuditEventType.ADMIN_CHANGE,
            target=obj,
            actor=request.user,
            course_id=self.audit_course_id(obj),
            details={"action": action, "model": obj._meta.label_lower, **details},
        )
