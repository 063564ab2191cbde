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
from reports.models import Message, Note, Notification, Routing, RoutingRole, Tip
from reports.notifications import alerts, escalation, tipster_texts
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
def acknowledge(*, tip: Tip, actor, memberships: list[Membership], via: str = "") -> list[Routing]:
    """Acknowledge the tip for each of the actor's own routed agencies (stops their
    escalation), and any new information the tipster sent after it was closed.
    Acknowledging is idempotent (the first acknowledgement stands), so it needs no version.
    A coordinator acknowledges for another agency one part at a time
    (``case_actions.acknowledge_part``, or ``acknowledge_for`` with a note), recorded as
    acting on its behalf. ``via`` names a way other than the dashboard ("SMS") for the
    audit log."""
    case_state.lock_tip(tip)
    own = [m.agency_id for m in memberships if m.role != Membership.Role.VIEWER]
    routings = Routing.objects.filter(tip=tip, agency_id__in=own, acknowledged_at=None).select_related("agency")
    done = [r for r in routings if r.acknowledge(by=actor)]
    new_info = Tip.objects.filter(pk=tip.pk, new_info_after_closing=True).exists()
    if not done and not new_info:
        raise TriageError("Your agency has already acknowledged this tip.")
    after_acknowledgement(tip, done, clear_new_info=new_info)
    for routing in done:
        audit.record(
            AuditEvent.Action.TIP_ACKNOWLEDGED,
            actor=actor,
            tip=tip,
            agency=routing.agency.name,
            on_behalf=False,
            **({"via": via} if via else {}),
        )
    if new_info:
        audit.record(AuditEvent.Action.TIP_ACKNOWLEDGED, actor=actor, tip=tip, new_info_after_closing=True)
    return done


@transaction.atomic
def acknowledge_for(*, tip: Tip, actor, agency: Agency, note: str) -> Routing:
    """A coordinator acknowledges for an agency that cannot do it itself (nobody enrolled,
    nobody answering the alerts), after reaching it another way: "phoned their dispatch at
    14:05, Sgt. Diaz is sending a car". Stops that agency's escalation; the note goes on the
    tip's timeline (encrypted, like every note; for every agency on the tip) and the audit
    log says who did it for whom."""
    if not note.strip():
        raise TriageError("Write whom you reached at the agency, and how.")
    case_state.lock_tip(tip)
    routing = Routing.objects.filter(tip=tip, agency=agency).first()
    if routing is None:
        raise TriageError(f"The tip is not routed to {agency.name}.")
    if not routing.acknowledge(by=actor, on_behalf=True):
        raise TriageError(f"{agency.name} has already acknowledged this tip.")
    after_acknowledgement(tip, [routing], clear_new_info=False)
    coordinating = Agency.objects.filter(is_coordinating=True).first()
    note_row = Note.objects.create(
        tip=tip,
        author=actor,
        agency=coordinating,
        audience=Note.Audience.ALL_AGENCIES,
        body=f"Acknowledged by the Partnership office for {agency.name}: {note.strip()}",
    )
    audit.record(
        AuditEvent.Action.TIP_ACKNOWLEDGED,
        actor=actor,
        tip=tip,
        agency=agency.name,
        on_behalf=True,
        on_behalf_by="Partnership office",
        note_id=note_row.pk,
    )
    return routing


