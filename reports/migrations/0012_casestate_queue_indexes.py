"""Indexes of the queue's new order and state filter, built without locking out writers;
PostgreSQL's covering index for counting visible tips, now with the state."""

from django.db import migrations, models

from safeschools.migration_operations import AddIndexConcurrently

COVER = (
    "CREATE INDEX CONCURRENTLY IF NOT EXISTS reports_tip_visible_cover ON reports_tip (id) INCLUDE "
    "(state, attention, unread_tipster_messages, received_at, category_id, school_id, is_life_safety, "
    "first_acknowledged_at)"
)


def create_cover(apps, schema_editor) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(COVER)


def drop_cover(apps, schema_editor) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX CONCURRENTLY IF EXISTS reports_tip_visible_cover")


class Migration(migrations.Migration):
    atomic = False

    dependencies = [("reports", "0011_casestate_tip_state_derived")]

    operations = [
        AddIndexConcurrently(
            model_name="tip",
            index=models.Index(fields=["state", "-received_at", "-id"], name="reports_tip_state_recent"),
        ),
        AddIndexConcurrently(
            model_name="tip",
            index=models.Index(fields=["-attention", "-received_at", "-id"], name="reports_tip_queue_order"),
        ),
        AddIndexConcurrently(
            model_name="tip",
            index=models.Index(
                condition=models.Q(("awaiting_acknowledgement", True)),
                fields=["-received_at", "-id"],
                name="reports_tip_awaiting",
            ),
        ),
        migrations.RunPython(create_cover, drop_cover),
    ]
