"""Forms for running a class after it is created: its settings, editing and moving content, the Moodle import,
the roster import, passwords and signing up. The templates render these forms; limits come from the models and
settings; the rules are the services'."""

from __future__ import annotations

import base64
import binascii
import re
from decimal import Decimal, InvalidOperation
from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth.validators import UnicodeUsernameValidator

from .forms import CourseForm, ProblemForm
from .models import RUBRIC_MAX_ITEMS, RUBRIC_NAME_MAX_CHARS, Course, Problem, field_bounds, rubric_problems


class CourseSettingsForm(CourseForm):
    allow_signup = forms.BooleanField(
        required=False,
        label="Students may create their own account with the class code",
        help_text="On the sign-up page. Otherwise you add them (import a roster) or they join with an account.",
    )


class MoveForm(forms.Form):
    direction = forms.ChoiceField(choices=[("up", "Up"), ("down", "Down")])


# How a rubric line names its rule ("no error before step k" is read by NO_ERROR_BEFORE), both ways.
RULE_PHRASES = {
    Problem.RubricRule.FINAL_ANSWER_CORRECT: "final answer correct",
    Problem.RubricRule.NO_ERROR: "no error",
}
RUBRIC_WHEN = {
    "": Problem.RubricRule.TEACHER,
    "teacher": Problem.RubricRule.TEACHER,
    "by me": Problem.RubricRule.TEACHER,
    **{phrase: rule for rule, phrase in RULE_PHRASES.items()},
}
NO_ERROR_BEFORE = re.compile(r"^no error before step\s+(\d{1,3})$")


def rubric_text(items: list[dict[str, Any]]) -> str:
    """The stored rubric as the lines the form shows: `points | name | when`."""
    lines = []
    for item in items if isinstance(items, list) else []:
        if not isinstance(item, dict):
            continue
        try:
            points = f"{Decimal(str(item.get('points', '0'))).normalize():f}"
        except InvalidOperation:  # stored by hand; shown as it is, so the teacher can correct it
            points = str(item.get("points", ""))
        rule = item.get("rule", "")
        when = (
            f"no error before step {item.get('step', 0)}"
            if rule == Problem.RubricRule.NO_ERROR_BEFORE
            else RULE_PHRASES.get(rule, "")
        )
        lines.append(" | ".join(part for part in (points, str(item.get("name", "")), when) if part))
    return "\n".join(lines)


def parse_rubric(text: str) -> list[dict[str, Any]]:
    """`points | name | when` per line (when: empty for "I tick it", "final answer correct", "no error" or
    "no error before step k") into the stored form; every line's problem is reported, with its number."""
    items: list[dict[str, Any]] = []
    errors: list[str] = []
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    if len(lines) > RUBRIC_MAX_ITEMS:
        raise forms.ValidationError(f"A rubric has at most {RUBRIC_MAX_ITEMS} items; this one has {len(lines)}.")
    for number, line in enumerate(lines, start=1):
        parts = [part.strip() for part in line.split("|")]
        if len(parts) not in (2, 3):
            errors.append(f"Line {number}: write points | name, or points | name | when.")
            continue
        try:
            points = Decimal(parts[0].replace(",", "."))
        except InvalidOperation:
            errors.append(f"Line {number}: “{parts[0][:20]}” is not a number of points.")
            continue
        when = " ".join(parts[2].lower().split()) if len(parts) == 3 else ""
        step = 0
        match = NO_ERROR_BEFORE.match(when)
        if match:
            rule, step = Problem.RubricRule.NO_ERROR_BEFORE, int(match[1])
        elif when in RUBRIC_WHEN:
            rule = RUBRIC_WHEN[when]
        else:
            errors.append(
                f"Line {number}: “{parts[2][:40]}” is not a rule; leave it empty (you tick it), or write "
                "final answer correct, no error, or no error before step 3."
            )
            continue
        points_text = f"{points:f}" if points.is_finite() else parts[0]
        items.append({"name": parts[1], "points": points_text, "rule": str(rule), "step": step})
    if errors:
        raise forms.ValidationError(errors)
    return items