def after_acknowledgement(tip: Tip, done: list[Routing], *, clear_new_info: bool = False) -> None:
    """After parts were acknowledged (under ``case_state.lock_tip``): the tip's derived
    state, the new information after closing seen, and no escalation alert about those
    agencies left keeping a time finer than the tip's hour (SECURITY.md 37)."""
    if clear_new_info:
        Tip.objects.filter(pk=tip.pk).update(new_info_after_closing=False)
        tip.new_info_after_closing = False
        case_state.copy_attention(tip)
    case_state.refresh_tip_state(tip)
    if done and tip.is_life_safety:
        # Their clocks stopped (Routing.acknowledge).
        escalation.settle_waiting(tip.pk, agency_ids=[r.agency_id for r in done])


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
def reroute(*, tip: Tip, actor, add: list[tuple[Agency, str]], remove: list[Agency], version: int) -> list[Routing]:
    """Coordinators only: add or remove routed agencies, or change an agency's role.

    A routing added (or made responsible) is a new part of the work with the full
    treatment of a new tip: it starts as new, its people are alerted ("re-routed to you"),
    and on a life-safety tip its own escalation clock starts, with the coordinators and the
    fallback told at once if nobody there can be reached (``alerts.alert_routed``). Removing
    an agency, or making it information only, stops its clock. The tip's state follows (a
    closed tip with a new responsible agency reopens). Visibility is read from the routing
    rows on every request, so the change shows on the next one."""
    for agency, role in add:
        if role == RoutingRole.RESPONSIBLE and not agency.can_act:
            raise TriageError(f"{agency.name} cannot act on tips: add it for information only.")
    _claim(tip, version)
    case_state.lock_tip(tip)
    removed_ids = {a.pk for a in remove} - {a.pk for a, _ in add}
    if not Routing.objects.filter(tip=tip).exclude(agency_id__in=removed_ids).exists() and not add:
        raise TriageError("A tip must stay routed to at least one agency.")
    roles = dict(Routing.objects.filter(tip=tip).exclude(agency_id__in=removed_ids).values_list("agency_id", "role"))
    roles |= {agency.pk: role for agency, role in add}
    if RoutingRole.RESPONSIBLE not in roles.values():
        raise TriageError("At least one routed agency must be responsible for the tip.")
    for agency in remove:
        if agency.pk in removed_ids and Routing.objects.filter(tip=tip, agency=agency).delete()[0]:
            audit.record(AuditEvent.Action.TIP_ROUTED, actor=actor, tip=tip, removed=agency.name)
    fresh = []
    for agency, role in add:
        routing, created = Routing.objects.get_or_create(
            tip=tip,
            agency=agency,
            defaults={"role": role, "reason": f"re-routed by {actor.get_username()}", **case_state.copies_of(tip)},
        )
        changed = not created and routing.role != role
        if changed:
            routing.role = role
            routing.reason = f"{routing.reason}; made {RoutingRole(role).label.lower()} by {actor.get_username()}"
            routing.save(update_fields=["role", "reason"])
            if role == RoutingRole.INFO_ONLY:
                routing.stop_clock()
        if created or (changed and role == RoutingRole.RESPONSIBLE and routing.acknowledged_at is None):
            fresh.append(routing)
        audit.record(AuditEvent.Action.TIP_ROUTED, actor=actor, tip=tip, added=agency.name, role=role, new=created)
    if fresh:  # made from the tip as read before the lock: its place in the queue as it is now
        case_state.copy_attention(tip)
    case_state.refresh_tip_state(tip)
    if fresh and tip.state != Tip.State.DONE:
        alerts.alert_routed(tip=tip, routings=fresh, kind=Notification.Kind.REROUTED)
    return fresh


@transaction.atomic
def message_tipster(*, tip: Tip, author, agency: Agency | None, body: str) -> Message:
    """Staff write to the anonymous tipster; they read it on the follow-up page, and a
    tipster who reported by text also gets it by text (through the outbox; the returned
    message's ``texted`` says so). Replying means the tipster's messages were read: the
    unread count goes to zero."""
    thread = tipster_texts.textable_thread(tip.pk)
    texting = thread is not None
    if texting and len(body) > tipster_texts.TEXT_MAX:
        raise TriageError(
            f"This tipster reads replies as text messages, which hold at most {tipster_texts.TEXT_MAX:,} "
            f"characters: shorten the message ({len(body):,} now) or send it in parts."
        )
    message = Message.objects.create(
        tip=tip, direction=Message.Direction.TO_TIPSTER, body=body, author=author, agency=agency
    )
    if Tip.objects.filter(pk=tip.pk, unread_tipster_messages__gt=0).update(unread_tipster_messages=0):
        case_state.copy_attention(tip)
    tip.unread_tipster_messages = 0
    if texting:
        audit.record(AuditEvent.Action.MESSAGE_TO_TIPSTER, actor=author, tip=tip, message_id=message.pk, by="text")
    else:
        audit.record(AuditEvent.Action.MESSAGE_TO_TIPSTER, actor=author, tip=tip, message_id=message.pk)
    message.texted = thread is not None and alerts.queue_text_to_tipster(message, thread=thread, tip=tip) is not None
    return message


@transaction.atomic
def mark_tipster_messages_read(*, tip: Tip, actor) -> int:
    """Someone at a routed agency says they have read the tipster's new messages: the
    queue's badge goes. Only ever by a POST (SECURITY.md 22), never by opening the page."""
    unread = Tip.objects.filter(pk=tip.pk).values_list("unread_tipster_messages", flat=True).first() or 0
    if unread:
        Tip.objects.filter(pk=tip.pk).update(unread_tipster_messages=0)
        case_state.copy_attention(tip)
        _changed(tip, actor, field="tipster_messages_read", value=unread)
    tip.unread_tipster_messages = 0
    return unread
