"""Moodle XML import: the example question banks map as documented (docs/problem_sets.md, "Moodle XML"), what
cannot map is skipped with its reason, hostile files are refused with a clear error and import nothing, and the
teacher previews before anything is saved."""

from __future__ import annotations

import base64
from decimal import Decimal
from io import StringIO
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from tests.coursework import make_world
from tutor.audit.models import AuditEvent
from tutor.classroom import content
from tutor.classroom.errors import ClassroomError, ProblemSetError
from tutor.classroom.models import Assignment
from tutor.classroom.moodle import MAX_QUESTIONS, parse_moodle_xml

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "moodle"
QUESTIONS = (EXAMPLES / "questions.xml").read_bytes()
STACK = (EXAMPLES / "stack.xml").read_bytes()


def quiz(*questions: str) -> bytes:
    return ("<?xml version='1.0' encoding='UTF-8'?><quiz>" + "".join(questions) + "</quiz>").encode()


def shortanswer(name: str = "Q", text: str = "<p>What is 2 + 2?</p>", answer: str = "4", grade: str = "1") -> str:
    return (
        f'<question type="shortanswer"><name><text>{name}</text></name>'
        f'<questiontext format="html"><text><![CDATA[{text}]]></text></questiontext>'
        f'<defaultgrade>{grade}</defaultgrade><answer fraction="100"><text>{answer}</text></answer></question>'
    )


# --- What maps to what --------------------------------------------------------------------------------------


def test_the_example_question_bank_maps_as_documented():
    result = parse_moodle_xml(QUESTIONS, "questions.xml")
    # The category names the assignment; the description becomes its instructions
    assert result.data.fields["title"] == "Week 5: Rates and equations"
    assert result.data.fields["instructions"] == "Show every step on its own line. Finish with the answer."
    # Short answer, numerical and essay questions become problems, in file order, with their points
    assert [(p.position, p.title, p.reference_answer, p.points) for p in result.problems] == [
        (1, "Cycling speed", "24", Decimal("2.00")),
        (2, "Solve a linear equation", "6", Decimal("2.00")),
        (3, "Explain a discount", "68", Decimal("3.00")),
    ]
    cycling, linear, essay = result.problems
    # HTML becomes Markdown; Moodle's \( \) math becomes $ $; a worked general feedback is the reference solution
    assert cycling.statement == "Maya cycles **36 km** in 1.5 hours. What is her average speed in km/h?"
    assert cycling.reference_solution == ("Speed = distance ÷ time", "36 ÷ 1.5 = 24", "She rides at 24 km/h.")
    assert linear.statement == "Solve $4x - 7 = 2x + 5$ for $x$."
    assert linear.reference_solution == ("$4x - 2x = 5 + 7$", "$2x = 12$", "$x = 6$")
    # The essay's answer and steps come from "Information for graders"
    assert essay.reference_solution == ("0.15 × 80 = 12", "80 − 12 = 68", "68")
    # What the teacher should know, per problem: the image left out, the tolerance and partial credit not used
    assert "image bike.png left out (add it to the statement yourself)" in result.notes[1]
    assert any("partial-credit" in note for note in result.notes[1])
    assert any("tolerance ±0.01 is not used" in note for note in result.notes[2])
    # Multiple choice and calculated questions are skipped, each with its reason
    assert [(s.number, s.qtype) for s in result.skipped] == [(5, "multichoice"), (6, "calculated")]
    assert "different numbers" in result.skipped[1].reason


def test_a_stack_question_maps_with_its_teachers_answer_and_a_randomised_one_is_skipped():
    result = parse_moodle_xml(STACK, "stack.xml")
    [problem] = result.problems
    assert problem.title == "Expand a product"
    # {@p@} is written out as math from the question variables; the input and validation placeholders are gone
    assert problem.statement == "Expand and simplify $(x+3)(x-2)$."
    # tans ("ta") is the reference answer, with the question variable written out
    assert problem.reference_answer == "x^2+x-6"
    assert problem.reference_solution == ("$(x+3)(x-2) = x^2 - 2x + 3x - 6$", "$= x^2 + x - 6$")
    assert problem.points == Decimal("2.00")
    [skipped] = result.skipped
    assert (skipped.name, skipped.qtype) == ("Expand a random product", "stack")
    assert "randomised" in skipped.reason


