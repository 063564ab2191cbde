"""The audit log refuses TRUNCATE on PostgreSQL too (SECURITY.md 27).

0001's trigger is a row trigger: it refuses UPDATE and DELETE, but TRUNCATE fires no row
trigger, and one statement emptied the log. A statement trigger on TRUNCATE, with 0001's
function, refuses it. SQLite has no TRUNCATE (a ``DELETE`` without a condition is refused
there by 0005).

Tests flush their tables with TRUNCATE on PostgreSQL: the test suite lifts this trigger
around a flush only (``tests/conftest.py``), with the statements below.
"""

from django.db import migrations

FORWARD = [
    """
    CREATE TRIGGER safeschools_auditevent_no_truncate
    BEFORE TRUNCATE ON safeschools_auditevent
    FOR EACH STATEMENT EXECUTE FUNCTION safeschools_auditevent_append_only()
    """
]
BACKWARD = ["DROP TRIGGER IF EXISTS safeschools_auditevent_no_truncate ON safeschools_auditevent"]


def _run(statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            for statement in statements:
                schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [("safeschools", "0009_audit_without_pattern_indexes")]

    operations = [migrations.RunPython(_run(FORWARD), _run(BACKWARD))]
