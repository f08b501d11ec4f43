"""Forms for grading pages. The templates render these forms, so the browser's limits are the server's limits;
the domain rules themselves stay in grading.services and grading.policy."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.conf import settings

from .models import Step, Submission


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

    @property
    def keep_overrides(self) -> bool:
        return self.cleaned_data.get("overrides") != self.DROP