def test_stack_questions_with_several_inputs_or_a_cas_command_for_an_answer():
    several = (
        '<question type="stack"><name><text>Two boxes</text></name><questiontext><text>[[input:a]] [[input:b]]'
        "</text></questiontext><input><name>a</name><tans>1</tans></input><input><name>b</name><tans>2</tans>"
        "</input></question>"
    )
    command = (
        '<question type="stack"><name><text>Derivative</text></name><questiontext><text>Differentiate {@p@}.'
        " [[input:ans1]]</text></questiontext><questionvariables><text>p:x^3; ta:diff(p,x);</text>"
        "</questionvariables><input><name>ans1</name><tans>ta</tans></input></question>"
    )
    result = parse_moodle_xml(quiz(several, command), "stack.xml")
    assert "2 answer boxes" in result.skipped[0].reason
    [problem] = result.problems
    assert problem.reference_answer == "diff((x^3),x)"
    assert any("CAS command" in note for note in result.notes[1])


def test_each_question_type_that_cannot_map_is_skipped_with_a_reason():
    types = ["truefalse", "matching", "multianswer", "random", "ddwtos", "gapselect", "ordering", "somethingnew"]
    questions = [f'<question type="{t}"><name><text>{t}</text></name></question>' for t in types]
    result = parse_moodle_xml(quiz(shortanswer(), *questions), "bank.xml")
    reasons = {s.qtype: s.reason for s in result.skipped}
    assert set(reasons) == set(types)
    assert "Cloze" in reasons["multianswer"]
    assert reasons["somethingnew"] == "the question type “somethingnew” has no equivalent here"


def test_questions_with_no_answer_to_check_are_skipped():
    no_full_marks = shortanswer().replace('fraction="100"', 'fraction="50"')
    any_number = (
        '<question type="numerical"><name><text>Any</text></name><questiontext><text>Pick</text></questiontext>'
        '<answer fraction="100"><text>*</text></answer></question>'
    )
    essay = '<question type="essay"><name><text>Open</text></name><questiontext><text>Discuss.</text></questiontext></question>'
    result = parse_moodle_xml(quiz(shortanswer(name="Fine"), no_full_marks, any_number, essay), "bank.xml")
    assert [p.title for p in result.problems] == ["Fine"]
    assert [s.reason.split(",")[0].split(":")[0] for s in result.skipped] == [
        "no answer is worth 100%",
        "it accepts any number (*)",
        "an essay with no model answer",
    ]


def test_a_file_with_nothing_importable_is_refused_with_every_reason():
    mc = '<question type="multichoice"><name><text>MC</text></name></question>'
    with pytest.raises(ProblemSetError) as caught:
        parse_moodle_xml(quiz(mc), "bank.xml")
    assert caught.value.errors == [
        "File: none of its 1 questions can be imported here.",
        "Question 1 (MC): multiple choice: picking an option has no steps to check.",
    ]


def test_html_is_made_safe_text_scripts_and_styles_dropped_entities_read():
    text = (
        "<p>Price:&nbsp;$5 &amp; <em>up</em></p><script>alert('x')</script><style>p{}</style>"
        '<p onclick="steal()">Go <a href="@@PLUGINFILE@@/sheet.pdf">sheet</a></p><table><tr><td>a</td><td>b</td></tr></table>'
    )
    result = parse_moodle_xml(quiz(shortanswer(text=text)), "bank.xml")
    [problem] = result.problems
    assert problem.statement == "Price: $5 & *up*\n\nGo sheet\na | b"
    assert "alert" not in problem.statement
    assert "onclick" not in problem.statement
    assert any("sheet.pdf" in note for note in result.notes[1])
    assert any("table" in note for note in result.notes[1])


