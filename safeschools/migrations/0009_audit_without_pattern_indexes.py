"""The audit log drops the ``varchar_pattern_ops`` copies Django adds beside the indexes of
``action`` and ``tip_reference`` on PostgreSQL, for ``LIKE 'abc%'``: both are only ever
compared whole (or case-blind, which neither index answers), and every audited act,
each submission and each tip opened, wrote both. Not atomic, so that PostgreSQL drops them
without locking out writers."""

from django.db import migrations

from safeschools.migration_operations import DropPatternCopiesConcurrently


class Migration(migrations.Migration):
    atomic = False

    dependencies = [("safeschools", "0008_casestate_audit_actions")]

    operations = [
        DropPatternCopiesConcurrently(
            {
                "safeschools_auditevent_action_3addd752_like": "safeschools_auditevent (action varchar_pattern_ops)",
                "safeschools_auditevent_tip_reference_9244bc8d_like": (
                    "safeschools_auditevent (tip_reference varchar_pattern_ops)"
                ),
            }
        )
    ]
