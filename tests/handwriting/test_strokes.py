"""The stroke payload of one line: what is accepted, and every bound refused with a specific code."""

from __future__ import annotations

import json

import pytest

from verifier_worker.handwriting.strokes import (
    DEFAULT_LIMITS,
    StrokeLimits,
    StrokePayloadError,
    parse_line,
    svg_paths,
    validate_line,
)


def ink(strokes, width=400, height=150) -> str:
    return json.dumps({"width": width, "height": height, "strokes": strokes})


def refused(raw, code: str, limits: StrokeLimits = DEFAULT_LIMITS) -> str:
    with pytest.raises(StrokePayloadError) as info:
        parse_line(raw, limits)
    assert info.value.code == code, info.value.message
    return info.value.message


def test_a_line_of_strokes_is_parsed_rounded_and_hashed_stably():
    # given two strokes with sub-pixel coordinates
    raw = ink([[[10.04, 20.06], [30, 40]], [[50, 60]]])
    # when it is parsed
    line = parse_line(raw)
    # then the points are rounded to a tenth of a pixel, counted, and the same ink hashes the same
    assert line.strokes == (((10.0, 20.1), (30.0, 40.0)), ((50.0, 60.0),))
    assert line.point_count == 3
    assert line.width == 400
    assert line.digest() == parse_line(raw.encode()).digest()
    assert line.digest() != parse_line(ink([[[10, 20], [30, 41]], [[50, 60]]])).digest()
    # and it round-trips through its stored JSON form
    assert validate_line(line.to_json()) == line


def test_svg_paths_are_numbers_only():
    line = parse_line(ink([[[1, 2], [3, 4]], [[5, 6]]]))
    assert svg_paths(line) == ["M1 2 L3 4", "M5 6 L5 6"]


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("{not json", "malformed"),
        ("", "malformed"),
        ("[]", "malformed"),
        ('"strokes"', "malformed"),
        ('{"width": 10, "height": 10}', "malformed"),
        ('{"width": 10, "height": 10, "strokes": [], "extra": 1}', "malformed"),
        ('{"width": 10, "height": 10, "strokes": {}}', "malformed"),
        ('{"width": 10, "height": 10, "strokes": []}', "empty"),
        ('{"width": 10, "height": 10, "strokes": [[]]}', "malformed"),
        ('{"width": 10, "height": 10, "strokes": [[[1, 2, 3]]]}', "malformed"),
        ('{"width": 10, "height": 10, "strokes": [[{"x": 1, "y": 2}]]}', "malformed"),
        ('{"width": 10, "height": 10, "strokes": [[[NaN, 1]]]}', "not_finite"),
        ('{"width": 10, "height": 10, "strokes": [[[Infinity, 1]]]}', "not_finite"),
        ('{"width": 10, "height": 10, "strokes": [[[-Infinity, 1]]]}', "not_finite"),
        ('{"width": 10, "height": 10, "strokes": [[[1e400, 1]]]}', "not_finite"),
        ('{"width": 10, "height": 10, "strokes": [[[' + "9" * 400 + ", 1]]]}", "not_finite"),
        ('{"width": 10, "height": 10, "strokes": [[[true, 1]]]}', "not_a_number"),
        ('{"width": 10, "height": 10, "strokes": [[["1", 1]]]}', "not_a_number"),
        ('{"width": 10, "height": 10, "strokes": [[[null, 1]]]}', "not_a_number"),
        ('{"width": 10, "height": 10, "strokes": [[[-1, 1]]]}', "out_of_range"),
        ('{"width": 10, "height": 10, "strokes": [[[5000, 1]]]}', "out_of_range"),
        ('{"width": 1e9, "height": 10, "strokes": [[[1, 1]]]}', "out_of_range"),
        ('{"width": 0, "height": 10, "strokes": [[[1, 1]]]}', "out_of_range"),
        (b"\xff\xfe not utf-8", "malformed"),
    ],
)
def test_malformed_and_hostile_payloads_are_refused_with_a_specific_code(raw, code):
    refused(raw, code)


def test_deeply_nested_json_is_refused_not_a_recursion_crash():
    # 30,000 brackets fit in the byte limit and overflow Python's recursion limit
    refused("[" * 30_000 + "]" * 30_000, "malformed")


def test_the_byte_bound_is_checked_before_parsing():
    raw = ink([[[1, 1]] * 10]) + " " * DEFAULT_LIMITS.max_bytes
    message = refused(raw, "too_large")
    assert f"{DEFAULT_LIMITS.max_bytes:,}" in message


def test_thousands_of_strokes_are_refused():
    limits = StrokeLimits(max_bytes=10**7)
    message = refused(ink([[[1, 1]]] * 5000), "too_many_strokes", limits)
    assert "5,000 strokes" in message
    assert f"limit is {DEFAULT_LIMITS.max_strokes}" in message


def test_exactly_the_stroke_bound_is_accepted():
    assert len(parse_line(ink([[[1, 1]]] * DEFAULT_LIMITS.max_strokes)).strokes) == DEFAULT_LIMITS.max_strokes


def test_points_per_stroke_and_per_line_are_bounded():
    limits = StrokeLimits(max_bytes=10**7)
    refused(ink([[[1, 1]] * (DEFAULT_LIMITS.max_points_per_stroke + 1)]), "too_many_points", limits)
    per_stroke = DEFAULT_LIMITS.max_points_per_stroke
    strokes = [[[1, 1]] * per_stroke for _ in range(DEFAULT_LIMITS.max_points // per_stroke + 1)]
    refused(ink(strokes), "too_many_points", limits)
