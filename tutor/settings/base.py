"""Settings shared by every environment. Everything configurable comes from environment variables here."""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
import django_stubs_ext
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

from verifier_worker import config as verifier_config
from verifier_worker.registry import BackendSpec
from verifier_worker.types import VerifierMisconfigured

# Generic admin and queryset classes (ModelAdmin[Course]) at run time, as the type checker sees them.
django_stubs_ext.monkeypatch()

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = Path(os.environ.get("TUTOR_VAR_DIR", BASE_DIR / "var"))


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    if value is None or not value.strip():
        return default
    try:
        return int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={value!r} is not a whole number.") from None


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


SECRET_KEY = os.environ.get("SECRET_KEY", "dev-insecure-key-only-for-local-use")
DEBUG = env_bool("DEBUG", True)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_htmx",
    "template_partials",
    "axes",
    "tutor.audit",
    "tutor.notifications",
    "tutor.classroom",
    "grading",
    "tutor.handwriting",
    "tutor.insight",
    "tutor.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "tutor.middleware.ResetTimeZoneMiddleware",
    "tutor.middleware.FriendlyNotFoundMiddleware",
    # Last, as django-axes requires: it turns a locked-out login into the lockout page.
    "axes.middleware.AxesMiddleware",
]

# django-axes first: it refuses a locked-out login before the password is even checked.
AUTHENTICATION_BACKENDS = ["tutor.limits.LockoutBackend", "django.contrib.auth.backends.ModelBackend"]

# Content-Security-Policy (django-csp): scripts and styles only from this site, no inline script, style element or
# handler anywhere (static/js/app.js wires behaviour up), nothing may frame the site. KaTeX sets its sizes through
# the DOM's style properties, which CSP does not restrict, so it needs no inline-style allowance at all; htmx's
# injected indicator <style> is switched off in base.html. Browsers report violations to /csp-report/ (logged).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        "base-uri": [SELF],
        "object-src": [NONE],
        "report-uri": "/csp-report/",
    }
}

ROOT_URLCONF = "tutor.urls"
WSGI_APPLICATION = "tutor.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "grading.context_processors.teaching",
                "tutor.notifications.context_processors.notifications",
                "tutor.insight.context_processors.site_staff",
            ],
        },
    }
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{VAR_DIR / 'db.sqlite3'}"),
        conn_max_age=int(os.environ.get("DB_CONN_MAX_AGE", "0")),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The web server and the worker share one SQLite file; wait for locks instead of failing.
    DATABASES["default"].setdefault("OPTIONS", {})["timeout"] = 20

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = os.environ.get("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "staticfiles"))
STATICFILES_DIRS: list[object] = [BASE_DIR / "static"]
# Pinned npm packages (package.json), served locally: the machines running this are often offline.
for _prefix, _folder in (("vendor/katex", "node_modules/katex/dist"), ("vendor/htmx", "node_modules/htmx.org/dist")):
    if (BASE_DIR / _folder).is_dir():
        STATICFILES_DIRS.append((_prefix, BASE_DIR / _folder))

# --- Abuse limits (tutor.limits) ---------------------------------------------------------------
# A username is locked out from one address after this many wrong passwords, for the cool-off time. A site
# admin lifts a lock at once with `python manage.py axes_reset_username USERNAME` (or in the admin).
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", 10))
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("AXES_COOLOFF_MINUTES", 15)))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_DISABLE_ACCESS_LOG = True
# The client address is REMOTE_ADDR: behind a reverse proxy, have it set that (docs/deploying.md).
# Requests per user, in fixed windows ("10/m", "10/10m", "30/h").
RATE_LIMIT_JOIN = os.environ.get("RATE_LIMIT_JOIN", "10/10m")
RATE_LIMIT_SIGNUP = os.environ.get("RATE_LIMIT_SIGNUP", "10/10m")  # per client address
RATE_LIMIT_SUBMIT = os.environ.get("RATE_LIMIT_SUBMIT", "10/m")
RATE_LIMIT_PREVIEW = os.environ.get("RATE_LIMIT_PREVIEW", "120/m")