# --- Hostile files ------------------------------------------------------------------------------------------------

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE quiz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol9 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
]>
<quiz><question type="shortanswer"><name><text>&lol9;</text></name></question></quiz>"""
EXTERNAL = b"""<?xml version="1.0"?>
<!DOCTYPE quiz [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<quiz><question type="shortanswer"><name><text>&secret;</text></name></question></quiz>"""
DTD_ONLY = b"""<?xml version="1.0"?><!DOCTYPE quiz SYSTEM "http://example.org/evil.dtd"><quiz/>"""


@pytest.mark.parametrize("data", [BILLION_LAUGHS, EXTERNAL, DTD_ONLY], ids=["billion_laughs", "external_entity", "dtd"])
def test_entities_and_dtds_are_refused(data):
    with pytest.raises(ProblemSetError) as caught:
        parse_moodle_xml(data, "evil.xml")
    [error] = caught.value.errors
    assert error.startswith("File: it declares a DTD or entities")
    assert "root:" not in error


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"<quiz><question>", "Line 1, column 17: the XML is not well formed (no element found)"),
        (b"<html><body/></html>", "File: this is XML, but not a Moodle question export: it starts with <html>"),
        (b"\xff\xfe<quiz/>", "the XML is not well formed"),
        (b"", "the XML is not well formed"),
    ],
    ids=["unclosed", "not_a_quiz", "binary", "empty"],
)
def test_broken_files_get_a_clear_error(data, message):
    with pytest.raises(ProblemSetError) as caught:
        parse_moodle_xml(data, "bank.xml")
    assert message in caught.value.errors[0]


def test_size_question_count_and_statement_limits_are_the_problem_set_limits(settings):
    settings.PROBLEM_SET_MAX_BYTES = 2_000
    with pytest.raises(ProblemSetError, match="the limit is 2,000 bytes"):
        parse_moodle_xml(quiz(shortanswer(text="x" * 3_000)), "big.xml")
    settings.PROBLEM_SET_MAX_BYTES = 10_000_000
    many = quiz(
        *[f'<question type="truefalse"><name><text>{i}</text></name></question>' for i in range(MAX_QUESTIONS + 1)]
    )
    with pytest.raises(ProblemSetError, match="more than 1,000 questions"):
        parse_moodle_xml(many, "many.xml")
    too_many_problems = quiz(*[shortanswer(name=f"Q{i}") for i in range(settings.PROBLEM_SET_MAX_PROBLEMS + 1)])
    with pytest.raises(ProblemSetError, match="the limit is 100"):
        parse_moodle_xml(too_many_problems, "many.xml")
    # A problem over the statement limit is named by its Moodle question
    long = quiz(shortanswer(name="Fine"), shortanswer(name="Essay-length", text="y" * 20_001))
    with pytest.raises(ProblemSetError) as caught:
        parse_moodle_xml(long, "long.xml")
    assert caught.value.errors == [
        "Question 2 (Essay-length), field 'statement': it has 20,001 characters; the limit is 20,000."
    ]


def test_deep_nesting_in_the_xml_or_in_its_html_is_read_without_recursion(settings):
    settings.PROBLEM_SET_MAX_BYTES = 10_000_000
    depth = 100_000
    deep_xml = quiz(shortanswer()).replace(b"</quiz>", b"<x>" * depth + b"</x>" * depth + b"</quiz>")
    assert [p.title for p in parse_moodle_xml(deep_xml, "deep.xml").problems] == ["Q"]
    deep_html = quiz(shortanswer(text="<div>" * depth + "deep" + "</div>" * depth))
    assert parse_moodle_xml(deep_html, "deep.xml").problems[0].statement == "deep"


# --- Importing: the service, the pages, the command ----------------------------------------------------------


@pytest.fixture
def world(db):
    return make_world()


def test_import_creates_the_assignment_and_records_what_was_skipped(world):
    assignment = content.moodle_import(actor=world.ta, course=world.course, content=QUESTIONS, filename="q.xml")
    assert assignment.title == "Week 5: Rates and equations"
    assert assignment.problems.count() == 3
    [event] = AuditEvent.objects.filter(event_type="problem_set.imported", target_id=str(assignment.pk))
    assert event.details["format"] == "moodle_xml"
    assert [s["type"] for s in event.details["skipped"]] == ["multichoice", "calculated"]
    # The same bank again becomes a copy, not a second assignment with the same title
    again = content.moodle_import(actor=world.ta, course=world.course, content=QUESTIONS, filename="q.xml")
    assert again.title == "Week 5: Rates and equations (copy)"


def test_a_student_cannot_import_and_a_bad_file_imports_nothing(world):
    with pytest.raises(ClassroomError, match="Only the teacher or a teaching assistant"):
        content.moodle_import(actor=world.student, course=world.course, content=QUESTIONS, filename="q.xml")
    with pytest.raises(ProblemSetError):
        content.moodle_import(actor=world.teacher, course=world.course, content=BILLION_LAUGHS, filename="q.xml")
    assert list(Assignment.objects.filter(course=world.course).values_list("title", flat=True)) == ["Week 1"]


def test_the_teacher_previews_then_confirms(world, client):
    client.force_login(world.teacher)
    url = reverse("moodle_import", args=[world.course.pk])
    # When the teacher uploads the bank
    upload = SimpleUploadedFile("questions.xml", QUESTIONS, content_type="text/xml")
    preview = client.post(url, {"step": "preview", "file": upload})
    # Then the preview lists the problems and the skipped questions, and nothing is saved yet
    page = preview.content.decode()
    assert preview.status_code == 200
    assert "Check what will be imported" in page
    assert "Pick the prime" in page
    assert "multiple choice: picking an option has no steps to check" in page
    assert "Import 3 problems" in page
    assert not Assignment.objects.filter(title__startswith="Week 5").exists()
    # When they confirm (the file travels back in the form) / Then the assignment exists
    carried = base64.b64encode(QUESTIONS).decode()
    response = client.post(url, {"step": "confirm", "content": carried, "filename": "questions.xml"})
    assignment = Assignment.objects.get(title="Week 5: Rates and equations")
    assert response["Location"] == reverse("assignment_detail", args=[assignment.pk])


def test_a_tampered_confirmation_imports_nothing(world, client):
    client.force_login(world.teacher)
    url = reverse("moodle_import", args=[world.course.pk])
    response = client.post(url, {"step": "confirm", "content": "not base64!", "filename": "q.xml"})
    assert response.status_code == 400
    assert "upload it again" in response.content.decode()
    evil = base64.b64encode(BILLION_LAUGHS).decode()
    response = client.post(url, {"step": "confirm", "content": evil, "filename": "q.xml"})
    assert "declares a DTD or entities" in response.content.decode()
    assert Assignment.objects.count() == 1


def test_the_command_imports_by_content_and_prints_what_it_skipped(world, tmp_path):
    # A Moodle bank saved with a misleading name is still read as Moodle XML
    path = tmp_path / "bank.txt"
    path.write_bytes(QUESTIONS)
    out = StringIO()
    call_command("import_problem_set", str(world.course.pk), str(path), stdout=out)
    text = out.getvalue()
    assert "Imported “Week 5: Rates and equations”" in text
    assert "with 3 problems" in text
    assert "question 5 (Pick the prime, multichoice): multiple choice" in text
    # A Markdown problem set, by its front matter
    markdown = tmp_path / "set"
    markdown.write_text("---\ntitle: From a script\n---\n## One\nWhat is 1 + 1?\n### Answer\n2\n")
    call_command("import_problem_set", str(world.course.pk), str(markdown), "--as", "ta", stdout=StringIO())
    event = AuditEvent.objects.filter(event_type="problem_set.imported").latest("id")
    assert (event.actor, event.details["filename"]) == (world.ta, "set.md")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["999999", "EXAMPLE"], "There is no class with the id 999999"),
        (["COURSE", "missing.xml"], "no such file"),
        (["COURSE", "EVIL"], "declares a DTD or entities"),
        (["COURSE", "PLAIN"], "Cannot tell the file's format"),
        (["COURSE", "EXAMPLE", "--as", "student"], "Only the teacher or a teaching assistant"),
    ],
    ids=["no_class", "no_file", "hostile", "unknown_format", "not_an_author"],
)
def test_the_command_fails_with_the_error_and_imports_nothing(world, tmp_path, args, message):
    files = {"EXAMPLE": QUESTIONS, "EVIL": BILLION_LAUGHS, "PLAIN": b"just some text"}
    resolved = []
    for arg in args:
        if arg in files:
            path = tmp_path / f"{arg}.xml"
            path.write_bytes(files[arg])
            arg = str(path)
        resolved.append(str(world.course.pk) if arg == "COURSE" else arg)
    with pytest.raises(CommandError, match=message):
        call_command("import_problem_set", *resolved, stdout=StringIO())
    assert Assignment.objects.count() == 1
