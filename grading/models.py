from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models


class Submission(models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        SEGMENTING = "segmenting", "Splitting into steps"
        VERIFYING = "verifying", "Checking steps"
        GRADED = "graded", "Graded"
        NEEDS_REVIEW = "needs_review", "Waiting for teacher review"
        FAILED = "failed", "Failed"

    FINAL_STATUSES = frozenset({Status.GRADED, Status.NEEDS_REVIEW, Status.FAILED})

    class FinalAnswer(models.TextChoices):
        CORRECT = "correct", "Correct"
        INCORRECT = "incorrect", "Incorrect"
        UNVERIFIED = "unverified", "Not checked"

    problem = models.ForeignKey("classroom.Problem", on_delete=models.PROTECT, related_name="submissions")
    student = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="submissions")
    attempt_number = models.PositiveSmallIntegerField()
    text = models.TextField()
    submitted_at = models.DateTimeField(auto_now_add=True)
    is_late = models.BooleanField(default=False)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.QUEUED)
    status_reason = models.CharField(max_length=500, blank=True)
    status_changed_at = models.DateTimeField(auto_now_add=True)
    # Bumped whenever grading is (re)started; a task carrying an older number is stale and does nothing.
    grading_version = models.PositiveIntegerField(default=1)
    # Transient-failure retries used by the current grading version.
    retries = models.PositiveSmallIntegerField(default=0)
    # Handing the work to a worker (grading.services.sweep explains the rules). `enqueued_at` is when the current
    # queued period's task was last handed to the broker (None: never, e.g. the broker was down), `enqueue_count`
    # how many times; a claimed submission is leased to one task (`lease_owner`, its Celery task id) until
    # `lease_expires_at`, which that worker keeps renewing while it grades. An expired lease means a dead worker.
    enqueued_at = models.DateTimeField(null=True, blank=True)
    enqueue_count = models.PositiveSmallIntegerField(default=0)
    lease_owner = models.CharField(max_length=64, blank=True)
    lease_expires_at = models.DateTimeField(null=True, blank=True)
    backend = models.CharField(max_length=40, blank=True)
    # What counts: the verifier's verdicts with any teacher override applied, scored by grading.scoring.
    first_error_index = models.IntegerField(null=True, blank=True)
    final_answer_verdict = models.CharField(max_length=12, choices=FinalAnswer.choices, default=FinalAnswer.UNVERIFIED)
    confidence = models.FloatField(null=True, blank=True)
    score = models.DecimalField(max_digits=6, decimal_places=2, null=True, blank=True)
    # How `score` was reached, for the pages: {"parts": [[label, earned, possible], ...], "late_factor": "0.9"}.
    score_detail = models.JSONField(default=dict, blank=True)
    graded_at = models.DateTimeField(null=True, blank=True)
    # What the verifier alone said (kept when a teacher overrides, for the record and for agreement figures).
    auto_first_error_index = models.IntegerField(null=True, blank=True)
    auto_final_answer_verdict = models.CharField(
        max_length=12, choices=FinalAnswer.choices, default=FinalAnswer.UNVERIFIED
    )
    auto_score = models.DecimalField(max_digits=6, decimal_places=2, null=True, blank=True)
    # A teacher's decisions. They survive regrades until the teacher clears or drops them.
    teacher_score = models.DecimalField(max_digits=6, decimal_places=2, null=True, blank=True)
    teacher_score_reason = models.TextField(blank=True)
    teacher_final_answer = models.CharField(max_length=12, choices=FinalAnswer.choices, blank=True)
    teacher_final_answer_reason = models.TextField(blank=True)
    rubric_ticks = models.JSONField(default=dict, blank=True)
    # False when grading failed through no fault of the student (a misconfigured or unavailable verifier): such
    # an attempt does not count against the assignment's maximum.
    counts_as_attempt = models.BooleanField(default=True)
    # The checker's word that the steps so far are right but the solution has not reached its answer yet.
    unfinished = models.BooleanField(default=False)
    # "Fix from step k": the attempt this one continues, and how many of its steps were kept locked.
    fixed_from = models.ForeignKey("self", on_delete=models.SET_NULL, null=True, blank=True, related_name="fixes")
    locked_steps = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["-submitted_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["problem", "student", "attempt_number"], name="unique_attempt")]
        indexes = [models.Index(fields=["status", "status_changed_at"])]

    def __str__(self) -> str:
        return f"Submission {self.pk} ({self.student} on {self.problem}, attempt {self.attempt_number})"

    @property
    def is_final(self) -> bool:
        return self.status in self.FINAL_STATUSES

    @property
    def has_teacher_decisions(self) -> bool:
        return self.teacher_score is not None or bool(self.teacher_final_answer) or bool(self.rubric_ticks)


class Step(models.Model):
    class Verdict(models.TextChoices):
        CORRECT = "correct", "Correct"
        INCORRECT = "incorrect", "Incorrect"
        UNVERIFIED = "unverified", "Not checked"

    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="steps")
    index = models.PositiveSmallIntegerField()
    text = models.TextField()
    char_start = models.PositiveIntegerField(default=0)
    char_end = models.PositiveIntegerField(default=0)
    verdict = models.CharField(max_length=12, choices=Verdict.choices, default=Verdict.UNVERIFIED)
    confidence = models.FloatField(null=True, blank=True)
    explanation = models.TextField(blank=True)
    hint = models.TextField(blank=True)
    checker = models.CharField(max_length=40, blank=True)
    # The checker's structured finding on a flagged step (verifier_worker.types.Finding.to_dict()), {} when none.
    finding = models.JSONField(default=dict, blank=True)
    # A correct step's relation to the reference solution: "reference" (on its path), "other" (another route).
    route = models.CharField(max_length=12, blank=True)
    # Why an unverified step was not checked: "no_math", "unreadable", "undecidable", "after_error", ...
    reason_code = models.CharField(max_length=16, blank=True)
    # The verdict came from the verdict cache (grading.tutoring.reuse): this exact prefix was checked before.
    reused = models.BooleanField(default=False)
    # A teacher's verdict on this step, shown to the student as the teacher's; `verdict` stays the verifier's.
    teacher_verdict = models.CharField(max_length=12, choices=Verdict.choices, blank=True)
    teacher_reason = models.TextField(blank=True)
    teacher = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["submission", "index"]
        constraints = [models.UniqueConstraint(fields=["submission", "index"], name="unique_step_index")]

    def __str__(self) -> str:
        return f"Step {self.index + 1} of submission {self.submission_id}"

    @property
    def effective_verdict(self) -> str:
        return self.teacher_verdict or self.verdict


