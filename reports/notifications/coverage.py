"""Reachability as a computed fact: for each agency, who a tip routed there *right now*
would reach, and by which channels (``channels.reachable_channels``).

States, per agency (the coverage page's colours):

- **red**: a life-safety tip would reach nobody who can act (no active member, other than
  a read-only viewer, with a working channel). Intake treats the agency as absent and
  alerts the coordinators at once (SECURITY.md 44).
- **amber**: someone would be reached, but only by e-mail, or nobody is on call at this
  hour (the on-call rota is empty now).
- **green**: someone on call now has an instant channel (a text message).
- **info only**: the agency cannot act on tips (a national hotline, a state department):
  it is routed tips for information only and is never counted on.

A school is red when none of its agencies can be reached, amber when one of them is not
green, green when both are.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from django.db.models import Exists, OuterRef, Q, Subquery
from django.utils import timezone

from partners.mobiles import textable_user_ids
from partners.models import Agency, Membership, OnCallShift, School, StaffMobile
from reports.models import Routing, RoutingRole, Tip
from reports.notifications.channels import INSTANT_CHANNELS, Fallback, choose, fallback


class State(StrEnum):
    GREEN = "green"
    AMBER = "amber"
    RED = "red"
    INFO = "info"


STATE_ORDER = {State.RED: 0, State.AMBER: 1, State.GREEN: 2, State.INFO: 3}


@dataclass(frozen=True)
class Person:
    """An active member of an agency, as an alert would see them."""

    user: object
    role: str
    channels: frozenset[str]
    new_tip_alerts: str
    escalation_contact: bool
    on_call: bool
    tipster_message_alerts: bool = True
    # Their mobile may be texted now: True for every alert, False for urgent ones only,
    # None for no texts (``mobiles.textable_user_ids``).
    texts: bool | None = None

    @property
    def can_act(self) -> bool:
        return self.role != Membership.Role.VIEWER

    @property
    def reachable(self) -> bool:
        return bool(self.channels)

    @property
    def instant(self) -> bool:
        return bool(self.channels & INSTANT_CHANNELS)

    @property
    def name(self) -> str:
        return self.user.get_full_name() or self.user.get_username()


@dataclass
class AgencyReach:
    agency: Agency
    people: list[Person] = field(default_factory=list)
    rota: list[OnCallShift] = field(default_factory=list)

    @property
    def actors(self) -> list[Person]:
        """Members who can act on a tip (everyone but read-only viewers)."""
        return [p for p in self.people if p.can_act]

    @property
    def reachable_actors(self) -> list[Person]:
        return [p for p in self.actors if p.reachable]

    @property
    def immediate(self) -> list[Person]:
        """Reachable members who want an alert for every new tip."""
        return [p for p in self.people if p.reachable and p.new_tip_alerts == Membership.NewTipAlerts.IMMEDIATELY]

    @property
    def escalation_contacts(self) -> list[Person]:
        return [p for p in self.actors if p.escalation_contact]

    @property
    def on_call_now(self) -> list[Person]:
        return [p for p in self.actors if p.on_call]

    @property
    def reachable_for_life_safety(self) -> bool:
        """A life-safety tip routed here now would reach a person who can act."""
        return self.agency.can_act and bool(self.reachable_actors)

    @property
    def reachable_for_routine(self) -> bool:
        """A routine tip routed here would reach a person who can act: now, or in their
        digest. Members who chose no alerts at all do not count."""
        return self.agency.can_act and any(
            p.new_tip_alerts != Membership.NewTipAlerts.NONE for p in self.reachable_actors
        )

    @property
    def rota_lines(self) -> list[RotaLine]:
        return rota_lines(self.rota)

    @property
    def state(self) -> State:
        if not self.agency.can_act:
            return State.INFO
        if not self.reachable_actors:
            return State.RED
        if not any(p.instant for p in self.on_call_now):
            return State.AMBER
        return State.GREEN

    @property
    def reasons(self) -> list[str]:
        """Why the agency is not green, in words for coordinators."""
        if not self.agency.can_act:
            return ["cannot act on tips: routed for information only"]
        if not self.actors:
            return ["no one enrolled"]
        if not self.reachable_actors:
            return ["no one enrolled can be reached (no e-mail or phone)"]
        reasons = []
        instant = any(p.instant for p in self.reachable_actors)
        if not instant:
            reasons.append("e-mail only")
        if not self.on_call_now:
            reasons.append("nobody on call at this hour")
        elif instant and not any(p.instant for p in self.on_call_now):
            reasons.append("the person on call has e-mail only")
        return reasons


@dataclass(frozen=True)
class RotaLine:
    """Shifts of one person at the same hours on several days, as the coverage page shows them."""

    name: str
    days: str
    hours: str


DAY_NAMES = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]


def rota_lines(shifts: list[OnCallShift]) -> list[RotaLine]:
    """The rota in a few lines: "Every day, all day: Oliver Olsen", "Mon–Fri, 08–17: …"."""
    grouped: dict[tuple, list[int]] = {}
    for shift in shifts:
        name = shift.user.get_full_name() or shift.user.get_username()
        grouped.setdefault((name, shift.start_hour, shift.end_hour), []).append(shift.weekday)
    lines = []
    for (name, start, end), weekdays in grouped.items():
        days = sorted(set(weekdays))
        if days == list(range(7)):
            day_text = "Every day"
        elif len(days) > 2 and days == list(range(days[0], days[-1] + 1)):
            day_text = f"{DAY_NAMES[days[0]]}–{DAY_NAMES[days[-1]]}"
        else:
            day_text = ", ".join(DAY_NAMES[d] for d in days)
        hours = "all day" if (start, end) == (0, 24) else f"{start:02d}–{end:02d}"
        lines.append(RotaLine(name=name, days=day_text, hours=hours))
    return lines


@dataclass(frozen=True)
class SchoolReach:
    school: School
    district: AgencyReach
    police: AgencyReach

    @property
    def state(self) -> State:
        states = {self.district.state, self.police.state}
        if states == {State.RED}:
            return State.RED
        if states == {State.GREEN}:
            return State.GREEN
        return State.AMBER


@dataclass
class Coverage:
    agencies: list[AgencyReach]
    schools: list[SchoolReach]
    fallback: Fallback
    coordinators: list[Person]
    at: datetime

    def agency_counts(self) -> dict[str, int]:
        return _count(a.state for a in self.agencies)

    def school_counts(self) -> dict[str, int]:
        return _count(s.state for s in self.schools)


def _count(states: Iterable[State]) -> dict[str, int]:
    counts = dict.fromkeys(State, 0)
    for state in states:
        counts[state] += 1
    return {str(state): n for state, n in counts.items()}


def agency_reach(agency_ids: Iterable[int] | None = None, *, now: datetime | None = None) -> dict[int, AgencyReach]:
    """Each agency (or only ``agency_ids``) with its active members, their channels, and who
    is on call at ``now``. Four queries (the mobiles too), whatever the number of agencies."""
    now = now or timezone.now()
    agencies = Agency.objects.all()
    memberships = Membership.objects.filter(user__is_active=True).select_related("user")
    shifts = OnCallShift.objects.covering(now)
    if agency_ids is not None:
        ids = list(agency_ids)
        agencies = agencies.filter(pk__in=ids)
        memberships = memberships.filter(agency_id__in=ids)
        shifts = shifts.filter(agency_id__in=ids)
    on_call = set(shifts.values_list("agency_id", "user_id"))
    reach = {agency.pk: AgencyReach(agency=agency) for agency in agencies}
    members = list(memberships.order_by("agency_id", "user__last_name", "user__first_name", "user_id"))
    texts = textable_user_ids({m.user_id for m in members})
    for membership in members:
        target = reach.get(membership.agency_id)
        if target is None:
            continue
        on_call_now = (membership.agency_id, membership.user_id) in on_call
        target.people.append(_person(membership, texts.get(membership.user_id), on_call=on_call_now))
    return reach


def _person(membership: Membership, texts: bool | None, *, on_call: bool) -> Person:
    """``texts``: what the person's mobile takes (``Person.texts``); their channels follow."""
    channels = choose(has_email=bool(membership.user.email), texts=texts, urgent=True)
    return Person(
        user=membership.user,
        role=membership.role,
        channels=frozenset(channels),
        texts=texts,
        new_tip_alerts=membership.new_tip_alerts,
        escalation_contact=membership.is_escalation_contact,
        on_call=on_call,
        tipster_message_alerts=membership.tipster_message_alerts,
    )


