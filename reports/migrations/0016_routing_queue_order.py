"""Each routing carries its tip's place in the queue's default order (``Tip.attention`` and
``received_at``, copied by ``reports.case_state``), so that one agency's queue page is
read in order from an index of the routing table instead of walking every tip in the
county's order and keeping the ones routed to the agency.

Not atomic, as 0015: the columns are added, filled in batches of tips, and indexed
without locking out writers."""

from django.db import migrations, models
from django.db.models import OuterRef, Subquery

import reports.models
from safeschools.migration_operations import AddIndexConcurrently

BATCH = 20_000


def copy_queue_places(apps, schema_editor):
    Tip = apps.get_model("reports", "Tip")
    Routing = apps.get_model("reports", "Routing")
    tip = Tip.objects.filter(pk=OuterRef("tip_id"))
    attention = Subquery(tip.values("attention")[:1])
    received_at = Subquery(tip.values("received_at")[:1])
    last = Tip.objects.order_by("-id").values_list("id", flat=True).first() or 0
    for start in range(0, last + 1, BATCH):
        Routing.objects.filter(tip_id__gte=start, tip_id__lt=start + BATCH).update(
            tip_attention=attention, tip_received_at=received_at
        )


def vacuum(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("VACUUM ANALYZE reports_routing")


class Migration(migrations.Migration):
    atomic = False

    dependencies = [("reports", "0015_routing_tip_state")]

    operations = [
        migrations.AddField(
            model_name="routing",
            name="tip_attention",
            field=models.PositiveSmallIntegerField(default=1, editable=False),
        ),
        migrations.AddField(
            model_name="routing",
            name="tip_received_at",
            field=models.DateTimeField(default=reports.models.this_hour, editable=False),
        ),
        migrations.RunPython(copy_queue_places, migrations.RunPython.noop, elidable=True),
        AddIndexConcurrently(
            model_name="routing",
            index=models.Index(
                fields=["agency", "-tip_attention", "-tip_received_at", "-tip"], name="reports_routing_queue_order"
            ),
        ),
        migrations.RunPython(vacuum, migrations.RunPython.noop, elidable=True),
    ]