# Sessions are read from the cache (written through to the database): one database query fewer per request.
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Uploads: problem sets are small text files; anything bigger is refused before parsing.
PROBLEM_SET_MAX_BYTES = int(os.environ.get("PROBLEM_SET_MAX_BYTES", 256 * 1024))
PROBLEM_SET_MAX_PROBLEMS = int(os.environ.get("PROBLEM_SET_MAX_PROBLEMS", 100))
PROBLEM_STATEMENT_MAX_CHARS = int(os.environ.get("PROBLEM_STATEMENT_MAX_CHARS", 20_000))
# Every field rendered as Markdown has a cap; the renderer itself shows anything longer as plain text.
ASSIGNMENT_INSTRUCTIONS_MAX_CHARS = int(os.environ.get("ASSIGNMENT_INSTRUCTIONS_MAX_CHARS", 20_000))
MARKDOWN_RENDER_MAX_CHARS = int(os.environ.get("MARKDOWN_RENDER_MAX_CHARS", 50_000))
SOLUTION_MAX_CHARS = int(os.environ.get("SOLUTION_MAX_CHARS", 20_000))
DATA_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024

# --- Celery (the app is tutor/celery.py; it reads every CELERY_* setting here) -------------------------
REDIS_URL = os.environ.get("REDIS_URL", "")
# The cache holds rate-limit counters and rendered Markdown. With Redis it is shared by every web process
# (CACHE_URL, or REDIS_URL); without it each process has its own.
CACHE_URL = os.environ.get("CACHE_URL", REDIS_URL)
CACHES = {
    "default": (
        {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": CACHE_URL,
            "KEY_PREFIX": os.environ.get("CACHE_KEY_PREFIX", "tutor"),
        }
        if CACHE_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "tutor"}
    )
}
BROKER_DIR = VAR_DIR / "broker"
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    CELERY_BROKER_TRANSPORT_OPTIONS: dict[str, object] = {}
else:
    # No Redis: kombu's filesystem transport, so `make run` needs no server.
    CELERY_BROKER_URL = "filesystem://"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(BROKER_DIR / "queue"),
        "data_folder_out": str(BROKER_DIR / "queue"),
        "processed_folder": str(BROKER_DIR / "processed"),
        # Broadcast/control messages; kombu's default is a `control` folder in the current directory.
        "control_folder": str(BROKER_DIR / "control"),
        "store_processed": False,
        # kombu polls the folder once a second by default; a handwritten line is read in well under that.
        "polling_interval": float(os.environ.get("CELERY_FILESYSTEM_POLLING_INTERVAL", 0.1)),
    }
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", False)
# Time limits of a grading task. They are the worker's own: each worker reads them from its environment, and
# they never travel in a task message (tutor.celery.Task), so a web process cannot shorten or lengthen them.
GRADING_SOFT_TIME_LIMIT = env_int("GRADING_SOFT_TIME_LIMIT", 300)
GRADING_TIME_LIMIT = GRADING_SOFT_TIME_LIMIT + env_int("GRADING_TIME_LIMIT_GRACE", 60)
# Redis redelivers an unacked task after the visibility timeout; it must stay above the hard time limit, or a
# task still running would be handed to a second worker. A worker refuses to start otherwise (tutor.celery).
CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"] = env_int("CELERY_VISIBILITY_TIMEOUT", GRADING_TIME_LIMIT * 4)
if os.environ.get("CELERY_REDIS_KEY_PREFIX"):
    # Several deployments (or test runs) can share one Redis database without seeing each other's tasks.
    CELERY_BROKER_TRANSPORT_OPTIONS["global_keyprefix"] = os.environ["CELERY_REDIS_KEY_PREFIX"]
if os.environ.get("CELERY_UNACKED_RESTORE_INTERVAL"):
    # How often a Redis worker looks for tasks abandoned by a dead worker (kombu's default is about 100 s).
    CELERY_BROKER_TRANSPORT_OPTIONS["unacked_restore_interval"] = env_int("CELERY_UNACKED_RESTORE_INTERVAL", 100)
    CELERY_BROKER_TRANSPORT_OPTIONS["unacked_restore_throttle"] = 1
