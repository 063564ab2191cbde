"""Staff changes to a tip. Each is one transaction that checks the version the staff member
saw (SECURITY.md 33: two people editing at once get a clear conflict, never a silent
overwrite), makes the change, and writes the audit event. Audit details carry field names
and staff choices, never text from the tip or notes."""

from __future__ import annotations

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from partners.models import Agency, Membership
from reports.models import Message, Note, Routing, RoutingRole, Tip
from reports.notifications import alerts, tipster_texts
from safeschools import audit
from safeschools.models import AuditEvent

Status = Tip.Status
FINAL = {Status.RESOLVED, Status.UNFOUNDED, Status.REFERRED, Status.DUPLICATE}
NEXT_STATUSES: dict[str, set[str]] = {
    Status.NEW: {Status.ACKNOWLEDGED, Status.INVESTIGATING, *FINAL},
    Status.ACKNOWLEDGED: {Status.INVESTIGATING, *FINAL},
    Status.INVESTIGATING: set(FINAL),
    Status.RESOLVED: {Status.CLOSED, Status.INVESTIGATING},
    Status.UNFOUNDED: {Status.CLOSED, Status.INVESTIGATING},
    Status.REFERRED: {Status.CLOSED, Status.INVESTIGATING},
    Status.DUPLICATE: {Status.CLOSED, Status.INVESTIGATING},
    Status.CLOSED: {Status.INVESTIGATING},
}


class TriageError(Exception):
    """A change that cannot be made; the message is shown to the staff member."""


class Conflict(TriageError):
    def __init__(self) -> None:
        super().__init__(
            "Someone else changed this tip while you had it open. The page now shows the latest "
            "version: check it and make your change again."
        )


def _claim(tip: Tip, version: int) -> None:
    """Take the next version of the tip, or fail if it moved on since the form was shown.
    The conditional UPDATE also locks the row until the transaction ends."""
    if not Tip.objects.filter(pk=tip.pk, version=version).update(version=F("version") + 1):
        raise Conflict
    tip.version = version + 1


def _changed(tip: Tip, actor, **detail) -> None:
    audit.record(AuditEvent.Action.TIP_UPDATED, actor=actor, tip=tip, **detail)


@transaction.atomic
def acknowledge(*, tip: Tip, actor, memberships: list[Membership], version: int, via: str = "") -> list[Routing]:
    """Acknowledge the tip for each of the actor's routed agencies (stops escalation).
    ``via`` names a way other than the dashboard ("SMS") for the audit log."""
    _claim(tip, version)
    routings = Routing.objects.filter(tip=tip, agency_id__in=[m.agency_id for m in memberships], acknowledged_at=None)
    done = [r for r in routings if r.acknowledge(by=actor)]
    if not done:
        raise TriageError("Your agency has already acknowledged this tip.")
    fields = []
    if any(r.role == RoutingRole.RESPONSIBLE for r in done) and tip.awaiting_acknowledgement:
        tip.awaiting_acknowledgement = False
        tip.first_acknowledged_at = timezone.now()
        fields += ["awaiting_acknowledgement", "first_acknowledged_at"]
    if tip.status == Status.NEW:
        tip.status = Status.ACKNOWLEDGED
        fields.append("status")
    if fields:
        tip.save(update_fields=fields)
    for routing in done:
        audit.record(
            AuditEvent.Action.TIP_ACKNOWLEDGED,
            actor=actor,
            tip=tip,
            agency=routing.agency.name,
            **({"via": via} if via else {}),
        )
    return done


@transaction.atomic
def assign(*, tip: Tip, actor, assignee, version: int) -> None:
    _claim(tip, version)
    tip.assigned_to = assignee
    tip.save(update_fields=["assigned_to"])
    _changed(tip, actor, field="assigned_to", value=getattr(assignee, "username", None))


@transaction.atomic
def set_priority(*, tip: Tip, actor, priority: int, version: int) -> None:
    _claim(tip, version)
    tip.priority = priority
    tip.save(update_fields=["priority"])
    _changed(tip, actor, field="priority", value=priority)


