from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings

from . import timezones
from .backends import backend_choices
from .models import Assignment, Enrollment, field_bounds


class CourseForm(forms.Form):
    name = forms.CharField(
        max_length=200, label="Class name", widget=forms.TextInput(attrs={"placeholder": "Algebra 1, period 3"})
    )
    description = forms.CharField(required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))
    time_zone = forms.ChoiceField(
        label="Time zone",
        required=False,
        help_text="Due dates are shown, and the dates you type are read, in this time zone.",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["time_zone"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = timezones.choices()
        field.initial = settings.TIME_ZONE


class JoinForm(forms.Form):
    join_code = forms.CharField(
        max_length=20,
        label="Class code",
        widget=forms.TextInput(
            attrs={"placeholder": "e.g. K7QW2MZP", "autocomplete": "off", "autocapitalize": "characters"}
        ),
    )


class AddMemberForm(forms.Form):
    username = forms.CharField(max_length=150)
    role = forms.ChoiceField(
        choices=[(Enrollment.Role.TA.value, "Teaching assistant"), (Enrollment.Role.STUDENT.value, "Student")],
        initial=Enrollment.Role.TA.value,
    )


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%Y-%m-%dT%H:%M", **kwargs)


def _bound(field: forms.IntegerField | forms.FloatField, low: float | None, high: float | None) -> None:
    """Show the browser the model's limits, so it refuses what the server refuses (the model's validators run
    on the server as part of the form's validation)."""
    whole = not isinstance(field, forms.FloatField)
    for attr, bound in (("min", low), ("max", high)):
        if bound is not None:
            field.widget.attrs[attr] = int(bound) if whole else bound


class AssignmentForm(forms.ModelForm[Assignment]):
    class Meta:
        model = Assignment
        fields = list(Assignment.SETTINGS_FIELDS)
        widgets = {
            "instructions": forms.Textarea(attrs={"rows": 3}),
            "opens_at": DateTimeInput(),
            "due_at": DateTimeInput(),
        }
        labels = {
            "opens_at": "Opens at (students see it from then; empty = now)",
            "due_at": "Due at",
            "verifier_backend": "How steps are checked",
            "verification_parallel": "Independent checks per solution (AI verifier only)",
            "verification_rounds": "Second looks per check (AI verifier only)",
            "review_threshold": "Send to my review queue when the checker's confidence is below",
            "attempt_rule": "Which attempt counts",
            "hint_policy": "Hints",
            "hint_limit": "Hints per problem",
            "hint_cost_percent": "Points each hint costs (%)",
        }
        help_texts = {
            "verification_parallel": (
                "How many times the AI verifier checks each solution independently; they vote on the first error. "
                "More checks are steadier and slower. 1 gives the same grade every time."
            ),
            "verification_rounds": "How many times the AI verifier re-reads its own check before it decides.",
            "review_threshold": "From 0 to 1. At 0.5, grades the checker is unsure about wait for you.",
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        current = self.instance.verifier_backend if self.instance.pk else ""
        self.fields["verifier_backend"] = forms.ChoiceField(
            choices=backend_choices(current),
            initial=settings.VERIFIER_DEFAULT_BACKEND,
            label="How steps are checked",
            help_text="Only checkers set up on this server are listed.",
        )
        self.fields["instructions"].widget.attrs["maxlength"] = settings.ASSIGNMENT_INSTRUCTIONS_MAX_CHARS
        for name, field in self.fields.items():
            if isinstance(field, forms.IntegerField | forms.FloatField):
                _bound(field, *field_bounds(Assignment, name))
        # Left out, the rule is the model's default (a form posted by a script need not name it).
        self.fields["attempt_rule"].required = False
        for name in ("hint_policy", "hint_limit", "hint_cost_percent"):
            self.fields[name].required = False

    def clean_attempt_rule(self) -> str:
        return str(self.cleaned_data.get("attempt_rule") or Assignment.AttemptRule.BEST)

    def clean_hint_policy(self) -> str:
        return str(self.cleaned_data.get("hint_policy") or Assignment.HintPolicy.AFTER_FIRST_ATTEMPT)

    def clean_hint_limit(self) -> int:
        value = self.cleaned_data.get("hint_limit")
        return int(value) if value is not None else int(Assignment._meta.get_field("hint_limit").get_default())

    def clean_hint_cost_percent(self) -> int:
        value = self.cleaned_data.get("hint_cost_percent")
        return int(value) if value is not None else 0

    def clean_instructions(self) -> str:
        # Browsers send line breaks as CRLF but count them as one character, as the limit does.
        instructions: str = (self.cleaned_data.get("instructions") or "").replace("\r\n", "\n")
        limit = settings.ASSIGNMENT_INSTRUCTIONS_MAX_CHARS
        if len(instructions) > limit:
            count = len(instructions)
            raise forms.ValidationError(f"The instructions have {count:,} characters; the limit is {limit:,}.")
        return instructions

    FIELDSETS = (
        ("The basics", ("title", "instructions", "opens_at", "due_at")),
        ("Attempts and late work", ("max_attempts", "attempt_rule", "late_policy", "late_penalty_percent")),
        ("Hints", ("hint_policy", "hint_limit", "hint_cost_percent")),
        (
            "How answers are checked",
            (
                "verifier_backend",
                "reveal_corrections",
                "review_threshold",
                "verification_parallel",
                "verification_rounds",
            ),
        ),
    )

    def fieldsets(self) -> list[tuple[str, list[forms.BoundField]]]:
        return [(legend, [self[name] for name in names]) for legend, names in self.FIELDSETS]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        opens_at, due_at = cleaned.get("opens_at"), cleaned.get("due_at")
        if opens_at and due_at and due_at <= opens_at:
            self.add_error("due_at", "The due date must be after the opening date.")
        return cleaned


class ProblemForm(forms.Form):
    title = forms.CharField(max_length=200, required=False)
    statement = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="Markdown; write math in LaTeX between dollar signs, like $\\frac{3}{4}x = 6$.",
    )
    reference_answer = forms.CharField(max_length=500, label="Reference answer")
    reference_solution = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        label="Reference solution",
        help_text="One step per line. Students never see it.",
    )
    points = forms.DecimalField(min_value=0, max_value=9999, decimal_places=2, initial=1)

    def clean_statement(self) -> str:
        statement: str = self.cleaned_data["statement"]
        if len(statement) > settings.PROBLEM_STATEMENT_MAX_CHARS:
            limit = settings.PROBLEM_STATEMENT_MAX_CHARS
            raise forms.ValidationError(f"The statement has {len(statement):,} characters; the limit is {limit:,}.")
        return statement

    def solution_steps(self) -> list[str]:
        return [line.strip() for line in self.cleaned_data.get("reference_solution", "").splitlines() if line.strip()]


class ProblemSetUploadForm(forms.Form):
    file = forms.FileField(
        label="Problem set file (.md or .json)",
        widget=forms.ClearableFileInput(attrs={"accept": ".md,.markdown,.json,text/markdown,application/json"}),
    )

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > settings.PROBLEM_SET_MAX_BYTES:
            raise forms.ValidationError(
                f"The file is {upload.size:,} bytes; the limit is {settings.PROBLEM_SET_MAX_BYTES:,} bytes."
            )
        return upload
