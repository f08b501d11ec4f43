"""Agreement figures on a fixture with known overrides (tests/insight/conftest.py), checked against numbers
worked out by hand below."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tutor.insight import agreement, selectors

pytestmark = pytest.mark.django_db

# The reviewed grades and, for each: (verifier's first error, first error in force, verifier's final answer,
# final answer in force, flag confidence)
#   S2 (1, 1, incorrect, incorrect, 0.95)   confirmed through a resolved regrade request
#   S3 (0, 2, incorrect, incorrect, 0.95)   step 1 cleared, step 3 marked incorrect
#   S4 (1, -, incorrect, correct,   0.50)   step 2 cleared, final answer set correct
#   S5 (2, 2, incorrect, incorrect, 0.50)   score set to 2 (raised)
#   S6 (-, 1, correct,   correct,   -   )   step 2 marked incorrect
#   S7 (0, 0, incorrect, incorrect, 0.50)   confirmed ("Confirm this grade")
# S1 nobody reviewed; S8's confirmation is older than its latest grading. Neither counts.
#
# first-error agreement: S2, S5, S7 = 3 of 6 = 50.0%; final answer: all but S4 = 5 of 6 = 83.3%
# steps: 3 + 3 + 3 + 3 + 2 + 2 = 16; (verifier incorrect / in force incorrect): S2 1/1 (both), S3 step1 / step3, S4 step2 / none,
#   S5 1/1 (both), S6 none / step2, S7 1/1 (both): predicted 5, actual 5, both 3: precision 60.0, recall 60.0
# overrides in force: steps incorrect->correct 2 (S3, S4), correct->incorrect 2 (S3, S6); final answer
#   incorrect->correct 1 (S4); scores raised 1 (S5); override actions in the history: 2 + 2 + 1 + 1 = 6
# bands: >=0.9: S2 right, S3 wrong: 2 flags, 1 right, 50.0%, mean 0.95
#        <0.7: S4 wrong, S5 right, S7 right: 3 flags, 2 right, 66.7%, mean 0.5; 0.7-0.9: none
# ECE: 2/5 * |0.5 - 0.95| + 3/5 * |2/3 - 0.5| = 0.18 + 0.10 = 28.0 points
# ProcessBench: erroneous labels S2, S3, S5, S6, S7 with S2, S5, S7 right = 60.0; correct label S4 flagged = 0.0
REVIEWED = {"S2", "S3", "S4", "S5", "S6", "S7"}


def test_reviewed_grades_are_those_a_person_acted_on_after_the_latest_grading(history):
    found = selectors.reviewed_grades()
    ids = {s.submission_id for s in found.solutions}
    assert ids == {history.subs[name].pk for name in REVIEWED}
    assert not found.truncated


def test_agreement_figures_match_the_hand_computed_ones(history):
    figures = agreement.agreement(selectors.reviewed_grades().solutions)
    assert figures.reviewed == 6
    assert (figures.first_error_agree, figures.first_error_agreement) == (3, 50.0)
    assert (figures.final_answer_agree, figures.final_answer_agreement) == (5, 83.3)
    assert (figures.steps, figures.predicted_incorrect, figures.actual_incorrect, figures.true_incorrect) == (
        16,
        5,
        5,
        3,
    )
    assert (figures.precision, figures.recall) == (60.0, 60.0)
    overrides = figures.overrides
    assert set(overrides.steps) == {("incorrect", "correct", 2), ("correct", "incorrect", 2)}
    assert overrides.final_answers == (("incorrect", "correct", 1),)
    assert (overrides.scores_raised, overrides.scores_lowered, overrides.scores_same) == (1, 0, 0)
    assert overrides.actions == 6
    assert overrides.in_force == 6
    bands = {band.key: band for band in figures.bands}
    assert (bands[">=0.9"].flags, bands[">=0.9"].right, bands[">=0.9"].precision) == (2, 1, 50.0)
    assert bands[">=0.9"].mean_confidence == 0.95
    assert (bands["<0.7"].flags, bands["<0.7"].right, bands["<0.7"].precision) == (3, 2, 66.7)
    assert bands["<0.7"].mean_confidence == 0.5
    assert (bands["0.7-0.9"].flags, bands["0.7-0.9"].precision) == (0, None)
    assert figures.ece == 28.0
    assert (figures.acc_erroneous, figures.acc_correct, figures.f1) == (60.0, 0.0, 0.0)


def test_agreement_per_problem_and_per_verifier(history):
    solutions = selectors.reviewed_grades().solutions
    by_problem = {
        row.key[0]: row.figures for row in agreement.agreement_by(solutions, lambda s: s.problem_id, lambda s: "")
    }
    p1, p2 = history.problems
    # Problem 1: S2..S5, first error agreed on S2 and S5; problem 2: S6 and S7, agreed on S7
    assert (by_problem[p1.pk].reviewed, by_problem[p1.pk].first_error_agree) == (4, 2)
    assert (by_problem[p2.pk].reviewed, by_problem[p2.pk].first_error_agree) == (2, 1)
    by_verifier = agreement.agreement_by(solutions, agreement.verifier_key, agreement.verifier_label)
    assert [(row.key, row.label, row.figures.reviewed) for row in by_verifier] == [
        (("fake", "fake", "fake-v1"), "fake · fake-v1", 6)
    ]


def test_the_dashboard_shows_the_figures_to_site_staff_only(client, history):
    url = reverse("insight:agreement")
    for who in (history.teacher, history.students[0]):
        client.force_login(who)
        assert client.get(url).status_code == 404
    client.force_login(history.admin)
    html = client.get(url).content.decode()
    assert 'data-figure="reviewed">6<' in html
    assert 'data-figure="first-error">50%<' in html
    assert 'data-figure="precision">60%<' in html
    assert 'data-figure="ece">28.0 points<' in html
    assert 'data-band="&gt;=0.9"' in html
    assert "Linear" in html
    assert "fake · fake-v1" in html
    # The band chart has a text alternative and its data table
    assert '<desc id="bands-desc">' in html
    assert "Data table" in html


def test_the_dashboard_can_be_narrowed_to_one_class(client, history):
    client.force_login(history.admin)
    other = history.problems[0].assignment.course.pk + 1000
    assert client.get(reverse("insight:agreement"), {"course": other}).status_code == 200  # unknown: every class
    html = client.get(reverse("insight:agreement"), {"course": history.problems[0].assignment.course_id}).content
    assert b'data-figure="reviewed">6<' in html


def test_no_reviews_yet_says_so(client, db):
    from tests.factories import UserFactory

    client.force_login(UserFactory(username="root", is_superuser=True))
    html = client.get(reverse("insight:agreement")).content.decode()
    assert 'data-testid="no-reviews"' in html
