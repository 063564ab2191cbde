"""Each routing carries its tip's state (``Routing.tip_state``, kept by
``reports.case_state.refresh_tip_state``), so the queue's tabs count one agency's tips by
state from an index of the routing table alone.

Not atomic: the column is added (a default needs no rewrite on PostgreSQL), filled in
batches of tips so that no statement holds many routing rows at once, and indexed without
locking out writers."""

from django.db import migrations, models
from django.db.models import OuterRef, Subquery

from safeschools.migration_operations import AddIndexConcurrently

BATCH = 20_000


def copy_tip_states(apps, schema_editor):
    Tip = apps.get_model("reports", "Tip")
    Routing = apps.get_model("reports", "Routing")
    state = Subquery(Tip.objects.filter(pk=OuterRef("tip_id")).values("state")[:1])
    last = Tip.objects.order_by("-id").values_list("id", flat=True).first() or 0
    for start in range(0, last + 1, BATCH):
        Routing.objects.filter(tip_id__gte=start, tip_id__lt=start + BATCH).exclude(
            tip__state=models.F("tip_state")
        ).update(tip_state=state)


def vacuum(apps, schema_editor):
    """After rewriting most routing rows: PostgreSQL's visibility map lets the new index
    answer counts without reading the table (autovacuum would get there later)."""
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("VACUUM ANALYZE reports_routing")


class Migration(migrations.Migration):
    atomic = False

    dependencies = [("reports", "0014_tip_unread_index")]

    operations = [
        migrations.AddField(
            model_name="routing",
            name="tip_state",
            field=models.CharField(
                choices=[("new", "New"), ("open", "In progress"), ("done", "Closed")],
                default="new",
                editable=False,
                max_length=10,
            ),
        ),
        migrations.RunPython(copy_tip_states, migrations.RunPython.noop, elidable=True),
        AddIndexConcurrently(
            model_name="routing",
            index=models.Index(fields=["agency", "tip_state", "tip"], name="reports_routing_agency_state"),
        ),
        migrations.RunPython(vacuum, migrations.RunPython.noop, elidable=True),
    ]