def reach_members(agency_ids: Iterable[int], *, now: datetime) -> tuple[Q, dict[str, Any]]:
    """The memberships ``reach_with_coordinators`` reads for ``agency_ids`` (their active
    members and every active coordinator), and what it reads with each (on call at ``now``,
    may be texted), for a page that reads them in a query it makes anyway."""
    shifts = OnCallShift.objects.covering(now).filter(agency_id=OuterRef("agency_id"), user_id=OuterRef("user_id"))
    mobiles = StaffMobile.objects.textable().filter(user_id=OuterRef("user_id"))
    which = Q(user__is_active=True) & (Q(agency_id__in=list(agency_ids)) | Q(role=Membership.Role.COORDINATOR))
    return which, {"on_call_now": Exists(shifts), "texts": Subquery(mobiles.values("sms_for_all_alerts")[:1])}


def reach_with_coordinators(
    agencies: Iterable[Agency] | None = None,
    *,
    now: datetime | None = None,
    memberships: Iterable[Membership] | None = None,
) -> tuple[dict[int, AgencyReach], list[Person]]:
    """``agency_reach`` of ``agencies`` (every agency when None) and the ``coordinators``,
    for one page: the members of both in one query that also answers who is on call and
    who may be texted; one more for the agencies when they are not given. ``memberships``:
    those rows, read already with ``reach_members``' annotations (more rows may be among
    them): then no query for the members."""
    now = now or timezone.now()
    agencies = list(Agency.objects.all() if agencies is None else agencies)
    reach = {agency.pk: AgencyReach(agency=agency) for agency in agencies}
    # Memberships annotated with ``on_call_now`` and ``texts`` (``reach_members``).
    rows: Iterable[Membership]
    if memberships is None:
        which, annotations = reach_members(reach, now=now)
        rows = (
            Membership.objects.filter(which)
            .select_related("user")
            .annotate(**annotations)
            .order_by("user__last_name", "user__first_name", "user_id", "agency_id")
        )
    else:  # in their order, by name (``events.names_for``)
        rows = [
            m
            for m in memberships
            if m.user.is_active and (m.agency_id in reach or m.role == Membership.Role.COORDINATOR)
        ]
    coordinating: list[Person] = []
    seen: set[int] = set()
    membership: Any
    for membership in rows:
        target = reach.get(membership.agency_id)
        if target is not None:
            target.people.append(_person(membership, membership.texts, on_call=membership.on_call_now))
        if membership.role == Membership.Role.COORDINATOR and membership.user_id not in seen:
            seen.add(membership.user_id)
            coordinating.append(_person(membership, membership.texts, on_call=False))
    return reach, coordinating


