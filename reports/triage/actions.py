"""Staff changes to what the agencies on a tip share: priority, links, routing, notes and
messages, and acknowledging for one's own agencies. (Each agency's own part — state,
assignee, disposition — is changed in ``reports.triage.case_actions``.) Each is one
transaction that checks the version the staff member saw (SECURITY.md 33: two people
editing at once get a clear conflict, never a silent overwrite), makes the change, and
writes the audit event. Audit details carry field names and staff choices, never text
from the tip or notes."""

from __future__ import annotations

from django.db import transaction
from django.db.models import F

from partners.models import Agency, Membership
from reports import case_state
from reports.models import Message, Note, Routing, RoutingRole, Tip
from safeschools import audit
from safeschools.models import AuditEvent


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
def acknowledge(*, tip: Tip, actor, memberships: list[Membership]) -> list[Routing]:
    """Acknowledge the tip for each of the actor's own routed agencies (stops their
    escalation). Acknowledging is idempotent (the first acknowledgement stands), so it
    needs no version. A coordinator acknowledges for another agency one part at a time
    (``case_actions.acknowledge_part``), recorded as acting on its behalf."""
    case_state.lock_tip(tip)
    own = [m.agency_id for m in memberships if m.role != Membership.Role.VIEWER]
    routings = Routing.objects.filter(tip=tip, agency_id__in=own, acknowledged_at=None).select_related("agency")
    done = [r for r in routings if r.acknowledge(by=actor)]
    if not done:
        raise TriageError("Your agency has already acknowledged this tip.")
    case_state.refresh_tip_state(tip)
    for routing in done:
        audit.record(
            AuditEvent.Action.TIP_ACKNOWLEDGED, actor=actor, tip=tip, agency=routing.agency.name, on_behalf=False
        )
    return done


@transaction.atomic
def set_priority(*, tip: Tip, actor, priority: int, version: int) -> None:
    _claim(tip, version)
    tip.priority = priority
    tip.save(update_fields=["priority"])
    _changed(tip, actor, field="priority", value=priority)


@transaction.atomic
def add_note(*, tip: Tip, actor, agency: Agency | None, body: str, audience: str = Note.Audience.ALL_AGENCIES) -> Note:
    """An internal note for every agency on the tip, or for ``agency`` only (the author's)."""
    if audience == Note.Audience.AGENCY and agency is None:
        raise TriageError("Choose the agency this note is for.")
    note = Note.objects.create(tip=tip, author=actor, agency=agency, audience=audience, body=body)
    audit.record(
        AuditEvent.Action.NOTE_ADDED,
        actor=actor,
        tip=tip,
        note_id=note.pk,
        audience=audience,
        agency=agency.name if agency else "",
    )
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
    visibility is read from the routing rows every time. An added agency starts its part
    as new; the tip's state follows (a closed tip with a new responsible agency reopens)."""
    _claim(tip, version)
    case_state.lock_tip(tip)
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
    case_state.refresh_tip_state(tip)


@transaction.atomic
def message_tipster(*, tip: Tip, author, agency: Agency | None, body: str) -> Message:
    """Staff write to the anonymous tipster; they read it on the follow-up page."""
    message = Message.objects.create(
        tip=tip, direction=Message.Direction.TO_TIPSTER, body=body, author=author, agency=agency
    )
    audit.record(AuditEvent.Action.MESSAGE_TO_TIPSTER, actor=author, tip=tip, message_id=message.pk)
    return message


def mark_tipster_messages_read(tip: Tip) -> None:
    if tip.unread_tipster_messages:
        Tip.objects.filter(pk=tip.pk).update(unread_tipster_messages=0)
        tip.unread_tipster_messages = 0
