"""Properties of the one score policy (grading.scoring), over generated verdict sets (hypothesis)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from grading.scoring import (
    RubricItem,
    ScoreInput,
    StepVerdictIn,
    counted_score,
    score_solution,
    work_share,
)

VERDICTS = st.sampled_from(["correct", "incorrect", "unverified"])
ANSWERS = st.sampled_from(["correct", "incorrect", "unverified"])
POINTS = st.decimals(min_value=0, max_value=100, places=2, allow_nan=False, allow_infinity=False)
STEP_TEXT = st.sampled_from(["6 × 7 = 42", "42 eggs", "x = 5", "3x = 15", "I don't know", "1 = 1", "", "48"])
REFERENCE = st.lists(st.sampled_from(["6 × 7 = 42", "x = 5", "3x = 15", "Explain why"]), max_size=4)


@st.composite
def inputs(draw: st.DrawFn) -> ScoreInput:
    verdicts = draw(st.lists(VERDICTS, min_size=0, max_size=8))
    steps = tuple(StepVerdictIn(index=i, text=draw(STEP_TEXT), verdict=v) for i, v in enumerate(verdicts))
    incorrect = [step.index for step in steps if step.verdict == "incorrect"]
    first = draw(st.sampled_from([None, *incorrect])) if incorrect else None
    scoring = draw(st.sampled_from(["steps", "final_answer", "rubric"]))
    rubric = tuple(
        RubricItem(name=f"item {i}", points=draw(POINTS), rule=draw(st.sampled_from(["", "final_answer_correct",
                   "no_error", "no_error_before"])), step=draw(st.integers(0, 9)))
        for i in range(draw(st.integers(0, 4)))
    )  # fmt: skip
    return ScoreInput(
        points=draw(POINTS),
        steps=steps,
        first_error_index=first,
        final_answer=draw(ANSWERS),
        scoring=scoring,
        final_answer_percent=draw(st.integers(0, 100)),
        reference_steps=tuple(draw(REFERENCE)),
        rubric=rubric,
        rubric_ticks={i: draw(st.booleans()) for i in range(len(rubric)) if draw(st.booleans())},
        late_penalty_percent=draw(st.integers(0, 100)),
        is_late=draw(st.booleans()),
    )


@settings(max_examples=400, deadline=None)
@given(inputs())
def test_a_score_never_exceeds_the_points_and_is_never_negative(data: ScoreInput) -> None:
    result = score_solution(data)
    assert Decimal(0) <= result.score <= data.points


@settings(max_examples=400, deadline=None)
@given(inputs())
def test_a_wrong_or_unverified_final_answer_never_gets_full_marks_automatically(data: ScoreInput) -> None:
    result = score_solution(data)
    if data.final_answer != "correct" and data.points > 0 and result.score >= data.points:
        # Full marks without a verified answer only ever come with a reason for a teacher to confirm them
        assert result.needs_teacher


@settings(max_examples=300, deadline=None)
@given(inputs())
def test_unverified_steps_earn_nothing(data: ScoreInput) -> None:
    # Given the same solution with every step the checker could not read
    blind = ScoreInput(**{**data.__dict__, "steps": tuple(
        StepVerdictIn(step.index, step.text, "unverified") for step in data.steps), "first_error_index": None,
        "final_answer": "unverified", "rubric_ticks": {}})  # fmt: skip
    result = score_solution(blind)
    if blind.scoring in ("steps", "final_answer"):
        assert result.score == 0


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.tuples(st.integers(1, 10_000), st.one_of(st.none(), POINTS), st.booleans()), max_size=6, unique_by=lambda t: t[0]),
    st.sampled_from(["best", "last", "average"]),
)  # fmt: skip
def test_the_counted_score_is_one_of_the_graded_scores_or_their_average(attempts, rule) -> None:
    counted = counted_score(attempts, rule)
    graded = [score for _, score, final in attempts if final and score is not None]
    if not graded:
        assert counted.score is None
    elif rule == "average":
        assert min(graded) - Decimal("0.01") <= counted.score <= max(graded) + Decimal("0.01")
    elif rule == "best":
        assert counted.score == max(graded)
    else:
        assert counted.score == graded[-1]


def test_padding_with_trivial_steps_earns_nothing_when_there_is_a_reference() -> None:
    reference = ("6 × 7 = 42", "42 eggs")
    plain = (StepVerdictIn(0, "6 × 7 = 42", "correct"), StepVerdictIn(1, "so 48", "incorrect"))
    padded = tuple(StepVerdictIn(i, f"{i} = {i}", "correct") for i in range(10)) + tuple(
        StepVerdictIn(10 + s.index, s.text, s.verdict) for s in plain
    )
    assert work_share(steps=plain, first_error_index=1, reference_steps=reference) == work_share(
        steps=padded, first_error_index=11, reference_steps=reference
    )


@pytest.mark.parametrize(("scoring", "expected"), [("final_answer", "0.00"), ("steps", "0.50")])
def test_the_written_examples_of_the_policy(scoring, expected) -> None:
    # Work reaches the reference's first result, then a slip; the final answer is wrong; 1 point
    data = ScoreInput(
        points=Decimal(1),
        steps=(StepVerdictIn(0, "6 × 7 = 42", "correct"), StepVerdictIn(1, "42 + 1 = 44", "incorrect")),
        first_error_index=1,
        final_answer="incorrect",
        scoring=scoring,
        final_answer_percent=0,
        reference_steps=("6 × 7 = 42", "42 + 1 = 43"),
    )
    assert score_solution(data).score == Decimal(expected)
