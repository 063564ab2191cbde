"""The partial index behind the queue's "new information after closing" list: built
concurrently on PostgreSQL, so the tip table keeps taking tips meanwhile."""

from django.db import migrations, models

from safeschools.migration_operations import AddIndexConcurrently


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("reports", "0003_reach_ladder_and_fallback"),
    ]

    operations = [
        AddIndexConcurrently(
            model_name="tip",
            index=models.Index(
                condition=models.Q(("new_info_after_closing", True)), fields=["-id"], name="reports_tip_new_info"
            ),
        ),
    ]