class ProblemEditForm(ProblemForm):
    scoring = forms.ChoiceField(choices=Problem.Scoring.choices, label="How the score is computed")
    final_answer_percent = forms.IntegerField(
        label="Share of the points for a correct final answer (%)",
        help_text="With the steps rule; the work before the first error earns the rest.",
    )
    rubric = forms.CharField(
        required=False,
        max_length=RUBRIC_MAX_ITEMS * (RUBRIC_NAME_MAX_CHARS + 60),
        label="Rubric items (with the rubric rule)",
        widget=forms.Textarea(
            attrs={
                "rows": 4,
                "class": "no-math",
                "placeholder": "2 | Sets up the equation\n1 | Final answer | final answer correct",
            }
        ),
        help_text=(
            "One item per line: points | name | when. Leave “when” out for an item you tick yourself, or write "
            "final answer correct, no error, or no error before step 3 to have it ticked by the checker's verdicts. "
            "The items' points add up to the problem's."
        ),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        low, high = field_bounds(Problem, "final_answer_percent")
        # The browser refuses what clean_final_answer_percent refuses (the model's limits).
        self.fields["final_answer_percent"].widget.attrs.update({"min": int(low or 0), "max": int(high or 100)})

    @classmethod
    def for_problem(cls, problem: Problem, data: Any = None) -> ProblemEditForm:
        initial = {
            "title": problem.title,
            "statement": problem.statement,
            "reference_answer": problem.reference_answer,
            "reference_solution": "\n".join(str(step) for step in problem.reference_solution or []),
            "points": problem.points,
            "scoring": problem.scoring,
            "final_answer_percent": problem.final_answer_percent,
            "rubric": rubric_text(problem.rubric),
        }
        return cls(data, initial=initial)

    def clean_rubric(self) -> list[dict[str, Any]]:
        return parse_rubric(self.cleaned_data.get("rubric") or "")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if "rubric" in data and "points" in data and "scoring" in data:
            # The model's rule (tutor.classroom.models.rubric_problems), shown next to the field.
            for problem in rubric_problems(
                data["rubric"], data["points"], required=data["scoring"] == Problem.Scoring.RUBRIC
            ):
                self.add_error("rubric", problem)
        return data

    def clean_final_answer_percent(self) -> int:
        value = int(self.cleaned_data["final_answer_percent"])
        low, high = field_bounds(Problem, "final_answer_percent")
        if not int(low or 0) <= value <= int(high or 100):
            raise forms.ValidationError(f"Write a whole number from {int(low or 0)} to {int(high or 100)}.")
        return value

    def fields_for_service(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "title": data["title"],
            "statement": data["statement"],
            "reference_answer": data["reference_answer"],
            "reference_solution": self.solution_steps(),
            "points": data["points"],
            "scoring": data["scoring"],
            "final_answer_percent": data["final_answer_percent"],
            "rubric": data["rubric"],
        }


class CopyAssignmentForm(forms.Form):
    course = forms.TypedChoiceField(coerce=int, label="Copy into")

    def __init__(self, *args: Any, courses: list[Course], current: Course, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["course"]
        assert isinstance(field, forms.TypedChoiceField)
        field.choices = [(c.pk, f"{c.name} (this class)" if c.pk == current.pk else c.name) for c in courses]
        field.initial = current.pk


def _size_checked(upload: Any, limit: int) -> Any:
    if upload.size > limit:
        raise forms.ValidationError(f"The file is {upload.size:,} bytes; the limit is {limit:,} bytes.")
    return upload


class MoodleUploadForm(forms.Form):
    file = forms.FileField(
        label="Moodle XML file (a question bank export)",
        widget=forms.ClearableFileInput(attrs={"accept": ".xml,text/xml,application/xml"}),
    )

    def clean_file(self) -> Any:
        return _size_checked(self.cleaned_data["file"], settings.PROBLEM_SET_MAX_BYTES)


class CarriedFileForm(forms.Form):
    """A previewed file, carried to the confirmation as base64 in a hidden field (nothing is stored between)."""

    content = forms.CharField(widget=forms.HiddenInput)
    filename = forms.CharField(widget=forms.HiddenInput, max_length=255)

    @classmethod
    def carrying(cls, content: bytes, filename: str) -> CarriedFileForm:
        return cls(initial={"content": base64.b64encode(content).decode("ascii"), "filename": filename[:255]})

    def clean_content(self) -> bytes:
        try:
            content = base64.b64decode(self.cleaned_data["content"], validate=True)
        except (binascii.Error, ValueError) as exc:
            raise forms.ValidationError("The file was lost on the way; upload it again.") from exc
        limit = max(settings.PROBLEM_SET_MAX_BYTES, settings.ROSTER_MAX_BYTES)
        if len(content) > limit:
            raise forms.ValidationError("The file is too large; upload it again.")
        return content


class RosterUploadForm(forms.Form):
    file = forms.FileField(
        label="Roster file (.csv with the columns username, name, email)",
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
    )

    def clean_file(self) -> Any:
        return _size_checked(self.cleaned_data["file"], settings.ROSTER_MAX_BYTES)


class PasswordSetForm(forms.Form):
    password = forms.CharField(
        required=False,
        max_length=128,
        label="New temporary password",
        help_text="Leave it empty and a random one is made for you. The student can change it later.",
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )


class SignupForm(forms.Form):
    join_code = forms.CharField(
        max_length=20,
        label="Class code",
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters"}),
    )
    username = forms.CharField(
        max_length=150,
        validators=[UnicodeUsernameValidator()],
        help_text="Letters, digits and @ . + - _ only. You log in with it.",
        widget=forms.TextInput(attrs={"autocomplete": "username", "autocapitalize": "none"}),
    )
    name = forms.CharField(max_length=150, required=False, label="Your name", help_text="As your teacher knows you.")
    email = forms.EmailField(
        required=False, label="Email (optional)", help_text="To reset your password if you forget it."
    )
    password1 = forms.CharField(
        label="Password",
        max_length=128,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    password2 = forms.CharField(
        label="The same password again",
        max_length=128,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("password1") and cleaned.get("password1") != cleaned.get("password2"):
            self.add_error("password2", "The two passwords are not the same.")
        return cleaned
