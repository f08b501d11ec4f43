"""Teacher forms on the feedback page. Validation of the domain rules stays in grading.services."""

from __future__ import annotations

from django import forms

from .models import Step


class StepOverrideForm(forms.Form):
    step_index = forms.IntegerField(min_value=0, widget=forms.HiddenInput)
    verdict = forms.ChoiceField(choices=Step.Verdict.choices)
    reason = forms.CharField(max_length=2000, widget=forms.TextInput(attrs={"placeholder": "Why you changed it"}))


class ScoreOverrideForm(forms.Form):
    score = forms.DecimalField(min_value=0, max_digits=6, decimal_places=2)
    reason = forms.CharField(max_length=2000, widget=forms.TextInput(attrs={"placeholder": "Why you changed it"}))


class RegradeForm(forms.Form):
    reason = forms.CharField(max_length=500, required=False, widget=forms.TextInput(attrs={"placeholder": "Optional"}))
