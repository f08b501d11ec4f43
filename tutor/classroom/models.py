from __future__ import annotations

import secrets
from decimal import Decimal, InvalidOperation
from typing import Any, Self, TypeVar

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

from .schedule import EARLIEST, LATEST, RANGE_TEXT, validate_schedule_date

MAX_ATTEMPTS = 100
MAX_HINTS = 20

JOIN_CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O or 1/I: codes are read aloud and typed


def field_bounds(model: type[models.Model], name: str) -> tuple[float | None, float | None]:
    """The (low, high) a field's Min/MaxValueValidators allow: the one source for forms and importers."""
    low: float | None = None
    high: float | None = None
    for validator in model_field(model, name).validators:
        if isinstance(validator, MinValueValidator):
            low = float(validator.limit_value)
        elif isinstance(validator, MaxValueValidator):
            high = float(validator.limit_value)
    return low, high


def model_field(model: type[models.Model], name: str) -> models.Field[Any, Any]:
    field = model._meta.get_field(name)
    assert isinstance(field, models.Field), f"{model.__name__}.{name} is not a concrete field"
    return field


def new_join_code() -> str:
    return "".join(secrets.choice(JOIN_CODE_ALPHABET) for _ in range(8))


def default_time_zone() -> str:
    return str(settings.TIME_ZONE)


_Archivable = TypeVar("_Archivable", bound=models.Model)


class ArchivableQuerySet(models.QuerySet[_Archivable]):
    """Archived rows keep every grade; they are hidden from students and left out of gradebooks and totals."""

    def active(self) -> Self:
        return self.filter(archived_at__isnull=True)

    def archived(self) -> Self:
        return self.filter(archived_at__isnull=False)


class CourseQuerySet(ArchivableQuerySet["Course"]):
    pass


class AssignmentQuerySet(ArchivableQuerySet["Assignment"]):
    pass


class ProblemQuerySet(ArchivableQuerySet["Problem"]):
    pass


class Course(models.Model):
    """A class a teacher runs. Called Course in code because `class` is a Python keyword."""

    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    # Dates on the class's pages are shown, and the dates a teacher types are read, in this time zone.
    time_zone = models.CharField(max_length=64, default=default_time_zone)
    join_code = models.CharField(max_length=12, unique=True, default=new_join_code)
    # Whether someone without an account may create one with the join code (the sign-up page).
    allow_signup = models.BooleanField(
        default=False,
        help_text="Let students create their own account on the sign-up page with the class code.",
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    # An archived class is hidden from its students and takes no submissions; its staff still see everything.
    archived_at = models.DateTimeField(null=True, blank=True)

    objects = CourseQuerySet.as_manager()

    class Meta:
        ordering = ["name", "id"]
        # Granted by a site admin (Django admin, or `manage.py teacher_grant USERNAME`): who may create classes.
        permissions = [("create_course", "Can create classes (teacher)")]

    def __str__(self) -> str:
        return self.name


class Enrollment(models.Model):
    class Role(models.TextChoices):
        TEACHER = "teacher", "Teacher"
        TA = "ta", "Teaching assistant"
        STUDENT = "student", "Student"

    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="enrollments")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="enrollments")
    role = models.CharField(max_length=10, choices=Role.choices)
    joined_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["course", "user"], name="unique_enrollment")]
        ordering = ["role", "user__username"]

    def __str__(self) -> str:
        return f"{self.user} in {self.course} as {self.role}"

    @property
    def is_staff_role(self) -> bool:
        return self.role in (self.Role.TEACHER, self.Role.TA)


class Invitation(models.Model):
    """A teacher asked an existing account to join their class; it joins only if that person accepts."""

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting for an answer"
        ACCEPTED = "accepted", "Accepted"
        DECLINED = "declined", "Declined"

    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="invitations")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="invitations")
    role = models.CharField(max_length=10, choices=Enrollment.Role.choices)
    invited_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    created_at = models.DateTimeField(auto_now_add=True)
    answered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["course", "user"], condition=Q(status="pending"), name="one_pending_invitation"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} invited to {self.course} as {self.role}"


