"""Each agency's part of a tip becomes its own piece of work (DESIGN, decisions of
2026-11-29): routings get a state, a disposition, an assignee and a closed time, and the
tip keeps only the state derived from them. Notes get an audience; tipster messages a kind
(a plain message, or a request to close the report).

The tip's old status, disposition and assignee are mapped onto its routings here, and
removed in 0011 (0009-0012 were 0002-0005 on the casestate branch, renumbered after
the reach, casework, security and student migrations):

- new / acknowledged: an agency that acknowledged is "acknowledged", the others "new";
- investigating: an agency that acknowledged is "working", the others "new";
- resolved / unfounded / referred / duplicate, and closed: the tip was finished as a
  whole, so every agency's part is done, with that outcome as its disposition. A closed
  tip's outcome is the status it had before closing (from the audit log); without one,
  "resolved". The disposition note goes to every part. A part done without having been
  acknowledged is recorded as acknowledged when it was closed.
- the assignee carries the part of the agency they belong to (a responsible one first).
"""

from django.conf import settings
from django.db import migrations, models
from django.db.models import deletion

import safeschools.crypto

FINAL = {"resolved", "unfounded", "referred", "duplicate"}


def _outcome(apps, tip) -> str:
    if tip.status in FINAL:
        return tip.status
    AuditEvent = apps.get_model("safeschools", "AuditEvent")
    for detail in (
        AuditEvent.objects.filter(tip_id=tip.pk, action="tip.updated").order_by("-id").values_list("detail", flat=True)
    ):
        if detail.get("field") == "status" and detail.get("value") == "closed" and detail.get("previous") in FINAL:
            return detail["previous"]
    return "resolved"


def _map_tip(apps, tip, memberships) -> None:
    routings = list(tip.routings.all())
    finished = tip.status in FINAL or tip.status == "closed"
    closed_at = tip.closed_at or tip.updated_at
    for routing in routings:
        if finished:
            routing.state = "done"
            routing.disposition = _outcome(apps, tip)
            routing.disposition_note = tip.disposition
            routing.closed_at = closed_at
            if routing.acknowledged_at is None:
                routing.acknowledged_at = closed_at
        elif routing.acknowledged_at is not None:
            routing.state = "working" if tip.status == "investigating" else "acknowledged"
    if tip.assigned_to_id is not None:
        agencies = memberships.get(tip.assigned_to_id, set())
        carrier = next(
            (r for r in sorted(routings, key=lambda r: r.role != "responsible") if r.agency_id in agencies), None
        )
        if carrier is not None:
            carrier.assigned_to_id = tip.assigned_to_id
    for routing in routings:
        routing.save()

    responsible = [r for r in routings if r.role == "responsible"]
    acknowledged = [r.acknowledged_at for r in responsible if r.acknowledged_at is not None]
    if responsible and all(r.state == "done" for r in responsible):
        state = "done"
    elif acknowledged:
        state = "open"
    else:
        state = "new"
    tip.state = state
    tip.awaiting_acknowledgement = state != "done" and any(
        r.acknowledged_at is None and r.state != "done" for r in responsible
    )
    tip.closed_at = max(r.closed_at for r in responsible) if state == "done" else None
    tip.first_acknowledged_at = min(acknowledged) if acknowledged else None
    tip.save(update_fields=["state", "awaiting_acknowledgement", "closed_at", "first_acknowledged_at"])


def forwards(apps, schema_editor) -> None:
    Tip = apps.get_model("reports", "Tip")
    Membership = apps.get_model("partners", "Membership")
    memberships: dict[int, set[int]] = {}
    for user_id, agency_id in Membership.objects.values_list("user_id", "agency_id"):
        memberships.setdefault(user_id, set()).add(agency_id)
    for tip in Tip.objects.prefetch_related("routings").iterator(chunk_size=500):
        _map_tip(apps, tip, memberships)
    _check_constraints_now(schema_editor)


def _check_constraints_now(schema_editor) -> None:
    """PostgreSQL defers foreign-key checks to the commit, and refuses to ALTER a table
    with checks pending: run them now, so the schema changes after this can follow."""
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE")


def backwards(apps, schema_editor) -> None:
    """Back to one status per tip: the least advanced responsible part decides."""
    Tip = apps.get_model("reports", "Tip")
    for tip in Tip.objects.prefetch_related("routings").iterator(chunk_size=500):
        parts = [r for r in tip.routings.all() if r.role == "responsible"] or list(tip.routings.all())
        states = {r.state for r in parts}
        if tip.state == "done":
            tip.status = "closed"
            tip.disposition = next((r.disposition_note for r in parts if r.disposition_note), "")
        elif "working" in states:
            tip.status = "investigating"
        elif states - {"new"}:
            tip.status = "acknowledged"
        else:
            tip.status = "new"
        tip.assigned_to_id = next((r.assigned_to_id for r in parts if r.assigned_to_id), None)
        tip.save(update_fields=["status", "disposition", "assigned_to"])
    _check_constraints_now(schema_editor)


class Migration(migrations.Migration):
    dependencies = [
        ("partners", "0005_student_school_network_ranges"),
        ("reports", "0008_student_text_a_tip_and_decoys"),
        ("safeschools", "0007_student_tipster_audit_actions"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="routing",
            name="state",
            field=models.CharField(
                choices=[("new", "New"), ("acknowledged", "Acknowledged"), ("working", "Working"), ("done", "Done")],
                default="new",
                max_length=20,
                verbose_name="state",
            ),
        ),
        migrations.AddField(
            model_name="routing",
            name="disposition",
            field=models.CharField(
                blank=True,
                choices=[
                    ("resolved", "Resolved"),
                    ("unfounded", "Unfounded — false report"),
                    ("referred", "Referred"),
                    ("duplicate", "Duplicate"),
                    ("no_action", "No action needed"),
                ],
                max_length=20,
                verbose_name="disposition",
            ),
        ),
        migrations.AddField(
            model_name="routing",
            name="referred_to",
            field=safeschools.crypto.EncryptedTextField(blank=True, verbose_name="referred to"),
        ),
        migrations.AddField(
            model_name="routing",
            name="disposition_note",
            field=safeschools.crypto.EncryptedTextField(blank=True, verbose_name="disposition note"),
        ),
        migrations.AddField(
            model_name="routing",
            name="assigned_to",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=deletion.SET_NULL,
                related_name="assigned_routings",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AddField(
            model_name="routing",
            name="closed_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="routing",
            name="closed_by",
            field=models.ForeignKey(
                blank=True, null=True, on_delete=deletion.SET_NULL, related_name="+", to=settings.AUTH_USER_MODEL
            ),
        ),
        migrations.AddField(
            model_name="routing",
            name="version",
            field=models.PositiveIntegerField(default=1),
        ),
        migrations.AddField(
            model_name="tip",
            name="state",
            field=models.CharField(
                choices=[("new", "New"), ("open", "In progress"), ("done", "Closed")],
                default="new",
                max_length=10,
                verbose_name="state",
            ),
        ),
        migrations.AddField(
            model_name="tip",
            name="close_requested",
            field=models.BooleanField(default=False),
        ),
        migrations.AddField(
            model_name="message",
            name="kind",
            field=models.CharField(
                choices=[("message", "Message"), ("close_request", "Asks to close the report")],
                default="message",
                max_length=20,
            ),
        ),
        migrations.AddField(
            model_name="note",
            name="audience",
            field=models.CharField(
                choices=[("all", "All agencies on this tip"), ("agency", "Only my agency")],
                default="all",
                max_length=10,
            ),
        ),
        migrations.RunPython(forwards, backwards),
    ]
