"""Staff changes to a tip. Each is one transaction that checks the version the staff member
saw (SECURITY.md 33: two people editing at once get a clear conflict, never a silent
overwrite), makes the change, and writes the audit event. Audit details carry field names
and staff choices, never text from the tip or notes."""

from __future__ import annotations

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from partners.models import Agency, Membership
from reports.models import Attachment, Message, Note, Notification, Routing, RoutingRole, Tip
from reports.notifications import alerts, escalation, tipster_texts
from safeschools import audit
from safeschools.hours import is_whole_hour
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
    """Acknowledge the tip for each of the actor's routed agencies (stops their escalation),
    and any new information the tipster sent after it was closed. ``via`` names a way other
    than the dashboard ("SMS") for the audit log."""
    _claim(tip, version)
    routings = Routing.objects.filter(tip=tip, agency_id__in=[m.agency_id for m in memberships], acknowledged_at=None)
    done = [r for r in routings.select_related("agency") if r.acknowledge(by=actor)]
    new_info = tip.new_info_after_closing
    if not done and not new_info:
        raise TriageError("Your agency has already acknowledged this tip.")
    _after_acknowledgement(tip, done, clear_new_info=new_info)
    for routing in done:
        audit.record(
            AuditEvent.Action.TIP_ACKNOWLEDGED,
            actor=actor,
            tip=tip,
            agency=routing.agency.name,
            **({"via": via} if via else {}),
        )
    if new_info:
        audit.record(AuditEvent.Action.TIP_ACKNOWLEDGED, actor=actor, tip=tip, new_info_after_closing=True)
    return done


@transaction.atomic
def acknowledge_for(*, tip: Tip, actor, agency: Agency, note: str, version: int) -> Routing:
    """A coordinator acknowledges for an agency that cannot do it itself (nobody enrolled,
    nobody answering the alerts), after reaching it another way: "phoned their dispatch at
    14:05, Sgt. Diaz is sending a car". Stops that agency's escalation; the note goes on the
    tip's timeline (encrypted, like every note) and the audit log says who did it for whom."""
    if not note.strip():
        raise TriageError("Write whom you reached at the agency, and how.")
    _claim(tip, version)
    routing = Routing.objects.filter(tip=tip, agency=agency).first()
    if routing is None:
        raise TriageError(f"The tip is not routed to {agency.name}.")
    if not routing.acknowledge(by=actor, on_behalf=True):
        raise TriageError(f"{agency.name} has already acknowledged this tip.")
    _after_acknowledgement(tip, [routing], clear_new_info=False)
    coordinating = Agency.objects.filter(is_coordinating=True).first()
    note_row = Note.objects.create(
        tip=tip,
        author=actor,
        agency=coordinating,
        body=f"Acknowledged by the Partnership office for {agency.name}: {note.strip()}",
    )
    audit.record(
        AuditEvent.Action.TIP_ACKNOWLEDGED,
        actor=actor,
        tip=tip,
        agency=agency.name,
        on_behalf_by="Partnership office",
        note_id=note_row.pk,
    )
    return routing


def _after_acknowledgement(tip: Tip, done: list[Routing], *, clear_new_info: bool) -> None:
    fields = []
    if any(r.role == RoutingRole.RESPONSIBLE for r in done) and tip.awaiting_acknowledgement:
        tip.awaiting_acknowledgement = False
        if tip.first_acknowledged_at is None:
            tip.first_acknowledged_at = timezone.now()
            fields.append("first_acknowledged_at")
        fields.append("awaiting_acknowledgement")
    if clear_new_info:
        tip.new_info_after_closing = False
        tip.awaiting_acknowledgement = False
        fields += ["new_info_after_closing", "awaiting_acknowledgement"]
    if tip.status == Status.NEW:
        tip.status = Status.ACKNOWLEDGED
        fields.append("status")
    if fields:
        tip.save(update_fields=sorted(set(fields)))
    if done and tip.is_life_safety:
        # Their clocks stopped (Routing.acknowledge); no escalation alert about them keeps a
        # time finer than the tip's hour (SECURITY.md 37).
        escalation.settle_waiting(tip.pk, agency_ids=[r.agency_id for r in done])


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
    if previous == Status.CLOSED and tip.new_info_after_closing:
        # Reopened: the new information is being dealt with.
        tip.new_info_after_closing = False
        tip.awaiting_acknowledgement = Routing.objects.filter(
            tip=tip, role=RoutingRole.RESPONSIBLE, acknowledged_at=None
        ).exists()
        fields += ["new_info_after_closing", "awaiting_acknowledgement"]
    tip.save(update_fields=fields)
    stopped = escalation.stop(tip) if status in Tip.ESCALATION_STOPS else 0
    _changed(tip, actor, field="status", previous=previous, value=status, disposition_written="disposition" in fields)
    if stopped:
        audit.record(AuditEvent.Action.ESCALATION, actor=actor, tip=tip, stopped=True, status=status)


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
def reroute(*, tip: Tip, actor, add: list[tuple[Agency, str]], remove: list[Agency], version: int) -> list[Routing]:
    """Coordinators only: add or remove routed agencies, or change an agency's role.

    A routing added (or made responsible) gets the full treatment of a new tip: its people
    are alerted ("re-routed to you"), and on a life-safety tip its own escalation clock
    starts, with the coordinators and the fallback told at once if nobody there can be
    reached (``alerts.alert_routed``). Removing an agency, or making it information only,
    stops its clock. Visibility is read from the routing rows on every request, so the
    change shows on the next one."""
    for agency, role in add:
        if role == RoutingRole.RESPONSIBLE and not agency.can_act:
            raise TriageError(f"{agency.name} cannot act on tips: add it for information only.")
    _claim(tip, version)
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
            tip=tip, agency=agency, defaults={"role": role, "reason": f"re-routed by {actor.get_username()}"}
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
    if fresh and tip.status not in Tip.ESCALATION_STOPS:
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
    Tip.objects.filter(pk=tip.pk).update(unread_tipster_messages=0)
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
        _changed(tip, actor, field="tipster_messages_read", value=unread)
    tip.unread_tipster_messages = 0
    return unread


