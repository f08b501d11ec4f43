"""Forms for grading pages. The templates render these forms, so the browser's limits are the server's limits;
the domain rules themselves stay in grading.services and grading.policy."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.conf import settings

from .models import MAX_EXTRA_ATTEMPTS, MAX_EXTRA_TIME_PERCENT, Step, Submission


class SolutionTextarea(forms.Textarea):
    # Django's textarea starts its content with a line break (which browsers drop); a solution never needs one,
    # and the page's text then reads exactly as the student typed it.
    template_name = "grading/widgets/solution_textarea.html"


class SolutionForm(forms.Form):
    text = forms.CharField(
        label="Write one step per line",
        strip=False,
        widget=SolutionTextarea(
            attrs={
                "rows": 12,
                "spellcheck": "false",
                "class": "no-math",
                "placeholder": "Example:\n3x + 5 = 20\n3x = 15\nx = 5",
            }
        ),
    )

    def __init__(self, *args: Any, preview_url: str = "", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        attrs = self.fields["text"].widget.attrs
        # The browser counts a line break as one character; the server counts CRLF as one too (clean_text).
        attrs["maxlength"] = settings.SOLUTION_MAX_CHARS
        if preview_url:
            # The live step preview: follows `input`, so pasting works too.
            attrs.update(
                {
                    "hx-post": preview_url,
                    "hx-trigger": "input changed delay:400ms, change",
                    "hx-target": "#step-preview",
                    "hx-swap": "outerHTML",
                }
            )

    def clean_text(self) -> str:
        # Browsers send a textarea's line breaks as CRLF: count (and keep) them as the student sees them.
        text: str = self.cleaned_data["text"].replace("\r\n", "\n")
        if len(text) > settings.SOLUTION_MAX_CHARS:
            raise forms.ValidationError(
                f"Your solution has {len(text):,} characters; the limit is {settings.SOLUTION_MAX_CHARS:,}."
            )
        return text


REASON_MAX_CHARS = 2000


class StepOverrideForm(forms.Form):
    step_index = forms.IntegerField(min_value=0, widget=forms.HiddenInput)
    verdict = forms.ChoiceField(choices=Step.Verdict.choices)
    reason = forms.CharField(
        max_length=REASON_MAX_CHARS, widget=forms.TextInput(attrs={"placeholder": "Reason for the change"})
    )

    def __init__(self, *args: Any, step: int | None = None, **kwargs: Any) -> None:
        # One form per step on the page: ids must not collide.
        if step is not None:
            kwargs.setdefault("auto_id", f"id_step{step}_%s")
        super().__init__(*args, **kwargs)


class ScoreOverrideForm(forms.Form):
    score = forms.DecimalField(min_value=0, max_digits=6, decimal_places=2)
    reason = forms.CharField(
        max_length=REASON_MAX_CHARS, widget=forms.TextInput(attrs={"placeholder": "Why you changed it"})
    )

    def __init__(self, *args: Any, points: Decimal | None = None, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "id_score_%s")
        super().__init__(*args, **kwargs)
        if points is not None:
            # The browser refuses what the service refuses: a score above the problem's points.
            self.fields["score"] = forms.DecimalField(
                min_value=0,
                max_value=Decimal(points),
                max_digits=6,
                decimal_places=2,
                label=f"Score (of {Decimal(points).normalize():f})",
            )


class FinalAnswerOverrideForm(forms.Form):
    verdict = forms.ChoiceField(choices=Submission.FinalAnswer.choices, label="Final answer")
    reason = forms.CharField(
        max_length=REASON_MAX_CHARS, widget=forms.TextInput(attrs={"placeholder": "Reason for the change"})
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "id_final_%s")
        super().__init__(*args, **kwargs)


class StepChoiceForm(forms.Form):
    """Which step (or rubric item) a clear/tick button is about."""

    step_index = forms.IntegerField(min_value=0, widget=forms.HiddenInput)


class RubricTickForm(forms.Form):
    item = forms.IntegerField(min_value=0, widget=forms.HiddenInput)
    ticked = forms.TypedChoiceField(choices=[("1", "Ticked"), ("0", "Not ticked")], coerce=lambda v: v == "1")


class RegradeForm(forms.Form):
    KEEP, DROP = "keep", "drop"
    reason = forms.CharField(max_length=500, required=False, widget=forms.TextInput(attrs={"placeholder": "Optional"}))
    overrides = forms.ChoiceField(
        choices=[
            (KEEP, "Keep my decisions (step verdicts, final answer, score)"),
            (DROP, "Drop my decisions and use only the new verdicts"),
        ],
        initial=KEEP,
        required=False,
        widget=forms.RadioSelect,
        label="Your decisions on this grade",
    )
    confirm_drop = forms.BooleanField(
        required=False, label="Yes, drop them: the student's grade will follow the checker again"
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "id_regrade_%s")
        super().__init__(*args, **kwargs)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("overrides") == self.DROP and not cleaned.get("confirm_drop"):
            raise forms.ValidationError("To drop your decisions, tick the box that confirms it.")
        return cleaned

    @classmethod
    def keeps(cls, cleaned: dict[str, Any]) -> bool:
        """Whether the teacher's decisions stay in force (the default) or are dropped on purpose."""
        return cleaned.get("overrides") != cls.DROP

    @property
    def keep_overrides(self) -> bool:
        return self.keeps(self.cleaned_data)


class DateTimeLocalInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%Y-%m-%dT%H:%M", **kwargs)


class StudentExceptionForm(forms.Form):
    """One student's exceptions on an assignment. Dates are read in the class's time zone (the view activates it)."""

    student = forms.TypedChoiceField(coerce=int, label="Student")
    due_at = forms.DateTimeField(
        required=False,
        label="Extension: this student's due date",
        widget=DateTimeLocalInput(),
        help_text="Later than the assignment's due date. Empty: no extension.",
    )
    extra_attempts = forms.IntegerField(
        required=False, initial=0, label="Extra attempts per problem", min_value=0, max_value=MAX_EXTRA_ATTEMPTS
    )
    extra_time_percent = forms.IntegerField(
        required=False,
        initial=0,
        min_value=0,
        max_value=MAX_EXTRA_TIME_PERCENT,
        label="Extra time (%)",
        help_text="A time accommodation: 50 gives half as much time again as the assignment allows from its "
        "opening to its due date (a week-long assignment: 3½ more days).",
    )
    reason = forms.CharField(
        required=False, max_length=500, label="Note (optional)", widget=forms.TextInput(attrs={"placeholder": "Why"})
    )

    def __init__(self, *args: Any, students: list[tuple[int, str]], **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "id_exception_%s")
        super().__init__(*args, **kwargs)
        field = self.fields["student"]
        assert isinstance(field, forms.TypedChoiceField)
        field.choices = students

    def clean_extra_attempts(self) -> int:
        return int(self.cleaned_data.get("extra_attempts") or 0)

    def clean_extra_time_percent(self) -> int:
        return int(self.cleaned_data.get("extra_time_percent") or 0)


REGRADE_WHOLE = "whole"


class RegradeRequestForm(forms.Form):
    step = forms.ChoiceField(label="What should your teacher look at again?")
    message = forms.CharField(
        max_length=1000,
        label="Why do you think it should change?",
        widget=forms.Textarea(attrs={"rows": 3, "placeholder": "For example: step 2 is right, 3 × 4 is 12."}),
    )

    def __init__(self, *args: Any, steps: list[tuple[int, str]], **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "id_regrade_request_%s")
        super().__init__(*args, **kwargs)
        field = self.fields["step"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [(str(index), f"Step {index + 1}: {text[:60]}") for index, text in steps] + [
            (REGRADE_WHOLE, "The grade as a whole")
        ]

    @property
    def step_index(self) -> int | None:
        value = self.cleaned_data.get("step", REGRADE_WHOLE)
        return None if value == REGRADE_WHOLE else int(value)


class RegradeAnswerForm(forms.Form):
    ACCEPT, DECLINE = "accept", "decline"
    decision = forms.ChoiceField(
        choices=[(ACCEPT, "Accept: change the grade"), (DECLINE, "Decline: the grade stays")],
        widget=forms.RadioSelect,
        initial=ACCEPT,
        label="Your answer",
    )
    verdict = forms.ChoiceField(
        required=False,
        label="New verdict for the step",
        choices=[("", "Keep the verdict"), *Step.Verdict.choices],
    )
    score = forms.DecimalField(required=False, min_value=0, max_digits=6, decimal_places=2, label="New score")
    reply = forms.CharField(
        max_length=2000,
        label="Reply to the student",
        widget=forms.Textarea(attrs={"rows": 2, "placeholder": "The student reads this on the submission page"}),
    )

    def __init__(self, *args: Any, request_id: int, points: Decimal, has_step: bool, **kwargs: Any) -> None:
        # Several requests on one page (the review queue): ids must not collide.
        kwargs.setdefault("auto_id", f"id_answer{request_id}_%s")
        super().__init__(*args, **kwargs)
        self.fields["score"] = forms.DecimalField(
            required=False,
            min_value=0,
            max_value=Decimal(points),
            max_digits=6,
            decimal_places=2,
            label=f"New score (of {Decimal(points).normalize():f})",
        )
        if not has_step:
            del self.fields["verdict"]

    @property
    def accepted(self) -> bool:
        return self.cleaned_data.get("decision") == self.ACCEPT


class BulkRegradeForm(RegradeForm):
    problem = forms.TypedChoiceField(coerce=int, label="What to regrade")

    def __init__(self, *args: Any, problems: list[tuple[int, str]], **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "id_bulk_%s")
        super().__init__(*args, **kwargs)
        field = self.fields["problem"]
        assert isinstance(field, forms.TypedChoiceField)
        field.choices = [(0, "Every problem of the assignment"), *problems]
        self.order_fields(["problem", "reason", "overrides", "confirm_drop"])
