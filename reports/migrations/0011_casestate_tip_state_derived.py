"""The tip's own status, disposition and assignee are gone (mapped onto its routings in
0009); its queue order (``attention``) is computed by the database from the derived state.
Routings cannot be done without a disposition, nor worked on unacknowledged."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("reports", "0010_casestate_drop_status_indexes")]

    operations = [
        migrations.RemoveField(model_name="tip", name="assigned_to"),
        migrations.RemoveField(model_name="tip", name="disposition"),
        migrations.RemoveField(model_name="tip", name="status"),
        migrations.AddField(
            model_name="tip",
            name="attention",
            field=models.GeneratedField(
                db_persist=True,
                expression=models.Case(
                    models.When(is_life_safety=True, awaiting_acknowledgement=True, then=models.Value(3)),
                    models.When(unread_tipster_messages__gt=0, then=models.Value(2)),
                    models.When(new_info_after_closing=True, then=models.Value(2)),
                    models.When(state="done", then=models.Value(0)),
                    default=models.Value(1),
                ),
                output_field=models.PositiveSmallIntegerField(),
            ),
        ),
        migrations.AddConstraint(
            model_name="routing",
            constraint=models.CheckConstraint(
                condition=models.Q(("state", "done"), _negated=True) | models.Q(("disposition", ""), _negated=True),
                name="reports_routing_done_has_disposition",
            ),
        ),
        migrations.AddConstraint(
            model_name="routing",
            constraint=models.CheckConstraint(
                condition=models.Q(("state", "new"), ("acknowledged_at__isnull", False), _connector="OR"),
                name="reports_routing_worked_is_acknowledged",
            ),
        ),
    ]