def coordinators() -> list[Person]:
    """The Partnership's active coordinators, once each, with their channels."""
    seen: set[int] = set()
    memberships = Membership.objects.filter(role=Membership.Role.COORDINATOR, user__is_active=True).select_related(
        "user"
    )
    members = []
    for membership in memberships.order_by("user__last_name", "user__first_name", "user_id"):
        if membership.user_id not in seen:
            seen.add(membership.user_id)
            members.append(membership)
    texts = textable_user_ids(m.user_id for m in members)
    return [_person(membership, texts.get(membership.user_id), on_call=False) for membership in members]


def coverage(*, now: datetime | None = None) -> Coverage:
    """Every agency and every active school with its state, for the coverage page."""
    now = now or timezone.now()
    reach = agency_reach(now=now)
    for shift in OnCallShift.objects.select_related("user").order_by("weekday", "start_hour", "user__last_name"):
        if shift.agency_id in reach:
            reach[shift.agency_id].rota.append(shift)
    schools = [
        SchoolReach(school=school, district=reach[school.district_id], police=reach[school.police_agency_id])
        for school in School.objects.filter(active=True).order_by("name")
    ]
    agencies = sorted(reach.values(), key=lambda a: (STATE_ORDER[a.state], a.agency.kind, a.agency.name))
    schools.sort(key=lambda s: (STATE_ORDER[s.state], s.school.name))
    return Coverage(agencies=agencies, schools=schools, fallback=fallback(), coordinators=coordinators(), at=now)


def red_targets_of_open_tips(*, now: datetime | None = None) -> list[Agency]:
    """Agencies that a life-safety tip would not reach now and that are responsible for a
    tip still open: the dashboard's banner for coordinators."""
    red = [a.agency for a in agency_reach(now=now).values() if a.state == State.RED]
    if not red:
        return []
    # An agency's part still to do: the tip is open and the agency has not finished its part.
    open_routings = Routing.objects.filter(agency__in=red, role=RoutingRole.RESPONSIBLE).exclude(
        Q(state=Routing.State.DONE) | Q(tip__state=Tip.State.DONE) | Q(tip__closed_at__isnull=False)
    )
    busy = set(open_routings.values_list("agency_id", flat=True).distinct())
    return [agency for agency in red if agency.pk in busy]
