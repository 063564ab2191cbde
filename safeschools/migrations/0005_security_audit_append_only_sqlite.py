"""The audit log's append-only rule in the database on SQLite too (SECURITY.md 27).

0001 installed a trigger on PostgreSQL only; the model refused the rest. But
``QuerySet.update()``, ``QuerySet.delete()`` and raw SQL never ask the model, so on SQLite
(the local default) they changed the log freely. These triggers refuse them there too.

Tests flush their tables with DELETE on SQLite: the test suite lifts these triggers around
a flush only (``tests/conftest.py``), with the statements below.
"""

from django.db import migrations

TRIGGERS = {
    "safeschools_auditevent_no_update": "UPDATE",
    "safeschools_auditevent_no_delete": "DELETE",
}
FORWARD = [
    f"""
    CREATE TRIGGER IF NOT EXISTS {name} BEFORE {operation} ON safeschools_auditevent
    BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END
    """
    for name, operation in TRIGGERS.items()
]
BACKWARD = [f"DROP TRIGGER IF EXISTS {name}" for name in TRIGGERS]


def _run(statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "sqlite":
            for statement in statements:
                schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [("safeschools", "0004_merged_choices")]

    operations = [migrations.RunPython(_run(FORWARD), _run(BACKWARD))]
