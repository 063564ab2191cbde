"""The indexes on the tip's old status go, without locking out writers (0011 removes the
column). PostgreSQL's covering index named the status column: it is rebuilt in 0012."""

from django.db import migrations

from safeschools.migration_operations import RemoveIndexConcurrently


def drop_cover(apps, schema_editor) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX CONCURRENTLY IF EXISTS reports_tip_visible_cover")


def create_old_cover(apps, schema_editor) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            "CREATE INDEX CONCURRENTLY IF NOT EXISTS reports_tip_visible_cover ON reports_tip (id) INCLUDE "
            "(status, unread_tipster_messages, received_at, category_id, school_id, is_life_safety, first_acknowledged_at)"
        )


class Migration(migrations.Migration):
    atomic = False

    dependencies = [("reports", "0009_casestate_routing_parts")]

    operations = [
        RemoveIndexConcurrently(model_name="tip", name="reports_tip_status_recent"),
        RemoveIndexConcurrently(model_name="tip", name="reports_tip_attention"),
        migrations.RunPython(drop_cover, create_old_cover),
    ]
