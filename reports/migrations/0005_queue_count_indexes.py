"""Indexes for the queue's counts and the stats page at a million tips.

- ``reports_routing_unacked``: a partial index of the routings not yet acknowledged, for
  "awaiting my acknowledgement" (otherwise a scan of every routing ever made).
- ``reports_tip_visible_cover`` (PostgreSQL only): the tip's id with the columns the
  queue's status counts and the stats page group by, so that counting the tips a user may
  see is an index-only scan instead of one heap fetch per tip. SQLite has no covering
  indexes (Django warns about ``Index(include=...)`` there), so it lives here, not in
  ``Tip.Meta``.
"""

from django.db import migrations, models

COVER = (
    "CREATE INDEX IF NOT EXISTS reports_tip_visible_cover ON reports_tip (id) INCLUDE "
    "(status, unread_tipster_messages, received_at, category_id, school_id, is_life_safety, first_acknowledged_at)"
)


def create_cover(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(COVER)


def drop_cover(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS reports_tip_visible_cover")


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0004_queue_and_search"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="routing",
            index=models.Index(
                condition=models.Q(("acknowledged_at", None)), fields=["agency", "tip"], name="reports_routing_unacked"
            ),
        ),
        migrations.RunPython(create_cover, drop_cover, elidable=False),
    ]
