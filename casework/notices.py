"""Safe Schools Act notices (RSMo 167.115): sending, the victim-name check, acknowledgement
and links to cases. The victim's name is asked for only to scan the notice's text for it;
it is never stored, logged or audited."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from django.db import transaction

from casework import alerts
from casework.access import is_designee, record
from casework.cases import CaseworkError
from casework.models import Notice, Offence, ThreatCase, is_coordinator, new_reference
from partners.models import Agency, Membership, School
from safeschools.models import AuditEvent

# Name parts shorter than this ("Jo", initials) match too many ordinary words to refuse on.
MIN_NAME_PART = 3


def _fold(text: str) -> str:
    """Lower case without accents, so "José" in the name finds "JOSE" in the text."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def victim_name_parts_found(victim_name: str, texts: Iterable[str]) -> list[str]:
    """The parts of the victim's name (whole words, any case or accent) that appear in the
    texts, the full name first. Empty: the texts do not name the victim."""
    name = _fold(victim_name).strip()
    if not name:
        return []
    haystack = " ".join(_fold(text) for text in texts)
    found = []
    parts = [name] + [part for part in re.split(r"[^\w']+", name) if len(part) >= MIN_NAME_PART]
    for part in dict.fromkeys(parts):
        if re.search(rf"(?<!\w){re.escape(part)}(?!\w)", haystack):
            found.append(part)
    return found


class VictimNamed(CaseworkError):
    def __init__(self, parts: list[str]) -> None:
        self.parts = parts
        super().__init__(
            "The notice must not name the victim, and its text contains "
            + ", ".join(f"“{part}”" for part in parts)
            + ". Take it out (write “the victim” instead) and send again."
        )


@dataclass(frozen=True)
class NoticeDraft:
    direction: str
    school: School
    recipient: Agency
    pupil_name: str
    conduct: str
    conduct_on: date
    filed_on: date
    offences: tuple[Offence, ...] = ()
    action: str = ""
    action_days: int | None = None
    case: ThreatCase | None = None


@transaction.atomic
def send_notice(*, actor, sender: Membership, draft: NoticeDraft, victim_name: str) -> Notice:
    """Create the notice and alert the recipient's designees (coordinators when there are
    none). Refused when the text names the victim."""
    found = victim_name_parts_found(victim_name, [draft.conduct])
    if found:
        raise VictimNamed(found)
    notice = Notice.objects.create(
        reference=new_reference("N"),
        direction=draft.direction,
        sender_agency=sender.agency,
        sent_by=actor,
        recipient_agency=draft.recipient,
        school=draft.school,
        pupil_name=draft.pupil_name.strip(),
        action=draft.action,
        action_days=draft.action_days,
        conduct=draft.conduct.strip(),
        conduct_on=draft.conduct_on,
        filed_on=draft.filed_on,
        case=draft.case,
    )
    notice.offences.set(draft.offences)
    alerted = alerts.queue_notice_alerts(notice, reason="notice_new")
    record(
        AuditEvent.Action.NOTICE_SENT,
        actor=actor,
        reference=notice.reference,
        direction=draft.direction,
        sender=sender.agency.name,
        recipient=draft.recipient.name,
        offences=[offence.pk for offence in draft.offences],
        case=draft.case.reference if draft.case else "",
        alerted_user_ids=alerted,
        victim_name_checked=bool(victim_name.strip()),
    )
    if draft.case is not None:
        record(
            AuditEvent.Action.CASE_CHANGED,
            actor=actor,
            reference=draft.case.reference,
            change="notice linked",
            notice=notice.reference,
        )
    return notice


@transaction.atomic
def acknowledge(*, notice: Notice, actor) -> None:
    if not is_designee(actor, notice.recipient_agency_id):
        raise CaseworkError("Only a Safe Schools Act designee of the receiving agency can acknowledge this notice.")
    _acknowledge(notice, actor)


@transaction.atomic
def acknowledge_for(*, notice: Notice, actor, note: str) -> None:
    """A coordinator acknowledges for the receiving agency after reaching it another way
    (no designee enrolled, or none answering the alerts): "phoned the superintendent's
    office at 9:10, Dr. Reyes has it". Ends the overdue alerts; the notice says who did it
    for whom and how; the audit log says who, for whom, never the note."""
    if not is_coordinator(actor):
        raise CaseworkError("Only a coordinator can acknowledge for the receiving agency.")
    if not note.strip():
        raise CaseworkError("Write whom you reached at the receiving agency, and how.")
    _acknowledge(notice, actor, on_behalf_note=note.strip())


def _acknowledge(notice: Notice, actor, on_behalf_note: str = "") -> None:
    if not notice.acknowledge(by=actor, on_behalf_note=on_behalf_note):
        raise CaseworkError("This notice was already acknowledged.")
    record(
        AuditEvent.Action.NOTICE_ACKNOWLEDGED,
        actor=actor,
        reference=notice.reference,
        agency=notice.recipient_agency.name,
        overdue=notice.acknowledged_at > notice.due_by,
        on_behalf=bool(on_behalf_note),
    )


@transaction.atomic
def link_to_case(*, notice: Notice, case: ThreatCase, actor) -> None:
    """Link a notice to a case: the case's team then sees the notice."""
    if notice.case_id == case.pk:
        raise CaseworkError("The notice is already linked to this case.")
    notice.case = case
    notice.save(update_fields=["case"])
    record(
        AuditEvent.Action.CASE_CHANGED,
        actor=actor,
        reference=case.reference,
        change="notice linked",
        notice=notice.reference,
    )
