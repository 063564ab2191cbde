"""Fewer indexes for every new tip to write, and the export's walk from an index alone.

Every tip, routing and form token written pays for each index of its table. These ones
repeat another index, so they go:
- ``Tip.received_at``'s own index: ``reports_tip_recent`` (received_at, id) answers the
  same ranges of hours.
- ``Routing.tip``'s and ``Routing.agency``'s own indexes: the unique (tip, agency) leads
  with the tip, and every index of ``Routing.Meta.indexes`` with the agency.
- ``Notification.status``'s and ``next_attempt_at``'s own indexes: the outbox is read
  through ``reports_notification_due`` (status, next_attempt_at).
- On PostgreSQL, the ``varchar_pattern_ops`` copies Django adds beside a unique
  ``CharField``'s index, for ``LIKE 'abc%'``: a receipt's hash, a tip's reference and a
  form token's hash are only ever compared whole, which the unique index answers. The
  receipt hash's copy alone was 119 MB at a million tips, written at a random place on
  every submission.

``reports_tip_visible_cover`` also carries the reference, the priority and "awaiting
acknowledgement", so that the CSV export walks an officer's tips in this index alone
instead of visiting every tip of the county between two of theirs (bench/README.md). It is
built beside the old one and takes its name: the tips are never without it.

Not atomic, so that PostgreSQL builds and drops without locking out writers.
"""

from django.db import migrations, models

import reports.models
from safeschools.migration_operations import DropPatternCopiesConcurrently

PATTERN_COPIES = {
    "reports_tip_receipt_hash_91605aff_like": "reports_tip (receipt_hash varchar_pattern_ops)",
    "reports_tip_reference_46a5040f_like": "reports_tip (reference varchar_pattern_ops)",
    "reports_submissiontoken_token_hash_d5185b00_like": "reports_submissiontoken (token_hash varchar_pattern_ops)",
}
COVERED = (
    "state, attention, unread_tipster_messages, received_at, category_id, school_id, is_life_safety, "
    "first_acknowledged_at"
)
EXPORTED = "reference, priority, awaiting_acknowledgement"


def _cover(schema_editor, columns: str) -> None:
    """``reports_tip_visible_cover`` with ``columns``: the new one built first, then named."""
    schema_editor.execute("DROP INDEX CONCURRENTLY IF EXISTS reports_tip_visible_cover_next")
    schema_editor.execute(
        f"CREATE INDEX CONCURRENTLY reports_tip_visible_cover_next ON reports_tip (id) INCLUDE ({columns})"
    )
    schema_editor.execute("DROP INDEX CONCURRENTLY IF EXISTS reports_tip_visible_cover")
    schema_editor.execute("ALTER INDEX reports_tip_visible_cover_next RENAME TO reports_tip_visible_cover")


def forwards(apps, schema_editor) -> None:
    if schema_editor.connection.vendor == "postgresql":
        _cover(schema_editor, f"{COVERED}, {EXPORTED}")


def backwards(apps, schema_editor) -> None:
    if schema_editor.connection.vendor == "postgresql":
        _cover(schema_editor, COVERED)


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("partners", "0005_student_school_network_ranges"),
        ("reports", "0016_routing_queue_order"),
    ]

    operations = [
        migrations.AlterField(
            model_name="routing",
            name="agency",
            field=models.ForeignKey(
                db_index=False,
                on_delete=models.deletion.PROTECT,
                related_name="routings",
                to="partners.agency",
            ),
        ),
        migrations.AlterField(
            model_name="routing",
            name="tip",
            field=models.ForeignKey(
                db_index=False,
                on_delete=models.deletion.CASCADE,
                related_name="routings",
                to="reports.tip",
            ),
        ),
        migrations.AlterField(
            model_name="tip",
            name="received_at",
            field=models.DateTimeField(default=reports.models.this_hour, verbose_name="received (hour)"),
        ),
        migrations.AlterField(
            model_name="notification",
            name="next_attempt_at",
            field=models.DateTimeField(default=reports.models.this_hour),
        ),
        migrations.AlterField(
            model_name="notification",
            name="status",
            field=models.CharField(
                choices=[
                    ("pending", "Pending"),
                    ("sending", "Sending"),
                    ("sent", "Sent"),
                    ("failed", "Failed"),
                    ("cancelled", "Cancelled"),
                ],
                default="pending",
                max_length=20,
            ),
        ),
        DropPatternCopiesConcurrently(PATTERN_COPIES),
        migrations.RunPython(forwards, backwards),
    ]