class VerificationRun(models.Model):
    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="runs")
    grading_version = models.PositiveIntegerField(default=1)
    backend = models.CharField(max_length=40)
    model_id = models.CharField(max_length=200, blank=True)
    prompt_version = models.CharField(max_length=40, blank=True)
    parameters = models.JSONField(default=dict, blank=True)
    prompt = models.TextField(blank=True)
    raw_output = models.TextField(blank=True)
    chains = models.JSONField(default=list, blank=True)
    prompt_tokens = models.PositiveIntegerField(default=0)
    completion_tokens = models.PositiveIntegerField(default=0)
    latency_ms = models.FloatField(null=True, blank=True)
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]

    def __str__(self) -> str:
        return f"{self.backend} run for submission {self.submission_id}"

    @property
    def tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens


class Override(models.Model):
    """The history of teachers' decisions: each change to a step verdict, the final-answer verdict, a rubric tick
    or the score, with the reason; and each time one was cleared or dropped. Append-only. The decisions in force
    live on the Step and Submission rows (teacher_*); the verifier's verdicts stay on record beside them."""

    class Kind(models.TextChoices):
        STEP = "step", "Step verdict"
        FINAL_ANSWER = "final_answer", "Final-answer verdict"
        SCORE = "score", "Score"
        RUBRIC = "rubric", "Rubric item"

    class Action(models.TextChoices):
        SET = "set", "Set"
        CLEARED = "cleared", "Cleared by the teacher"
        DROPPED = "dropped", "Dropped at a regrade"
        DETACHED = "detached", "No longer applies (the step changed)"

    kind = models.CharField(max_length=14, choices=Kind.choices, default=Kind.STEP)
    action = models.CharField(max_length=10, choices=Action.choices, default=Action.SET)
    step_index = models.IntegerField(null=True, blank=True)
    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="overrides")
    # The history outlives a step that a regrade split away (step_index still says which one it was).
    step = models.ForeignKey(Step, on_delete=models.SET_NULL, null=True, blank=True, related_name="overrides")
    # Empty for decisions the system let go of (a step that no longer reads the same after a regrade).
    teacher = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    old_verdict = models.CharField(max_length=12, blank=True)
    new_verdict = models.CharField(max_length=12, blank=True)
    old_score = models.DecimalField(max_digits=6, decimal_places=2, null=True, blank=True)
    new_score = models.DecimalField(max_digits=6, decimal_places=2, null=True, blank=True)
    reason = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"Override by {self.teacher_id} on submission {self.submission_id}"


