"""Statements: Markdown becomes sanitized HTML and the LaTeX reaches KaTeX untouched."""

from __future__ import annotations

from tutor.classroom.rendering import render_markdown, render_text_with_math


def test_latex_survives_markdown():
    html = render_markdown(r"Solve $x_1 + x_2 = \frac{1}{2}$ and $$a_b * c_d$$")
    assert r"$x_1 + x_2 = \frac{1}{2}$" in html
    assert "$$a_b * c_d$$" in html
    assert "<em>" not in html


def test_markdown_formatting_is_kept():
    html = render_markdown("**Bold** and a list:\n\n1. one\n2. two\n")
    assert "<strong>Bold</strong>" in html
    assert "<ol>" in html
    assert "<li>one</li>" in html


def test_scripts_and_handlers_are_removed():
    html = render_markdown('Hi <script>alert(1)</script> <img src=x onerror="alert(2)"> <a href="javascript:x()">l</a>')
    assert "<script" not in html
    assert "onerror" not in html
    assert "javascript:" not in html


def test_escaped_dollar_is_a_lone_dollar_sign():
    html = render_markdown(r"It costs \$80 and $\frac{1}{4}$ off.")
    assert "<span>$</span>80" in html
    assert r"$\frac{1}{4}$" in html


def test_code_is_left_exactly_as_written():
    html = render_markdown("Write `\\$` for a dollar.\n\n```\n$x_1$ \\$\n```\n")
    assert "<code>\\$</code>" in html
    assert "$x_1$ \\$" in html


def test_math_with_html_characters_is_escaped_not_interpreted():
    html = render_markdown("Is $a<b>c$ true?")
    assert "$a&lt;b&gt;c$" in html


def test_prices_in_a_students_step_are_not_paired_into_math():
    # Given a step written with dollar prices
    rendered = render_text_with_math("27 students times $4 is $108")
    # Then each dollar sits alone in its own element, out of KaTeX's reach
    assert rendered == "27 students times <span>$</span>4 is <span>$</span>108"


def test_math_in_a_students_step_is_left_for_katex_and_html_is_escaped():
    # Given a step with real inline math, a price right after it, and a tag
    rendered = render_text_with_math("$3x = 18$ so $4+$6 <b>")
    # Then the math span is kept whole, "$4+$6" stays prices, and the tag is text
    assert rendered.startswith("$3x = 18$ so ")
    assert "<span>$</span>4+<span>$</span>6" in rendered
    assert rendered.endswith("&lt;b&gt;")
