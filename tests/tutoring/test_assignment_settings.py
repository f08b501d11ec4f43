"""The hint policy is an assignment setting like the others: in the form (with the model's limits) and in a
problem set's front matter, where a bad value is named and nothing is imported."""

from __future__ import annotations

import pytest

from tests.classroom.test_importers import GOOD, errors_of, parse
from tutor.classroom.forms import AssignmentForm


def test_the_front_matter_sets_the_hint_policy():
    text = GOOD.replace("title: Quiz\n", "title: Quiz\nhint_policy: always\nhint_limit: 5\nhint_cost_percent: 10\n")
    fields = parse(text).fields
    assert (fields["hint_policy"], fields["hint_limit"], fields["hint_cost_percent"]) == ("always", 5, 10)
    defaults = parse(GOOD).fields
    assert (defaults["hint_policy"], defaults["hint_limit"], defaults["hint_cost_percent"]) == (
        "after_first_attempt",
        3,
        0,
    )


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        (
            "hint_policy: sometimes",
            "Field 'hint_policy': 'sometimes' is not one of: never, after_first_attempt, always.",
        ),
        ("hint_limit: 0", "Field 'hint_limit': write a whole number from 1 to 20 (got 0)."),
        ("hint_cost_percent: 150", "Field 'hint_cost_percent': write a whole number from 0 to 100 (got 150)."),
    ],
)
def test_bad_hint_settings_are_named(line, expected):
    assert expected in errors_of(GOOD.replace("title: Quiz\n", f"title: Quiz\n{line}\n"))


@pytest.mark.django_db
def test_the_assignment_form_offers_the_hint_settings_with_their_limits():
    form = AssignmentForm()
    assert [legend for legend, _ in form.fieldsets()].count("Hints") == 1
    assert form.fields["hint_limit"].widget.attrs["max"] == 20
    assert form.fields["hint_cost_percent"].widget.attrs["max"] == 100
    # and a form that leaves them out gets the defaults
    form = AssignmentForm(data={"title": "Quiz", "late_policy": "penalty", "late_penalty_percent": 10,
                                "max_attempts": 3, "verifier_backend": "symbolic", "verification_parallel": 1,
                                "verification_rounds": 1, "review_threshold": 0.5})  # fmt: skip
    assert form.is_valid(), form.errors
    assert (form.cleaned_data["hint_policy"], form.cleaned_data["hint_limit"]) == ("after_first_attempt", 3)
