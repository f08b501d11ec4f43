"""Test settings: fast hashing, the fake verifier by default, tasks run eagerly unless a test says otherwise."""

import os

from .base import *  # noqa: F403
from .base import env_bool

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", True)
VERIFIER_DEFAULT_BACKEND = "fake"
# The deterministic recogniser (verifier_worker.handwriting.fake); make test-ocr runs the real one.
HANDWRITING_RECOGNITION = os.environ.get("HANDWRITING_RECOGNITION", "on")
HANDWRITING_RECOGNISER = os.environ.get("HANDWRITING_RECOGNISER", "fake")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Tests never run collectstatic; serve from the finders and don't look for a STATIC_ROOT.
STATIC_ROOT = None  # type: ignore[assignment]
WHITENOISE_USE_FINDERS = True
