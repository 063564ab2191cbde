"""A tip's timeline, in true order.

Times alone cannot order it: what the tipster does is stored to the hour (SECURITY.md 37),
so a reply written at 9:50 is stored as 9:00 and would sort above the 9:45 question it
answers. Every entry is an audit event, and audit event ids grow with every write: the
timeline is ordered by id. Messages and notes hang from their events (``message_id``,
``note_id``); a message without an event (written by an older release) is never hidden, it
goes at the end. Notes the reader may not read are left out, event and all
(``reports.triage.access.readable_notes``). A link to another tip names it only if the
reader may open that tip (``_openable``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet

from reports.models import Attachment, Message, Note, Tip
from reports.triage import events
from safeschools.models import AuditEvent

A = AuditEvent.Action
# Reads are in the audit log, not on the timeline (except pictures: who looked at them matters).
HIDDEN = {A.TIP_VIEWED}


@dataclass(frozen=True)
class Entry:
    kind: str  # "event", "message" or "note"
    sentence: str
    when: str
    event: AuditEvent | None = None
    message: Message | None = None
    note: Note | None = None
    pictures: tuple[Attachment, ...] = ()  # sent with the message


def build(
    tip: Tip,
    *,
    notes: QuerySet[Note],
    any_messages: bool = True,
    attachments: list[Attachment],
    member_agencies: list[int] = (),
    viewer=None,
    openable: Callable[[set[str]], set[str]] | None = None,
    also_members: tuple[Q, dict[str, Any]] | None = None,
) -> tuple[list[Entry], events.Names]:
    """The entries of ``tip`` in the order they happened, and the names of the staff in it
    (with the members of ``member_agencies``, for the page's assignment forms).
    ``notes``: the notes the reader may read; ``attachments``: all of the tip's pictures
    (those of messages among them); ``viewer``: the reader, for the links to other tips it
    may open (one query more, only when the history links to another tip); ``openable``:
    instead, a function that answers which of the linked references the reader may open
    (the tip page asks it together with the tip's own links); ``also_members``: more
    memberships to read with the names (``events.names_for``'s ``also``); ``any_messages``:
    False when the caller knows the tip has none (the tip page reads that with the tip).
    At most four queries, whatever the length of the history: one fewer when it names no
    note, one fewer without messages."""
    history = list(AuditEvent.objects.filter(tip_id=tip.pk).exclude(action__in=HIDDEN).order_by("id"))
    messages = (
        {m.pk: m for m in Message.objects.filter(tip=tip).select_related("author", "agency")} if any_messages else {}
    )
    # A note is shown only with the event that names it: those are all the notes to read.
    named = {event.detail.get("note_id") for event in history} - {None}
    readable = {n.pk: n for n in notes.filter(pk__in=named).select_related("author", "agency")} if named else {}
    pictures: dict[int, list[Attachment]] = {}
    for attachment in attachments:
        pictures.setdefault(attachment.message_id, []).append(attachment)
    numbers = {str(a.public_id): number for number, a in enumerate(attachments, start=1)}
    names = events.names_for(history, pictures=numbers, member_agencies=member_agencies, also=also_members)
    linked = linked_references(history)
    names.openable = openable(linked) if openable is not None else _openable(viewer, linked)
    entries, shown = [], set()
    for event in history:
        entry = _entry(event, names, messages, readable, pictures)
        if entry is not None:
            entries.append(entry)
            shown.add(entry.message.pk if entry.message else None)
        if event.action == A.TIP_ACKNOWLEDGED and event.detail.get("note_id") in readable:
            # A coordinator acknowledged for an agency, with a note of whom they reached.
            note = readable[event.detail["note_id"]]
            entries.append(Entry("note", "Note of the acknowledgement", events.when(event), note=note))
    for message in messages.values():
        if message.pk not in shown:
            from_tipster = message.direction == Message.Direction.FROM_TIPSTER
            sentence = "The tipster wrote" if from_tipster else "Staff wrote to the tipster"
            when = events.moment(message.created_at, to_the_hour=from_tipster)
            entries.append(
                Entry("message", sentence, when, message=message, pictures=tuple(pictures.get(message.pk, ())))
            )
    return entries, names


def _entry(event: AuditEvent, names: events.Names, messages: dict, notes: dict, pictures: dict) -> Entry | None:
    sentence, when = events.describe(event, names), events.when(event)
    if event.action == A.NOTE_ADDED:
        note = notes.get(event.detail.get("note_id"))
        return Entry("note", sentence, when, event=event, note=note) if note is not None else None
    if event.action in {A.MESSAGE_TO_TIPSTER, A.MESSAGE_FROM_TIPSTER, A.CLOSE_REQUESTED}:
        message = messages.get(event.detail.get("message_id"))
        if message is not None:
            attached = tuple(pictures.get(message.pk, ()))
            return Entry("message", sentence, when, event=event, message=message, pictures=attached)
    return Entry("event", sentence, when, event=event)


LINK_FIELDS = {"duplicate_of", "related"}


def linked_references(history: list[AuditEvent]) -> set[str]:
    """The references of the tips the history links to."""
    return {e.detail.get("value") for e in history if e.detail.get("field") in LINK_FIELDS} - {None}


def _openable(viewer, linked: set[str]) -> set[str]:
    """Of the tips the history links to (``linked``), the references ``viewer`` may open."""
    if not linked:
        return set()
    return set(Tip.objects.visible_to(viewer).filter(reference__in=linked).values_list("reference", flat=True))
