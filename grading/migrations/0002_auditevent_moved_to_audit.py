# The audit log now lives in its own app (tutor.audit); its table is kept and taken over there.

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("grading", "0001_initial"),
        ("audit", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="AuditEvent")],
            database_operations=[],
        ),
    ]