class RegradeRequest(models.Model):
    """A student asks for a second look at one step (or the whole grade) of a graded attempt. At most one is open
    per submission; a teacher or TA accepts it with an override (the Override row it made is linked) or declines
    it, with a reply the student reads on the submission page (grading.services.requests)."""

    class Status(models.TextChoices):
        OPEN = "open", "Waiting for an answer"
        ACCEPTED = "accepted", "Accepted"
        DECLINED = "declined", "Declined"

    # A teacher answered it (either way).
    ANSWERED = (Status.ACCEPTED, Status.DECLINED)

    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="regrade_requests")
    student = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    # The step the student means (0-based, as Step.index); empty for the grade as a whole.
    step_index = models.IntegerField(null=True, blank=True)
    message = models.TextField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    created_at = models.DateTimeField(auto_now_add=True)
    reply = models.TextField(blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # When it was answered.
    resolved_at = models.DateTimeField(null=True, blank=True)
    # The teacher's decision that accepted it (a step verdict or a score), kept in the override history.
    override = models.ForeignKey(Override, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["submission"], condition=models.Q(status="open"), name="one_open_regrade_request"
            )
        ]

    def __str__(self) -> str:
        return f"Regrade request on submission {self.submission_id}"

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.OPEN

    @property
    def step_number(self) -> int | None:
        return None if self.step_index is None else self.step_index + 1


class StepVerdictCache(models.Model):
    """A step's verdict, kept so an unchanged prefix of a later attempt is not checked again.

    `key` digests everything the verdict may depend on except the final answer (grading.tutoring.reuse says
    which, and why that is sound). Bounded: grading.tutoring.reuse.prune keeps the newest entries.
    """

    key = models.CharField(max_length=64, unique=True)
    problem = models.ForeignKey("classroom.Problem", on_delete=models.CASCADE, related_name="+")
    backend = models.CharField(max_length=40)
    model_id = models.CharField(max_length=200, blank=True)
    prompt_version = models.CharField(max_length=40, blank=True)
    step_index = models.PositiveSmallIntegerField()
    verdict = models.CharField(max_length=12, choices=Step.Verdict.choices)
    confidence = models.FloatField()
    explanation = models.TextField(blank=True)
    hint = models.TextField(blank=True)
    checker = models.CharField(max_length=40, blank=True)
    finding = models.JSONField(default=dict, blank=True)
    route = models.CharField(max_length=12, blank=True)
    reason_code = models.CharField(max_length=16, blank=True)
    # What checking this step cost when it was checked: reused, that is what a later attempt saves.
    cost_ms = models.FloatField(default=0)
    cost_tokens = models.PositiveIntegerField(default=0)
    hits = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [models.Index(fields=["last_used_at"])]

    def __str__(self) -> str:
        return f"Cached verdict for step {self.step_index + 1} ({self.backend})"


class Hint(models.Model):
    """A hint a student asked for: which attempt and step, the level asked and the level shown (lower when a
    higher one failed the no-leak filter), where the text came from, and what was refused on the way."""

    class Kind(models.TextChoices):
        ERROR = "error", "At the first error"
        NEXT_STEP = "next_step", "Where the solution stops"
        UNREADABLE = "unreadable", "A step that could not be read as math"
        START = "start", "Before the first attempt"

    class Source(models.TextChoices):
        TEMPLATE = "template", "From the checker's finding"
        REFERENCE = "reference", "From the reference solution"
        LLM = "llm", "Written by the language model"
        GENERIC = "generic", "Where to look (nothing more could be said safely)"

    class Status(models.TextChoices):
        PENDING = "pending", "Being written"
        READY = "ready", "Ready"

    problem = models.ForeignKey("classroom.Problem", on_delete=models.CASCADE, related_name="hints")
    student = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="hints")
    # Empty for help asked on the problem page before the first attempt.
    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, null=True, blank=True, related_name="hints")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    step_index = models.PositiveSmallIntegerField(default=0)
    level_requested = models.PositiveSmallIntegerField()
    level = models.PositiveSmallIntegerField()
    source = models.CharField(max_length=12, choices=Source.choices, default=Source.TEMPLATE)
    text = models.TextField(blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.READY)
    # The candidates refused on the way: [{"level": 3, "source": "llm", "reasons": [...]}, ...]
    refused = models.JSONField(default=list, blank=True)
    # The score cost in force when it was given, in percent of the problem's points (grading.scoring).
    cost_percent = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["problem", "student", "created_at"])]

    def __str__(self) -> str:
        return f"Level {self.level} hint for {self.student} on {self.problem}"

    @property
    def step_number(self) -> int:
        return self.step_index + 1


