"""A class with a reviewed grading history whose figures are known (computed by hand in test_agreement.py).

The fake backend steers verdicts from the text: "WRONG" makes a step incorrect at 0.95, "UNSURE" at 0.5; every
other step is correct at 0.99. The assignment sends grades under 0.6 to review, so UNSURE flags wait there.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

import pytest
from django.contrib.auth.models import User
from django.utils import timezone

from grading import services
from grading.models import RegradeRequest, Step, Submission
from tests.factories import AssignmentFactory, EnrollmentFactory, ProblemFactory, SubmissionFactory, UserFactory
from tutor.classroom.models import Enrollment, Problem


@dataclass
class History:
    teacher: User
    admin: User
    students: list[User]
    problems: list[Problem]
    subs: dict[str, Submission] = field(default_factory=dict)


def grade(problem: Problem, student: User, text: str, attempt: int = 1) -> Submission:
    submission = SubmissionFactory(problem=problem, student=student, text=text, backend="fake", attempt_number=attempt)
    services.submission_grade(submission_id=submission.pk, grading_version=1)
    submission.refresh_from_db()
    return submission


def step(submission: Submission, index: int) -> Step:
    return submission.steps.get(index=index)


def resolve_request(submission: Submission, message: str = "Please check again.") -> RegradeRequest:
    return RegradeRequest.objects.create(
        submission=submission,
        student=submission.student,
        message=message,
        status=RegradeRequest.Status.ACCEPTED,
        resolved_at=timezone.now(),
    )


@pytest.fixture
def history(db) -> History:
    assignment = AssignmentFactory(review_threshold=0.6, title="Week 1")
    course = assignment.course
    teacher = UserFactory(username="teacher1", first_name="Ms. T")
    admin = UserFactory(username="admin1", is_staff=True)
    EnrollmentFactory(course=course, user=teacher, role=Enrollment.Role.TEACHER)
    students = [UserFactory(username=f"student{i}") for i in range(1, 9)]
    for student in students:
        EnrollmentFactory(course=course, user=student, role=Enrollment.Role.STUDENT)
    p1 = ProblemFactory(assignment=assignment, position=1, title="Linear", points=2)
    p2 = ProblemFactory(assignment=assignment, position=2, title="Two steps", points=2)
    h = History(teacher=teacher, admin=admin, students=students, problems=[p1, p2])
    s = h.subs
    # S1: right, nobody reviewed it: not counted.
    s["S1"] = grade(p1, students[0], "a = 1\nb = 2\nc = 3")
    # S2: a confident flag; the student asked for a regrade and the teacher kept it (confirmed).
    s["S2"] = grade(p1, students[1], "a = 1\nWRONG b = 2\nc = 3")
    resolve_request(s["S2"])
    # S3: a confident false alarm at step 1; the teacher clears it and marks step 3 instead.
    s["S3"] = grade(p1, students[2], "WRONG a = 1\nb = 2\nc = 3")
    services.step_override(step=step(s["S3"], 0), actor=teacher, verdict="correct", reason="Fine.")
    services.step_override(step=step(s["S3"], 2), actor=teacher, verdict="incorrect", reason="Sign error.")
    # S4: an unsure flag (waits for review); the teacher clears it and marks the final answer correct.
    s["S4"] = grade(p1, students[3], "a = 1\nUNSURE b = 2\nc = 3")
    services.step_override(step=step(s["S4"], 1), actor=teacher, verdict="correct", reason="Right.")
    services.final_answer_override(submission=s["S4"], actor=teacher, verdict="correct", reason="Right answer.")
    # S5: an unsure flag the teacher agrees with, but gives full marks anyway (a score decision only).
    s["S5"] = grade(p1, students[4], "a = 1\nb = 2\nUNSURE c = 3")
    services.score_override(submission=s["S5"], actor=teacher, score=Decimal(2), reason="Close enough.")
    # S6: no flag; the teacher finds an error the verifier missed at step 2.
    s["S6"] = grade(p2, students[5], "a = 1\nb = 2")
    services.step_override(step=step(s["S6"], 1), actor=teacher, verdict="incorrect", reason="Missed this.")
    # S7: an unsure flag waiting for review; the teacher confirms the grade.
    s["S7"] = grade(p2, students[6], "UNSURE a = 1\nb = 2")
    services.review_accept(submission=s["S7"], actor=teacher)
    # S8: confirmed through a regrade request, then regraded: the confirmation is older than the grade now.
    s["S8"] = grade(p2, students[7], "a = 1\nWRONG b = 2")
    resolve_request(s["S8"])
    services.submission_regrade(submission=s["S8"], actor=teacher, reason="New checker")
    services.submission_grade(submission_id=s["S8"].pk, grading_version=2)  # what the queued task does
    for submission in s.values():
        submission.refresh_from_db()
    assert s["S8"].status == Submission.Status.GRADED
    assert s["S8"].grading_version == 2
    assert s["S4"].status == Submission.Status.GRADED  # the teacher's decision settled the review
    return h
