"""Audit events in sentences: one formatter per event type, used by the tip's timeline,
the audit log page and the admin ("Officer Oliver Olsen (Clayton Police Department) moved
their agency's part to Working", "Picture 1 downloaded by …").

``FORMATTERS`` has an entry for every ``AuditEvent.Action``; a test fails when an action
is added without one. Formatters read only what the event carries (references, agency
names, staff choices) and the names of staff; never tip text.

Times: what a tipster does is known only to the hour (SECURITY.md 37), so those events
read "in the 9 AM hour"; staff events carry the minute.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db.models import Q
from django.utils import timezone
from django.utils.dateformat import format as date_format

from partners.models import Membership
from reports.models import Disposition, Note, Priority, RoutingRole, RoutingState
from safeschools.models import AuditEvent

A = AuditEvent.Action
# Events a tipster causes: their stored time is (or will be) the hour, never finer.
TIPSTER_EVENTS = {A.TIP_SUBMITTED, A.MESSAGE_FROM_TIPSTER, A.CLOSE_REQUESTED, A.TIPSTER_OPENED, A.DECOY_USED}
TITLES = {Membership.Role.OFFICER: "Officer", Membership.Role.COORDINATOR: "Coordinator"}


@dataclass
class Names:
    """What formatters need beyond the event: staff names by user id, picture numbers by
    attachment id. Built once per page (``names_for``)."""

    people: dict[int, str] = field(default_factory=dict)
    agencies: dict[int, str] = field(default_factory=dict)
    pictures: dict[str, int] = field(default_factory=dict)
    # Who may carry each of ``member_agencies``' parts: [(user id, name)], for the page's forms.
    members: dict[int, list[tuple[int, str]]] = field(default_factory=dict)
    # Every membership read (with ``names_for``'s ``also`` rows), for the page's other parts.
    memberships: list[Membership] = field(default_factory=list)
    # References of linked tips the reader may open (None: every one, as on the audit log,
    # which only coordinators read); a link to any other is not named.
    openable: set[str] | None = None

    def tip_reference(self, reference: str | None) -> str:
        if self.openable is not None and reference not in self.openable:
            return "a tip you cannot open"
        return reference or "another tip"

    def actor(self, event: AuditEvent) -> str:
        if event.actor_id is None:
            return "The system"
        return self.people.get(event.actor_id) or event.actor_label or "A former user"

    def actor_at(self, event: AuditEvent) -> str:
        """The actor with the agency they acted for: "Officer Oliver Olsen (Clayton PD)"."""
        agency = event.detail.get("agency") or self.agencies.get(event.actor_id or 0, "")
        name = self.actor(event)
        return f"{name} ({agency})" if agency and event.actor_id is not None else name


def names_for(
    events: Iterable[AuditEvent],
    *,
    pictures: dict[str, int] | None = None,
    member_agencies: Iterable[int] = (),
    also: tuple[Q, dict[str, Any]] | None = None,
) -> Names:
    """Staff names and agencies for the actors (and assignees) of ``events``, and the
    active members (viewers excepted) of ``member_agencies``: one query for both.
    ``also``: more memberships the page needs and what to read with them (a condition and
    annotations: the alert ladders' people, ``coverage.reach_members``), in the same query;
    every row read is in ``Names.memberships``."""
    ids: set[int] = set()
    for event in events:
        ids |= {event.actor_id, event.detail.get("assignee_id")} - {None}
    agencies = set(member_agencies)
    names = Names(pictures=pictures or {}, members={agency_id: [] for agency_id in agencies})
    which = Q(user_id__in=ids) | Q(agency_id__in=agencies)
    rows = Membership.objects.select_related("user", "agency")
    if also is not None:
        which |= also[0]
        rows = rows.annotate(**also[1])
    names.memberships = list(rows.filter(which).order_by("user__last_name", "user__first_name", "user__username", "pk"))
    for membership in names.memberships:
        user = membership.user
        full = user.get_full_name() or user.get_username()
        if membership.agency_id in agencies and user.is_active and membership.role != Membership.Role.VIEWER:
            names.members[membership.agency_id].append((user.pk, full))
        if user.pk in ids and user.pk not in names.people:
            title = TITLES.get(membership.role)
            names.people[user.pk] = f"{title} {full}" if title else full
            names.agencies[user.pk] = membership.agency.name
    return names


def _label(choices, value, default: str = "") -> str:
    try:
        return str(choices(value).label)
    except ValueError:
        return str(value or default)


def _submitted(e: AuditEvent, n: Names) -> str:
    pictures = e.detail.get("images") or 0
    extra = f", with {pictures} picture{'s' if pictures != 1 else ''}" if pictures else ""
    via = " by text message" if e.detail.get("via") == "sms" else ""
    return f"The tipster submitted the tip{via}{extra}"


def _viewed(e: AuditEvent, n: Names) -> str:
    return f"{n.actor(e)} opened the tip"


def _updated(e: AuditEvent, n: Names) -> str:
    field_name, value = e.detail.get("field"), e.detail.get("value")
    if field_name == "priority":
        return f"{n.actor(e)} set the priority to {_label(Priority, value)}"
    if field_name == "duplicate_of":
        return f"{n.actor(e)} marked this tip a duplicate of {n.tip_reference(value)}"
    if field_name == "related":
        return f"{n.actor(e)} linked related tip {n.tip_reference(value)}"
    if field_name == "tipster_messages_read":
        return f"{n.actor(e)} marked the tipster's {_count(value, 'new message')} read"
    if field_name == "state report":
        counted = "not to be counted" if value == "not counted" else f"to be counted as {value}"
        return f"{n.actor(e)} marked this tip {counted} in the district's state report"
    if field_name == "threat assessment case":
        return f"{n.actor(e)} linked this tip to a threat assessment case"
    if field_name in {"status", "assigned_to"}:  # before agencies had their own parts
        return f"{n.actor(e)} changed the tip's {field_name.replace('_', ' ')} to {value or 'nobody'}"
    return f"{n.actor(e)} changed the tip"


def _acknowledged(e: AuditEvent, n: Names) -> str:
    if e.detail.get("new_info_after_closing"):
        return f"{n.actor(e)} acknowledged the information the tipster sent after closing"
    agency = e.detail.get("agency", "their agency")
    via = " by text message" if e.detail.get("via") == "SMS" else ""
    if e.detail.get("on_behalf") or e.detail.get("on_behalf_by"):
        return f"{n.actor(e)} acknowledged on behalf of {agency}{via}"
    return f"{n.actor_at(e)} acknowledged the tip{via}"


def _routed(e: AuditEvent, n: Names) -> str:
    if "removed" in e.detail:
        return f"{n.actor(e)} removed {e.detail['removed']} from the tip"
    role = _label(RoutingRole, e.detail.get("role")).lower()
    verb = "routed the tip to" if e.detail.get("new", True) else "changed the role of"
    return f"{n.actor(e)} {verb} {e.detail.get('added', 'an agency')} ({role})"


def _part_moved(e: AuditEvent, n: Names) -> str:
    agency = e.detail.get("agency", "an agency")
    state = e.detail.get("state")
    who = f"{n.actor(e)}, for {agency}," if e.detail.get("on_behalf") else n.actor_at(e)
    part = f"{agency}'s part" if e.detail.get("on_behalf") else "their agency's part"
    if state == RoutingState.DONE:
        disposition = _label(Disposition, e.detail.get("disposition"), "done")
        return f"{who} finished {part}: {disposition}"
    if state == RoutingState.WORKING and e.detail.get("previous") == RoutingState.DONE:
        return f"{who} reopened {part}"
    return f"{who} moved {part} to {_label(RoutingState, state)}"


def _assigned(e: AuditEvent, n: Names) -> str:
    agency = e.detail.get("agency", "an agency")
    assignee = n.people.get(e.detail.get("assignee_id") or 0) or e.detail.get("assignee")
    target = f"to {assignee}" if assignee else "to nobody"
    return f"{n.actor(e)} assigned {agency}'s part {target}"


def _purged(e: AuditEvent, n: Names) -> str:
    return "The tip was deleted under the retention policy"


def _picture(e: AuditEvent, n: Names) -> str:
    number = n.pictures.get(str(e.detail.get("attachment", "")))
    picture = f"Picture {number}" if number else "A picture"
    verb = "downloaded" if e.detail.get("download") else "opened"
    return f"{picture} {verb} by {n.actor(e)}"


def _to_tipster(e: AuditEvent, n: Names) -> str:
    by_text = " (sent by text message)" if e.detail.get("by") == "text" else ""
    return f"{n.actor_at(e)} wrote to the tipster{by_text}"


def _from_tipster(e: AuditEvent, n: Names) -> str:
    pictures = e.detail.get("images") or 0
    wrote = "The tipster wrote after the tip was closed" if e.detail.get("after_closing") else "The tipster wrote"
    return wrote + (f" and added {pictures} picture{'s' if pictures != 1 else ''}" if pictures else "")


def _close_requested(e: AuditEvent, n: Names) -> str:
    return "The tipster asked to close this report; each agency decides on its own part"


def _note(e: AuditEvent, n: Names) -> str:
    if e.detail.get("audience") == Note.Audience.AGENCY:
        audience = f"only {e.detail.get('agency') or 'one agency'}"
    else:
        audience = "all agencies on this tip"
    return f"{n.actor_at(e)} added an internal note for {audience}"


def _export(e: AuditEvent, n: Names) -> str:
    rows = e.detail.get("rows", 0)
    contact = " with contact details" if e.detail.get("with_contact") else ""
    return f"{n.actor(e)} exported {rows} tip{'s' if rows != 1 else ''}{contact}"


def _signed_in(e: AuditEvent, n: Names) -> str:
    method = e.detail.get("method")
    return f"{n.actor(e)} signed in" + (" with a recovery code" if method == "recovery_code" else "")


def _sign_in_failed(e: AuditEvent, n: Names) -> str:
    stage = " at the second factor" if e.detail.get("stage") == "second_factor" else ""
    return f"A sign-in as {e.actor_label or e.detail.get('username') or 'an unknown user'} failed{stage}"


SIGN_OUT_REASONS = {
    "idle": "after being idle",
    "session_limit": "at the end of the session's time limit",
    "account_inactive": "because the account was deactivated",
    "session_invalid": "because the session was no longer valid",
}


def _signed_out(e: AuditEvent, n: Names) -> str:
    why = SIGN_OUT_REASONS.get(e.detail.get("reason", "user"))
    return f"{n.actor(e)} was signed out {why}" if why else f"{n.actor(e)} signed out"


def _denied(e: AuditEvent, n: Names) -> str:
    target = (
        f"tip #{e.detail['requested_tip_id']}" if "requested_tip_id" in e.detail else e.detail.get("path", "a page")
    )
    return f"{n.actor(e)} was refused access to {target}"


# How an alert went, in the timeline: a person alerted by e-mail and by text reads as two
# lines, and they should not look like the same alert sent twice.
ALERT_CHANNELS = {"email": " by e-mail", "sms": " by text message"}


def _notification(e: AuditEvent, n: Names) -> str:
    kind = str(e.detail.get("kind", "alert")).replace("_", " ")
    recipient = e.detail.get("recipient") or "a staff member"
    by = ALERT_CHANNELS.get(e.detail.get("channel", ""), "")
    outcome = e.detail.get("outcome", "")
    if outcome == "retry requested":
        return f"{n.actor(e)} asked to send the {kind} alert to {recipient}{by} again"
    return f"{kind.capitalize()} alert to {recipient}{by}: {outcome or 'recorded'}"


def _escalation(e: AuditEvent, n: Names) -> str:
    agency = e.detail.get("agency", "an agency")
    if e.detail.get("stopped"):
        disposition = _label(Disposition, e.detail.get("disposition"), "")
        why = f" ({disposition.lower()})" if disposition else ""
        return f"{n.actor(e)} finished {agency}'s part{why}: its escalation stopped"
    notified = _count(e.detail.get("notified", 0), "person", "people")
    if e.detail.get("why"):  # alerted at once: nobody at the agency can be reached
        return f"Alerted at once, {e.detail.get('step', 'the next step')}: {e.detail['why']} ({agency}); {notified} alerted"
    step = f" ({e.detail['step']})" if e.detail.get("step") else ""
    coordinators = " including the coordinators" if e.detail.get("coordinators") else ""
    return (
        f"Escalation level {e.detail.get('level', '?')}{step}: {agency} had not acknowledged; "
        f"{notified} alerted{coordinators}"
    )


def _count(number, one: str, many: str = "") -> str:
    number = number or 0
    return f"{number} {one if number == 1 else (many or one + 's')}"


def _staff_mobile(e: AuditEvent, n: Names) -> str:
    change = str(e.detail.get("change", "changed")).replace("_", " ")
    number = f" (ending {e.detail['number']})" if e.detail.get("number") else ""
    return f"{n.actor(e)}'s mobile number for alerts{number}: {change}"


def _account(e: AuditEvent, n: Names) -> str:
    account = e.detail.get("account", "a staff account")
    if e.action == A.ACCOUNT_CREATED:
        return f"{n.actor(e)} created the staff account {account}"
    if e.action == A.ACCOUNT_RESET:
        return f"{n.actor(e)} reset the sign-in of {account}"
    fields = ", ".join(str(f).replace("_", " ") for f in e.detail.get("fields", []))
    return f"{n.actor(e)} changed the staff account {account}" + (f" ({fields})" if fields else "")


def _case(e: AuditEvent, n: Names) -> str:
    reference = e.detail.get("reference", "a case")
    if e.action == A.CASE_OPENED:
        tips = e.detail.get("tips") or []
        about = f" about {_count(len(tips), 'tip')}" if tips else ""
        return f"{n.actor_at(e)} opened threat assessment case {reference}{about}"
    if e.action == A.CASE_VIEWED:
        return f"{n.actor(e)} opened threat assessment case {reference}"
    if e.action == A.CASE_PURGED:
        return f"Threat assessment case {reference} was deleted under the retention policy"
    change = e.detail.get("change") or e.detail.get("field") or "a detail"
    return f"{n.actor(e)} changed threat assessment case {reference}: {change}"


def _notice(e: AuditEvent, n: Names) -> str:
    reference = e.detail.get("reference", "a notice")
    if e.action == A.NOTICE_SENT:
        recipient = e.detail.get("recipient", "its recipient")
        return f"{n.actor(e)} sent Safe Schools Act notice {reference} to {recipient}"
    if e.action == A.NOTICE_ACKNOWLEDGED:
        late = " after it was due" if e.detail.get("overdue") else ""
        if e.detail.get("on_behalf"):
            agency = e.detail.get("agency", "the receiving agency")
            return f"{n.actor(e)} acknowledged Safe Schools Act notice {reference} for {agency}{late}"
        return f"{n.actor_at(e)} acknowledged Safe Schools Act notice {reference}{late}"
    if e.action == A.NOTICE_PURGED:
        return f"Safe Schools Act notice {reference} was deleted under the retention policy"
    return f"{n.actor(e)} opened Safe Schools Act notice {reference}"


def _hand_off(e: AuditEvent, n: Names) -> str:
    kind = e.detail.get("hand_off", "a hand-off")
    partner = f" to {e.detail['partner']}" if e.detail.get("partner") else ""
    happened = f" at {e.detail['happened_at']}" if e.detail.get("happened_at") else ""
    reference = e.detail.get("reference")
    numbered = f", reference {reference}" if reference and reference != "none given" else ""
    return f"{n.actor(e)} recorded a hand-off: {kind}{partner}{happened}{numbered}"


def _tipster_opened(e: AuditEvent, n: Names) -> str:
    return "The tipster opened the report with the receipt"


def _decoy_used(e: AuditEvent, n: Names) -> str:
    return "Decoy code used: the tipster may be under pressure (someone may be making the student show their reports)"


FORMATTERS: dict[str, Callable[[AuditEvent, Names], str]] = {
    A.TIP_SUBMITTED: _submitted,
    A.TIP_VIEWED: _viewed,
    A.TIP_UPDATED: _updated,
    A.TIP_ACKNOWLEDGED: _acknowledged,
    A.TIP_ROUTED: _routed,
    A.ROUTING_STATE: _part_moved,
    A.ROUTING_ASSIGNED: _assigned,
    A.TIP_PURGED: _purged,
    A.ATTACHMENT_VIEWED: _picture,
    A.MESSAGE_TO_TIPSTER: _to_tipster,
    A.MESSAGE_FROM_TIPSTER: _from_tipster,
    A.CLOSE_REQUESTED: _close_requested,
    A.NOTE_ADDED: _note,
    A.EXPORT: _export,
    A.SIGN_IN: _signed_in,
    A.SIGN_IN_FAILED: _sign_in_failed,
    A.SIGN_OUT: _signed_out,
    A.ACCESS_DENIED: _denied,
    A.NOTIFICATION: _notification,
    A.ESCALATION: _escalation,
    A.STAFF_MOBILE: _staff_mobile,
    A.ACCOUNT_CREATED: _account,
    A.ACCOUNT_CHANGED: _account,
    A.ACCOUNT_RESET: _account,
    A.CASE_OPENED: _case,
    A.CASE_VIEWED: _case,
    A.CASE_CHANGED: _case,
    A.CASE_PURGED: _case,
    A.NOTICE_SENT: _notice,
    A.NOTICE_VIEWED: _notice,
    A.NOTICE_ACKNOWLEDGED: _notice,
    A.NOTICE_PURGED: _notice,
    A.HANDOFF_RECORDED: _hand_off,
    A.TIPSTER_OPENED: _tipster_opened,
    A.DECOY_USED: _decoy_used,
}


def describe(event: AuditEvent, names: Names) -> str:
    formatter = FORMATTERS.get(event.action)
    if formatter is None:  # an action from a newer release: say what it is, plainly
        return f"{event.get_action_display()} ({names.actor(event)})"
    return formatter(event, names)


def when(event: AuditEvent) -> str:
    """ "Mar 3, 2026, in the 9 AM hour" for tipster events, "Mar 3, 2026, 9:42 AM" for staff."""
    return moment(event.at, to_the_hour=event.action in TIPSTER_EVENTS or event.hour_only)


def moment(at: datetime, *, to_the_hour: bool) -> str:
    local = timezone.localtime(at)
    if to_the_hour:
        return f"{date_format(local, 'M j, Y')}, in the {date_format(local, 'g A')} hour"
    return date_format(local, "M j, Y, g:i A")