class HintRun(models.Model):
    """One language-model call that wrote (or tried to write) a hint, recorded like a VerificationRun."""

    hint = models.ForeignKey(Hint, on_delete=models.CASCADE, related_name="runs")
    backend = models.CharField(max_length=40)
    model_id = models.CharField(max_length=200, blank=True)
    prompt_version = models.CharField(max_length=40, blank=True)
    level = models.PositiveSmallIntegerField()
    parameters = models.JSONField(default=dict, blank=True)
    prompt = models.TextField(blank=True)
    raw_output = models.TextField(blank=True)
    prompt_tokens = models.PositiveIntegerField(default=0)
    completion_tokens = models.PositiveIntegerField(default=0)
    latency_ms = models.FloatField(null=True, blank=True)
    # The draft as read from the output, and whether the no-leak filter let it through.
    draft = models.TextField(blank=True)
    passed = models.BooleanField(default=False)
    refused_because = models.JSONField(default=list, blank=True)
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["started_at", "id"]

    def __str__(self) -> str:
        return f"{self.backend} hint run for hint {self.hint_id}"


MAX_EXTRA_ATTEMPTS = 100
MAX_EXTRA_TIME_PERCENT = 200


class StudentException(models.Model):
    """One student's exceptions on one assignment: a later due date, extra attempts, extra time. They are inputs to
    the submission policy (grading.policy.submit_decision), which is the only place that applies them."""

    assignment = models.ForeignKey("classroom.Assignment", on_delete=models.CASCADE, related_name="exceptions")
    student = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="exceptions")
    # An extension: this student's own due date (only ever later than the assignment's counts).
    due_at = models.DateTimeField(null=True, blank=True)
    extra_attempts = models.PositiveSmallIntegerField(
        default=0,
        validators=[MinValueValidator(0), MaxValueValidator(MAX_EXTRA_ATTEMPTS)],
        help_text="Attempts per problem on top of the assignment's.",
    )
    # A time accommodation: the due date moves by this share of the assignment's working time (opening to due).
    extra_time_percent = models.PositiveSmallIntegerField(
        default=0,
        validators=[MinValueValidator(0), MaxValueValidator(MAX_EXTRA_TIME_PERCENT)],
        help_text="Extra time, in percent of the time between the assignment's opening and its due date.",
    )
    reason = models.CharField(max_length=500, blank=True)
    granted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["assignment", "student__username"]
        constraints = [models.UniqueConstraint(fields=["assignment", "student"], name="one_exception_per_student")]

    def __str__(self) -> str:
        return f"Exception for {self.student} on {self.assignment}"


class RegradeRun(models.Model):
    """A teacher's regrade of many submissions at once (one problem or a whole assignment). Kept after it finishes,
    with what each submission scored before, so the teacher can see what changed."""

    assignment = models.ForeignKey("classroom.Assignment", on_delete=models.CASCADE, related_name="regrade_runs")
    # Empty: every problem of the assignment.
    problem = models.ForeignKey(
        "classroom.Problem", on_delete=models.CASCADE, null=True, blank=True, related_name="regrade_runs"
    )
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    reason = models.CharField(max_length=500, blank=True)
    keep_overrides = models.BooleanField(default=True)
    backend = models.CharField(max_length=40)
    # Attempts still being graded when the run started were left alone.
    skipped = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"Regrade run {self.pk} on {self.assignment}"


class RegradeRunItem(models.Model):
    run = models.ForeignKey(RegradeRun, on_delete=models.CASCADE, related_name="items")
    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="+")
    # The grading version this run started; a later one (another regrade) supersedes it.
    grading_version = models.PositiveIntegerField()
    old_score = models.DecimalField(max_digits=6, decimal_places=2, null=True, blank=True)
    old_status = models.CharField(max_length=20)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["run", "submission"], name="unique_run_submission")]

    def __str__(self) -> str:
        return f"Submission {self.submission_id} in regrade run {self.run_id}"