LINK_FIELDS = {"duplicate_of", "related"}


def timeline(tip: Tip, *, viewer, attachments: list[Attachment], with_notes: bool = True) -> list[dict]:
    """Every event of the tip, with its messages and internal notes, in the order they
    happened: the audit log's order, not the times. Times on the tipster's side keep only
    the hour (SECURITY.md 37), so by time a reply at 10:40 would come before the question
    of 10:20 it answers. A message or note shows right after the event that recorded it;
    one without such an event takes its place by time.

    A link event names the other tip only if ``viewer`` may open it."""
    events = list(AuditEvent.objects.filter(tip_id=tip.pk).exclude(action=AuditEvent.Action.TIP_VIEWED).order_by("id"))
    pictures: dict[int, list[Attachment]] = {}  # the pictures that came with each message
    for attachment in attachments:
        if attachment.message_id is not None:
            pictures.setdefault(attachment.message_id, []).append(attachment)
    messages = {m.pk: m for m in Message.objects.filter(tip=tip).select_related("author", "agency")}
    notes = {n.pk: n for n in Note.objects.filter(tip=tip).select_related("author", "agency")} if with_notes else {}
    openable = _openable_references(viewer, events)
    entries: list[dict] = []
    for event in events:
        entries.append(_event_entry(event, openable))
        if event.action in {AuditEvent.Action.MESSAGE_TO_TIPSTER, AuditEvent.Action.MESSAGE_FROM_TIPSTER}:
            message = messages.pop(event.detail.get("message_id"), None)
            if message is not None:
                entries.append(_message_entry(message, pictures))
        elif event.action == AuditEvent.Action.NOTE_ADDED:
            note = notes.pop(event.detail.get("note_id"), None)
            if note is not None:
                entries.append({"at": note.created_at, "kind": "note", "note": note, "hour_only": False})
    strays = [_message_entry(m, pictures) for m in messages.values()]
    strays += [{"at": n.created_at, "kind": "note", "note": n, "hour_only": False} for n in notes.values()]
    for stray in sorted(strays, key=lambda entry: entry["at"]):
        later = next((i for i, entry in enumerate(entries) if entry["at"] > stray["at"]), len(entries))
        entries.insert(later, stray)
    return entries


def _message_entry(message: Message, pictures: dict[int, list[Attachment]]) -> dict:
    return {
        "at": message.created_at,
        "kind": "message",
        "message": message,
        "attachments": pictures.get(message.pk, []),
        "hour_only": is_whole_hour(message.created_at),
    }


def _event_entry(event: AuditEvent, openable: set[str]) -> dict:
    detail = {key: value for key, value in event.detail.items() if key != "path"}
    if detail.get("field") in LINK_FIELDS and detail.get("value") not in openable:
        detail["value"] = "a tip you cannot open"
    return {"at": event.at, "kind": "event", "event": event, "detail": detail, "hour_only": is_whole_hour(event.at)}


def _openable_references(viewer, events: list[AuditEvent]) -> set[str]:
    references = {e.detail.get("value") for e in events if e.detail.get("field") in LINK_FIELDS}
    references.discard(None)
    if not references:
        return set()
    return set(Tip.objects.visible_to(viewer).filter(reference__in=references).values_list("reference", flat=True))