# Tasks a worker process reserves ahead. A worker consuming the gpu queue always takes 1 (tutor.celery).
CELERY_WORKER_PREFETCH_MULTIPLIER = env_int("CELERY_WORKER_PREFETCH_MULTIPLIER", 1)
# How often beat runs the sweep (every few seconds: leases expire in seconds), and the sweep's safety net: after
# how long a submission in a non-final state with no live lease counts as stuck.
GRADING_SWEEP_EVERY_SECONDS = float(os.environ.get("GRADING_SWEEP_EVERY_SECONDS", 5))
GRADING_STUCK_AFTER_SECONDS = env_int("GRADING_STUCK_AFTER_SECONDS", 600)
# Recovery in seconds, not minutes (grading.services.sweep): a worker holds a lease on what it grades and renews
# it every GRADING_HEARTBEAT_SECONDS; the sweep re-sends a submission whose lease expired, one never handed to
# the broker (after GRADING_ENQUEUE_GRACE_SECONDS), and, once, one handed over but not picked up within
# GRADING_REQUEUE_AFTER_SECONDS (lost with a killed worker's prefetch, or a lost queue).
GRADING_LEASE_SECONDS = env_int("GRADING_LEASE_SECONDS", 20)
GRADING_HEARTBEAT_SECONDS = float(os.environ.get("GRADING_HEARTBEAT_SECONDS", GRADING_LEASE_SECONDS / 4))
GRADING_ENQUEUE_GRACE_SECONDS = env_int("GRADING_ENQUEUE_GRACE_SECONDS", 5)
GRADING_REQUEUE_AFTER_SECONDS = env_int("GRADING_REQUEUE_AFTER_SECONDS", 45)
# While a task waits to retry after a transient verifier error it keeps its lease this long (the task's longest
# backoff, 120 s, plus a lease).
GRADING_RETRY_LEASE_SECONDS = env_int("GRADING_RETRY_LEASE_SECONDS", 120 + GRADING_LEASE_SECONDS)
# After this many seconds without a grade, the feedback page tells the student their work is saved and will be
# graded (a worker may be down or the model server busy).
GRADING_PATIENCE_SECONDS = env_int("GRADING_PATIENCE_SECONDS", 45)
CELERY_BEAT_SCHEDULE = {
    # Re-enqueue submissions stuck in a non-final state (broker down at submit time, lost tasks).
    # A sweep still waiting when the next one is due is dropped.
    "grading-sweep": {
        "task": "grading.sweep",
        "schedule": GRADING_SWEEP_EVERY_SECONDS,
        "options": {"queue": "cpu", "expires": GRADING_SWEEP_EVERY_SECONDS},
    },
}

# --- Verifiers (parsed by verifier_worker.config, which `python -m verifier_worker.evaluation` also uses) -------
try:
    _verifier = verifier_config.from_environ(os.environ)
except VerifierMisconfigured as exc:
    raise ImproperlyConfigured(str(exc)) from exc
# The default backend for new assignments. `symbolic` needs no GPU and no weights.
VERIFIER_DEFAULT_BACKEND = _verifier.default_backend
# Extra or overriding registry entries, registered into verifier_worker.registry at start-up (grading.apps):
# "name=module:Class[;queue=gpu][;label=...][;teachers=yes],name2=..." (docs/serving.md).
VERIFIER_EXTRA_BACKENDS: dict[str, BackendSpec | str] = {spec.name: spec for spec in _verifier.extra_backends}
# Options the grading worker hands to backends. Plain values only; backends never see Django. One HTTP attempt
# per request (`max_retries` 0): the grading task owns retries (grading/retry_policy.py).
VERIFIER_OPTIONS: dict[str, object] = _verifier.grading_options
# The same options for `evaluate_verifier`, which has no task to retry it: the client retries VERIFIER_MAX_RETRIES.
VERIFIER_EVALUATION_OPTIONS: dict[str, object] = dict(_verifier.options)

