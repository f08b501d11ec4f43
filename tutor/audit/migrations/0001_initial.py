# The audit log moved here from the grading app. Its table was created by grading's first migration; this
# migration takes the model over in Django's state only, and the next one renames the table.

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("grading", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="AuditEvent",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("event_type", models.CharField(max_length=60)),
                        ("target_type", models.CharField(max_length=60)),
                        ("target_id", models.CharField(max_length=40)),
                        ("details", models.JSONField(blank=True, default=dict)),
                        ("created_at", models.DateTimeField(auto_now_add=True)),
                        (
                            "actor",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                    ],
                    options={
                        "ordering": ["-created_at", "-id"],
                        "db_table": "grading_auditevent",
                        "indexes": [
                            models.Index(fields=["target_type", "target_id"], name="grading_aud_target__19e805_idx")
                        ],
                    },
                ),
            ],
            database_operations=[],
        ),
    ]