class Assignment(models.Model):
    class LatePolicy(models.TextChoices):
        ACCEPT_WITH_PENALTY = "penalty", "Accept late work with a penalty"
        REFUSE = "refuse", "Refuse late work"

    class HintPolicy(models.TextChoices):
        # When a student may ask for a hint (grading.tutoring.policy.hint_decision).
        NEVER = "never", "No hints"
        AFTER_FIRST_ATTEMPT = "after_first_attempt", "After an attempt is graded"
        ALWAYS = "always", "Always, also before the first attempt"

    class AttemptRule(models.TextChoices):
        # Which attempt's score counts in the gradebook (grading.scoring.counted_score).
        BEST = "best", "The best attempt counts"
        LAST = "last", "The last graded attempt counts"
        AVERAGE = "average", "The average of the graded attempts counts"

    # The fields a teacher sets, by form or in a problem set's front matter.
    SETTINGS_FIELDS = (
        "title",
        "instructions",
        "opens_at",
        "due_at",
        "late_policy",
        "late_penalty_percent",
        "max_attempts",
        "attempt_rule",
        "verifier_backend",
        "verification_parallel",
        "verification_rounds",
        "reveal_corrections",
        "review_threshold",
        "hint_policy",
        "hint_limit",
        "hint_cost_percent",
    )

    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="assignments")
    title = models.CharField(max_length=200)
    instructions = models.TextField(blank=True)
    opens_at = models.DateTimeField(null=True, blank=True, validators=[validate_schedule_date])
    due_at = models.DateTimeField(null=True, blank=True, validators=[validate_schedule_date])
    late_policy = models.CharField(max_length=10, choices=LatePolicy.choices, default=LatePolicy.ACCEPT_WITH_PENALTY)
    late_penalty_percent = models.PositiveSmallIntegerField(
        default=10,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
        help_text="Points taken off a late submission, in percent.",
    )
    max_attempts = models.PositiveSmallIntegerField(
        default=3, validators=[MinValueValidator(1), MaxValueValidator(MAX_ATTEMPTS)], help_text="Per problem."
    )
    attempt_rule = models.CharField(
        max_length=10,
        choices=AttemptRule.choices,
        default=AttemptRule.BEST,
        help_text="Which attempt's score counts when a student submits more than once.",
    )
    # Verification settings.
    verifier_backend = models.CharField(max_length=40, default="symbolic")
    verification_parallel = models.PositiveSmallIntegerField(
        default=1,
        validators=[MinValueValidator(1), MaxValueValidator(16)],
        help_text="Test-time budget: how many independent verification chains (K) an LLM verifier runs.",
    )
    verification_rounds = models.PositiveSmallIntegerField(
        default=1,
        validators=[MinValueValidator(1), MaxValueValidator(4)],
        help_text="Sequential verification rounds ('Let's verify again'); LLM verifiers only.",
    )
    reveal_corrections = models.BooleanField(
        default=False, help_text="Show students the corrected value, not only a hint about where to look."
    )
    review_threshold = models.FloatField(
        default=0.5,
        validators=[MinValueValidator(0.0), MaxValueValidator(1.0)],
        help_text="Grades whose verifier confidence is below this go to the teacher's review queue.",
    )
    hint_policy = models.CharField(
        max_length=20,
        choices=HintPolicy.choices,
        default=HintPolicy.AFTER_FIRST_ATTEMPT,
        help_text="When students may ask for a hint at their first error.",
    )
    hint_limit = models.PositiveSmallIntegerField(
        default=3,
        validators=[MinValueValidator(1), MaxValueValidator(MAX_HINTS)],
        help_text="Hints a student may ask for on each problem.",
    )
    hint_cost_percent = models.PositiveSmallIntegerField(
        default=0,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
        help_text="Points each hint costs, in percent of the problem's points (0: hints are free).",
    )
    # The order on the class page (the teacher's, see tutor.classroom.content.assignment_move); new ones go last.
    position = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    archived_at = models.DateTimeField(null=True, blank=True)

    objects = AssignmentQuerySet.as_manager()

    class Meta:
        ordering = ["position", "due_at", "id"]
        # The database refuses what the validators refuse: a date outside the range cannot be read back on some
        # pages (year 10000 in UTC), so it must never be stored, whatever path writes it.
        constraints = [
            models.CheckConstraint(
                condition=Q(**{f"{name}__isnull": True}) | Q(**{f"{name}__gte": EARLIEST, f"{name}__lte": LATEST}),
                name=f"assignment_{name}_in_range",
                violation_error_message=f"Dates must fall {RANGE_TEXT}.",
            )
            for name in ("opens_at", "due_at")
        ]

    def __str__(self) -> str:
        return self.title

    @classmethod
    def next_position(cls, course: Course) -> int:
        last = cls.objects.filter(course=course).aggregate(last=models.Max("position"))["last"]
        return int(last or 0) + 1