@transaction.atomic
def set_status(*, tip: Tip, actor, status: str, disposition: str, version: int, coordinator: bool) -> None:
    if status not in NEXT_STATUSES.get(tip.status, set()):
        raise TriageError(f"A {tip.get_status_display().lower()} tip cannot become {Status(status).label.lower()}.")
    if tip.status == Status.CLOSED and not coordinator:
        raise TriageError("Only a coordinator can reopen a closed tip.")
    if status == Status.CLOSED and not (disposition.strip() or tip.disposition):
        raise TriageError("Write a disposition note before closing: what was done and why.")
    if status == Status.DUPLICATE and tip.duplicate_of_id is None:
        raise TriageError("Link the original tip first (Link a tip → duplicate of), then mark this one a duplicate.")
    _claim(tip, version)
    previous = tip.status
    tip.status = status
    fields = ["status"]
    if disposition.strip():
        tip.disposition = disposition.strip()
        fields.append("disposition")
    tip.closed_at = timezone.now() if status == Status.CLOSED else None
    fields.append("closed_at")
    tip.save(update_fields=fields)
    _changed(tip, actor, field="status", previous=previous, value=status, disposition_written="disposition" in fields)


@transaction.atomic
def add_note(*, tip: Tip, actor, agency: Agency | None, body: str) -> Note:
    note = Note.objects.create(tip=tip, author=actor, agency=agency, body=body)
    audit.record(AuditEvent.Action.NOTE_ADDED, actor=actor, tip=tip, note_id=note.pk)
    return note


@transaction.atomic
def link(*, tip: Tip, actor, other: Tip, kind: str, version: int) -> None:
    if other.pk == tip.pk:
        raise TriageError("A tip cannot be linked to itself.")
    _claim(tip, version)
    if kind == "duplicate":
        tip.duplicate_of = other
        tip.save(update_fields=["duplicate_of"])
    else:
        tip.related.add(other)
    _changed(tip, actor, field="duplicate_of" if kind == "duplicate" else "related", value=other.reference)


@transaction.atomic
def reroute(*, tip: Tip, actor, add: list[tuple[Agency, str]], remove: list[Agency], version: int) -> None:
    """Coordinators only: add or remove routed agencies. Takes effect on the next request:
    visibility is read from the routing rows every time."""
    _claim(tip, version)
    remaining = Routing.objects.filter(tip=tip).exclude(agency__in=remove)
    if not remaining.exists() and not add:
        raise TriageError("A tip must stay routed to at least one agency.")
    for agency in remove:
        if Routing.objects.filter(tip=tip, agency=agency).delete()[0]:
            audit.record(AuditEvent.Action.TIP_ROUTED, actor=actor, tip=tip, removed=agency.name)
    for agency, role in add:
        _, created = Routing.objects.update_or_create(
            tip=tip, agency=agency, defaults={"role": role, "reason": f"re-routed by {actor.get_username()}"}
        )
        audit.record(AuditEvent.Action.TIP_ROUTED, actor=actor, tip=tip, added=agency.name, role=role, new=created)
    if not Routing.objects.filter(tip=tip, role=RoutingRole.RESPONSIBLE).exists():
        raise TriageError("At least one routed agency must be responsible for the tip.")


@transaction.atomic
def message_tipster(*, tip: Tip, author, agency: Agency | None, body: str) -> Message:
    """Staff write to the anonymous tipster; they read it on the follow-up page, and a
    tipster who reported by text also gets it by text (through the outbox)."""
    texting = tipster_texts.textable_thread(tip.pk) is not None
    if texting and len(body) > tipster_texts.TEXT_MAX:
        raise TriageError(
            f"This tipster reads replies as text messages, which hold at most {tipster_texts.TEXT_MAX:,} "
            f"characters: shorten the message ({len(body):,} now) or send it in parts."
        )
    message = Message.objects.create(
        tip=tip, direction=Message.Direction.TO_TIPSTER, body=body, author=author, agency=agency
    )
    audit.record(
        AuditEvent.Action.MESSAGE_TO_TIPSTER,
        actor=author,
        tip=tip,
        message_id=message.pk,
        **({"by": "text"} if texting else {}),
    )
    if texting:
        alerts.queue_text_to_tipster(message)
    return message


def mark_tipster_messages_read(tip: Tip) -> None:
    if tip.unread_tipster_messages:
        Tip.objects.filter(pk=tip.pk).update(unread_tipster_messages=0)
        tip.unread_tipster_messages = 0


def timeline(tip: Tip) -> list[dict]:
    """Every event of the tip in time order: audit events, messages and internal notes."""
    entries = [
        {"at": e.at, "kind": "event", "event": e}
        for e in AuditEvent.objects.filter(tip_id=tip.pk).exclude(action=AuditEvent.Action.TIP_VIEWED)
    ]
    entries += [
        {"at": m.created_at, "kind": "message", "message": m}
        for m in Message.objects.filter(tip=tip).select_related("author", "agency").prefetch_related("attachments")
    ]
    entries += [
        {"at": n.created_at, "kind": "note", "note": n}
        for n in Note.objects.filter(tip=tip).select_related("author", "agency")
    ]
    return sorted(entries, key=lambda entry: entry["at"])
