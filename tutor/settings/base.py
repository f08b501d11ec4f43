"""Settings shared by every environment. Everything configurable comes from environment variables here."""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
import django_stubs_ext
from csp.constants import NONE, SELF

# Generic admin and queryset classes (ModelAdmin[Course]) at run time, as the type checker sees them.
django_stubs_ext.monkeypatch()

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = Path(os.environ.get("TUTOR_VAR_DIR", BASE_DIR / "var"))


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


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
    "tutor.classroom",
    "grading",
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

# --- Celery -------------------------------------------------------------------------------------
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
    }
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", False)
# Seconds before a submission in a non-final state is considered stuck and re-enqueued by the sweep.
GRADING_STUCK_AFTER_SECONDS = int(os.environ.get("GRADING_STUCK_AFTER_SECONDS", 600))
# Recovery in seconds, not minutes (grading.services.sweep): a worker holds a lease on what it grades and renews
# it every GRADING_HEARTBEAT_SECONDS; the sweep (every few seconds) re-sends a submission whose lease expired, one
# never handed to the broker (after GRADING_ENQUEUE_GRACE_SECONDS), and, once, one handed over but not picked up
# within GRADING_REQUEUE_AFTER_SECONDS (lost with a killed worker's prefetch, or a lost queue).
GRADING_LEASE_SECONDS = int(os.environ.get("GRADING_LEASE_SECONDS", 20))
GRADING_HEARTBEAT_SECONDS = float(os.environ.get("GRADING_HEARTBEAT_SECONDS", GRADING_LEASE_SECONDS / 4))
GRADING_ENQUEUE_GRACE_SECONDS = int(os.environ.get("GRADING_ENQUEUE_GRACE_SECONDS", 5))
GRADING_REQUEUE_AFTER_SECONDS = int(os.environ.get("GRADING_REQUEUE_AFTER_SECONDS", 45))
# While a task waits to retry after a transient verifier error it keeps its lease this long (the task's longest
# backoff, 120 s, plus a lease).
GRADING_RETRY_LEASE_SECONDS = int(os.environ.get("GRADING_RETRY_LEASE_SECONDS", 120 + GRADING_LEASE_SECONDS))

# --- Verifiers ----------------------------------------------------------------------------------
# The default backend for new assignments. `symbolic` needs no GPU and no weights.
VERIFIER_DEFAULT_BACKEND = os.environ.get("VERIFIER_DEFAULT_BACKEND", "symbolic")
# Extra or overriding registry entries: "name=module:Class,name2=module:Class".
VERIFIER_EXTRA_BACKENDS = dict(item.split("=", 1) for item in env_list("VERIFIER_EXTRA_BACKENDS") if "=" in item)
# Options handed to backends that talk to a model. Plain values only; backends never see Django.
VERIFIER_OPTIONS: dict[str, object] = {
    "base_url": os.environ.get("VERIFIER_BASE_URL", "http://127.0.0.1:8001/v1"),
    "model": os.environ.get("VERIFIER_MODEL", "launch/ThinkPRM-1.5B"),
    "api_key": os.environ.get("VERIFIER_API_KEY", "EMPTY"),
    "tokenizer_path": os.environ.get("VERIFIER_TOKENIZER_PATH", ""),
    "model_path": os.environ.get("VERIFIER_MODEL_PATH", ""),
    "format": os.environ.get("VERIFIER_FORMAT", "thinkprm"),
    "timeout": float(os.environ.get("VERIFIER_TIMEOUT", "120")),
    "max_retries": int(os.environ.get("VERIFIER_MAX_RETRIES", "2")),
    "concurrency": int(os.environ.get("VERIFIER_CONCURRENCY", "4")),
    "max_tokens": int(os.environ.get("VERIFIER_MAX_TOKENS", "8192")),
    "structured_outputs": env_bool("VERIFIER_STRUCTURED_OUTPUTS", False),
    "llm_backend": os.environ.get("VERIFIER_CASCADE_LLM", ""),
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}