class Problem(models.Model):
    class Scoring(models.TextChoices):
        # How the score is computed from the verdicts (grading.scoring.score_solution).
        STEPS = "steps", "Steps before the first error, plus points for a correct final answer"
        FINAL_ANSWER = "final_answer", "All or nothing on the final answer"
        RUBRIC = "rubric", "A rubric of named items"

    class RubricRule(models.TextChoices):
        TEACHER = "", "Ticked by the teacher"
        FINAL_ANSWER_CORRECT = "final_answer_correct", "Ticked when the final answer is verified correct"
        NO_ERROR = "no_error", "Ticked when no step has an error"
        NO_ERROR_BEFORE = "no_error_before", "Ticked when there is no error before step k"

    assignment = models.ForeignKey(Assignment, on_delete=models.CASCADE, related_name="problems")
    position = models.PositiveSmallIntegerField()
    title = models.CharField(max_length=200, blank=True)
    statement = models.TextField(help_text="Markdown with LaTeX ($...$).")
    reference_answer = models.CharField(max_length=500)
    reference_solution = models.JSONField(default=list, blank=True, help_text="The teacher's solution, as steps.")
    points = models.DecimalField(max_digits=6, decimal_places=2, default=1)
    scoring = models.CharField(max_length=20, choices=Scoring.choices, default=Scoring.STEPS)
    final_answer_percent = models.PositiveSmallIntegerField(
        default=50,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
        help_text="With the steps rule: the share of the points a correct final answer earns; the work earns the rest.",
    )
    # With the rubric rule: [{"name": ..., "points": "1.00", "rule": "" | "final_answer_correct" | ..., "step": k}]
    rubric = models.JSONField(default=list, blank=True)
    archived_at = models.DateTimeField(null=True, blank=True)

    objects = ProblemQuerySet.as_manager()

    class Meta:
        ordering = ["assignment", "position"]
        constraints = [models.UniqueConstraint(fields=["assignment", "position"], name="unique_problem_position")]

    def __str__(self) -> str:
        return self.title or f"Problem {self.position}"

    def clean(self) -> None:
        """A rubric is valid on its own, and with the rubric rule it has items whose points add up to the
        problem's (the grade is the ticked items' sum, grading.scoring)."""
        problems = rubric_problems(self.rubric, self.points, required=self.scoring == self.Scoring.RUBRIC)
        if problems:
            raise ValidationError({"rubric": problems})


RUBRIC_MAX_ITEMS = 20
RUBRIC_NAME_MAX_CHARS = 200


def rubric_problems(items: Any, points: Any, *, required: bool) -> list[str]:
    """What is wrong with a rubric (stored form: a list of {"name", "points", "rule", "step"}), in a teacher's
    words; empty when nothing is. `required`: the problem is scored by its rubric, so it needs items that add up to
    its points."""
    if not isinstance(items, list):
        return ["The rubric must be a list of items."]
    if not items:
        return ["Write the rubric's items, or choose another way to compute the score."] if required else []
    if len(items) > RUBRIC_MAX_ITEMS:
        return [f"A rubric has at most {RUBRIC_MAX_ITEMS} items; this one has {len(items)}."]
    found: list[str] = []
    total = Decimal(0)
    rules = {choice.value for choice in Problem.RubricRule}
    for number, item in enumerate(items, start=1):
        if not isinstance(item, dict):
            found.append(f"Rubric item {number} could not be read.")
            continue
        name = str(item.get("name", "")).strip()
        if not name or len(name) > RUBRIC_NAME_MAX_CHARS:
            found.append(f"Rubric item {number} needs a name of 1 to {RUBRIC_NAME_MAX_CHARS} characters.")
        try:
            value = Decimal(str(item.get("points", "")))
        except InvalidOperation:
            value = Decimal(-1)
        if not value.is_finite() or not 0 < value <= 9999 or value != value.quantize(Decimal("0.01")):
            found.append(f"Rubric item {number}: its points must be a number above 0 with at most 2 decimals.")
        else:
            total += value
        rule = item.get("rule", "")
        if rule not in rules:
            found.append(f"Rubric item {number} has a rule this site does not know.")
        step = item.get("step", 0)
        if rule == Problem.RubricRule.NO_ERROR_BEFORE and (not isinstance(step, int) or not 1 <= step <= 60):
            found.append(f"Rubric item {number}: say before which step (1 to 60).")
    if not found and required:
        try:
            expected = Decimal(str(points)).quantize(Decimal("0.01"))
        except InvalidOperation:
            return found
        if total != expected:
            found.append(
                f"The rubric's items add up to {total.normalize():f} points; the problem is worth "
                f"{expected.normalize():f}. Make them equal."
            )
    return found


class ManagedAccount(models.Model):
    """An account a teacher created by importing a roster. The teachers of that class may set its password
    (tutor.classroom.access.may_set_password); accounts people made themselves are never theirs to take over."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="managed_account")
    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="managed_accounts")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.user} (created by the roster of {self.course})"
