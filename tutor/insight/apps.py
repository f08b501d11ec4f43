from __future__ import annotations

from django.apps import AppConfig


class InsightConfig(AppConfig):
    name = "tutor.insight"
    label = "insight"
    verbose_name = "Insight: audit, agreement, analytics, training data"
    default_auto_field = "django.db.models.BigAutoField"
