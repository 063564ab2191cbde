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

from django.db.models import Q
from django.utils import timezone
from django.utils.dateformat import format as date_format

from partners.models import Membership
from reports.models import Disposition, Note, Priority, RoutingRole, RoutingState
from safeschools.models import AuditEvent

A = AuditEvent.Action
# Events a tipster causes: their stored time is (or will be) the hour, never finer.
TIPSTER_EVENTS = {A.TIP_SUBMITTED, A.MESSAGE_FROM_TIPSTER, A.CLOSE_REQUESTED}
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
    events: Iterable[AuditEvent], *, pictures: dict[str, int] | None = None, member_agencies: Iterable[int] = ()
) -> Names:
    """Staff names and agencies for the actors (and assignees) of ``events``, and the
    active members (viewers excepted) of ``member_agencies``: one query for both."""
    ids: set[int] = set()
    for event in events:
        ids |= {event.actor_id, event.detail.get("assignee_id")} - {None}
    agencies = set(member_agencies)
    names = Names(pictures=pictures or {}, members={agency_id: [] for agency_id in agencies})
    rows = (
        Membership.objects.filter(Q(user_id__in=ids) | Q(agency_id__in=agencies))
        .select_related("user", "agency")
        .order_by("user__last_name", "user__first_name", "user__username", "pk")
    )
    for membership in rows:
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
    return f"The tipster submitted the tip{extra}"


def _viewed(e: AuditEvent, n: Names) -> str:
    return f"{n.actor(e)} opened the tip"


def _updated(e: AuditEvent, n: Names) -> str:
    field_name, value = e.detail.get("field"), e.detail.get("value")
    if field_name == "priority":
        return f"{n.actor(e)} set the priority to {_label(Priority, value)}"
    if field_name == "duplicate_of":
        return f"{n.actor(e)} marked this tip a duplicate of {value}"
    if field_name == "related":
        return f"{n.actor(e)} linked related tip {value}"
    if field_name in {"status", "assigned_to"}:  # before agencies had their own parts
        return f"{n.actor(e)} changed the tip's {field_name.replace('_', ' ')} to {value or 'nobody'}"
    return f"{n.actor(e)} changed the tip"


def _acknowledged(e: AuditEvent, n: Names) -> str:
    agency = e.detail.get("agency", "their agency")
    if e.detail.get("on_behalf"):
        return f"{n.actor(e)} acknowledged on behalf of {agency}"
    return f"{n.actor_at(e)} acknowledged the tip"


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
    return f"{n.actor_at(e)} wrote to the tipster"


def _from_tipster(e: AuditEvent, n: Names) -> str:
    pictures = e.detail.get("images") or 0
    return "The tipster wrote" + (f" and added {pictures} picture{'s' if pictures != 1 else ''}" if pictures else "")


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


def _notification(e: AuditEvent, n: Names) -> str:
    kind = str(e.detail.get("kind", "alert")).replace("_", " ")
    recipient = e.detail.get("recipient") or "a staff member"
    outcome = e.detail.get("outcome", "")
    if outcome == "retry requested":
        return f"{n.actor(e)} asked to send the {kind} alert to {recipient} again"
    return f"{kind.capitalize()} alert to {recipient}: {outcome or 'recorded'}"


def _escalation(e: AuditEvent, n: Names) -> str:
    level, agency = e.detail.get("level", "?"), e.detail.get("agency", "an agency")
    notified = e.detail.get("notified", 0)
    coordinators = " including the coordinators" if e.detail.get("coordinators") else ""
    return (
        f"Escalation level {level}: {agency} had not acknowledged; "
        f"{notified} {'person' if notified == 1 else 'people'} alerted{coordinators}"
    )


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
}


def describe(event: AuditEvent, names: Names) -> str:
    formatter = FORMATTERS.get(event.action)
    if formatter is None:  # an action from a newer release: say what it is, plainly
        return f"{event.get_action_display()} ({names.actor(event)})"
    return formatter(event, names)


def when(event: AuditEvent) -> str:
    """ "Mar 3, 2026, in the 9 AM hour" for tipster events, "Mar 3, 2026, 9:42 AM" for staff."""
    return moment(event.at, to_the_hour=event.action in TIPSTER_EVENTS)


def moment(at: datetime, *, to_the_hour: bool) -> str:
    local = timezone.localtime(at)
    if to_the_hour:
        return f"{date_format(local, 'M j, Y')}, in the {date_format(local, 'g A')} hour"
    return date_format(local, "M j, Y, g:i A")
