"""A partial index of the tips with unread tipster messages, built without locking out
writers: the queue counts them on every page."""

from django.db import migrations, models
from django.db.models import Q

from safeschools.migration_operations import AddIndexConcurrently


class Migration(migrations.Migration):
    atomic = False

    dependencies = [("reports", "0013_category_card")]

    operations = [
        AddIndexConcurrently(
            model_name="tip",
            index=models.Index(
                fields=["-attention", "-id"], condition=Q(unread_tipster_messages__gt=0), name="reports_tip_unread"
            ),
        ),
    ]