# --- Tutoring (docs/tutoring.md) -------------------------------------------------------------------------
# The verdict cache behind "fix from here" keeps at most this many step verdicts (the most recently used).
VERDICT_CACHE_MAX_ENTRIES = env_int("VERDICT_CACHE_MAX_ENTRIES", 200_000)
# Hints written by a language model: the name of a generating backend (e.g. "openai", with the VERIFIER_* server
# settings) or empty for templated hints only. HINT_LLM_MODEL is the served model's name (default VERIFIER_MODEL).
HINT_LLM_BACKEND = os.environ.get("HINT_LLM_BACKEND", "")
HINT_LLM_MODEL = os.environ.get("HINT_LLM_MODEL", "")
# One model call per hint, bounded; on any failure the templated hint is shown.
HINT_LLM_TIMEOUT = float(os.environ.get("HINT_LLM_TIMEOUT", 20))
# After this many seconds without its text, the hint panel says the hint is still being written.
HINT_PATIENCE_SECONDS = env_int("HINT_PATIENCE_SECONDS", 20)
CELERY_BEAT_SCHEDULE["verdict-cache-prune"] = {
    "task": "grading.verdict_cache_prune",
    "schedule": 3600.0,
    "options": {"queue": "cpu"},
}

# --- Handwriting (docs/handwriting.md) -----------------------------------------------------------------
# The Write mode needs an ocr worker with the `handwriting` extra. "auto": on when mathnote-ocr is installed in
# this environment (make run's single venv); "on": an ocr worker runs elsewhere (docker compose); "off": hidden.
HANDWRITING_RECOGNITION = os.environ.get("HANDWRITING_RECOGNITION", "auto")
HANDWRITING_RECOGNISER = os.environ.get("HANDWRITING_RECOGNISER", "mathnote")
# A line not read within this many seconds is given up on: the student is asked to type it.
HANDWRITING_DEADLINE_SECONDS = float(os.environ.get("HANDWRITING_DEADLINE_SECONDS", 3))
# Bounds: lines per handwritten solution, lines one student may have waiting, unsubmitted drafts kept per student.
HANDWRITING_MAX_LINES = env_int("HANDWRITING_MAX_LINES", 30)
HANDWRITING_MAX_PENDING = env_int("HANDWRITING_MAX_PENDING", 6)
HANDWRITING_MAX_DRAFTS = env_int("HANDWRITING_MAX_DRAFTS", 300)
# Below this confidence the page offers the alternative readings first.
HANDWRITING_CONFIRM_BELOW = float(os.environ.get("HANDWRITING_CONFIRM_BELOW", 0.8))

# --- Email and notifications --------------------------------------------------------------------------------
# Password-reset links go by email. `make run` prints emails on the console; production sets SMTP from the
# environment (EMAIL_HOST, EMAIL_PORT, EMAIL_HOST_USER, EMAIL_HOST_PASSWORD, EMAIL_USE_TLS).
EMAIL_BACKEND = os.environ.get(
    "EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend"
    if os.environ.get("EMAIL_HOST")
    else "django.core.mail.backends.console.EmailBackend",
)
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 10)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Stepwise Tutor <noreply@localhost>")
# In-app notifications are always on; a copy by email is optional and off by default.
NOTIFICATIONS_EMAIL = env_bool("NOTIFICATIONS_EMAIL", False)
# The site's address, for links in emails (e.g. https://tutor.example.org).
SITE_URL = os.environ.get("SITE_URL", "")
# A bulk regrade (one problem or a whole assignment) regrades at most this many attempts at once.
BULK_REGRADE_MAX_SUBMISSIONS = env_int("BULK_REGRADE_MAX_SUBMISSIONS", 2000)
# A roster file: at most this many bytes and rows.
ROSTER_MAX_BYTES = env_int("ROSTER_MAX_BYTES", 256 * 1024)
ROSTER_MAX_ROWS = env_int("ROSTER_MAX_ROWS", 1000)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}
