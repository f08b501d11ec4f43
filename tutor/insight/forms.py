"""Forms for the insight pages: the audit log's filters, a replay, the training-data export, the agreement scope."""

from __future__ import annotations

from datetime import date
from typing import Any

from django import forms
from django.contrib.auth.models import User
from django.utils import timezone

from tutor.audit.events import AuditEventType
from tutor.classroom.models import Course

from .audit_log import AuditFilter
from .training import FORMATS

# A date range of the audit log or an export may not start before this year (and never after today + 1 year):
# a typo like 0202 fails clearly instead of running a query over nothing.
EARLIEST_YEAR = 2000


class DateInput(forms.DateInput):
    input_type = "date"


def _check_day(value: date | None) -> date | None:
    if value is not None and not EARLIEST_YEAR <= value.year <= timezone.localdate().year + 1:
        raise forms.ValidationError(f"Give a date from {EARLIEST_YEAR} to next year.")
    return value


class ClassChoiceField(forms.ModelChoiceField[Course]):
    def label_from_instance(self, obj: Course) -> str:
        return f"{obj.name} (#{obj.pk})"


class AuditFilterForm(forms.Form):
    course = ClassChoiceField(queryset=Course.objects.order_by("name", "id"), required=False, label="Class")
    user = forms.CharField(
        required=False,
        max_length=User._meta.get_field("username").max_length,
        label="User",
        help_text="A username: the events they made and the events on their own work.",
    )
    event_type = forms.ChoiceField(
        choices=[("", "Every event type"), *AuditEventType.choices], required=False, label="Event type"
    )
    since = forms.DateField(required=False, label="From", widget=DateInput())
    until = forms.DateField(required=False, label="To (included)", widget=DateInput())

    def clean_user(self) -> User | None:
        username = self.cleaned_data.get("user", "").strip()
        if not username:
            return None
        user = User.objects.filter(username=username).first()
        if user is None:
            raise forms.ValidationError(f"No user is called {username!r}.")
        return user

    def clean_since(self) -> date | None:
        return _check_day(self.cleaned_data.get("since"))

    def clean_until(self) -> date | None:
        return _check_day(self.cleaned_data.get("until"))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        since, until = data.get("since"), data.get("until")
        if since and until and until < since:
            raise forms.ValidationError("The end date is before the start date.")
        return data

    def audit_filter(self) -> AuditFilter:
        data = self.cleaned_data
        course = data.get("course")
        return AuditFilter(
            course_id=course.pk if course else None,
            user=data.get("user"),
            event_type=data.get("event_type") or "",
            since=data.get("since"),
            until=data.get("until"),
        )


class AgreementScopeForm(forms.Form):
    course = ClassChoiceField(
        queryset=Course.objects.order_by("name", "id"), required=False, label="Class", empty_label="Every class"
    )


class ReplayForm(forms.Form):
    backend = forms.ChoiceField(label="Backend", help_text="Only backends configured here are listed.")

    def __init__(self, *args: Any, backends: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["backend"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = backends


class TrainingExportForm(forms.Form):
    course = ClassChoiceField(
        queryset=Course.objects.order_by("name", "id"), required=False, label="Class", empty_label="Every class"
    )
    since = forms.DateField(
        required=False, label="Submitted on or after", widget=DateInput(), help_text="Leave empty for all time."
    )
    format = forms.ChoiceField(
        choices=[
            ("steps", "Per-step labels (+1 / -1, with each label's source)"),
            ("processbench", "ProcessBench records (problem, steps, label)"),
        ],
        initial="steps",
        label="Format",
    )

    def clean_since(self) -> date | None:
        return _check_day(self.cleaned_data.get("since"))

    def clean_format(self) -> str:
        value = str(self.cleaned_data.get("format", ""))
        if value not in FORMATS:
            raise forms.ValidationError("Choose a format.")
        return value
