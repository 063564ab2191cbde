"""On PostgreSQL the database itself refuses to change or delete an audit event.

(SQLite is the local default: there the model refuses, and tests flush tables with DELETE,
which a trigger would block.)
"""

from django.db import migrations

FORWARD = [
    """
    CREATE FUNCTION reports_auditevent_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      RAISE EXCEPTION 'audit events are append-only' USING ERRCODE = 'insufficient_privilege';
    END $$;
    """,
    """
    CREATE TRIGGER reports_auditevent_append_only
    BEFORE UPDATE OR DELETE ON reports_auditevent
    FOR EACH ROW EXECUTE FUNCTION reports_auditevent_append_only();
    """,
]
BACKWARD = [
    "DROP TRIGGER IF EXISTS reports_auditevent_append_only ON reports_auditevent",
    "DROP FUNCTION IF EXISTS reports_auditevent_append_only()",
]


def _run(statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            for statement in statements:
                schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [("reports", "0001_initial")]

    operations = [migrations.RunPython(_run(FORWARD), _run(BACKWARD))]
