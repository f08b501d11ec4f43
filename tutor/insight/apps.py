from __future__ import annotations

from typing import Any

from django.apps import AppConfig


class InsightConfig(AppConfig):
    name = "tutor.insight"
    label = "insight"
    verbose_name = "Insight: audit, agreement, analytics, training data"
    default_auto_field = "django.db.models.BigAutoField"

    def load_demo(self, *, course: Any, stdout: Any) -> None:
        """Called by `manage.py load_demo` (tutor.classroom) for every app that has it: seed a reviewed grading
        history in the demo class, so the analytics, agreement and export pages have something in them."""
        from .demo import seed_reviewed_history

        seed_reviewed_history(course=course, stdout=stdout)
