"""The alert ladder of a life-safety tip, one per responsible agency (DESIGN.md, decisions
of 2026-11-29; Say Something's call tree, P3's override of opt-outs).

The steps, in order (``LadderRung``):

1. **On call now**: whoever the agency's weekly rota has on call at this hour.
2. **Every member** of the agency, whatever their alert preference.
3. **Escalation contacts** of the agency.
4. **Partnership coordinators**.
5. **The 24/7 fallback** from the settings (``ALERT_FALLBACK_*``); this last step repeats
   until a person acknowledges.

Timing, per category: steps 1 and 2 are taken at once when the tip is routed, unless the
category gives the on-call person some minutes alone first (``on_call_first_minutes``);
each later step follows ``escalation_minutes`` after the one before. A step with nobody in
it is skipped, so the next one takes its place in time: an agency without a rota starts
with every member, one without escalation contacts goes straight to the coordinators, and
an agency where nobody can be reached starts with the coordinators at once.

The fallback is there to make sure a person confirms the tip: once any responsible agency
has acknowledged it, the remaining silent agencies' ladders end with the coordinators,
repeated, who can acknowledge for an agency they have phoned.

This module decides who is on each step and what comes next; ``alerts`` writes the
alerts, ``escalation`` runs the clock.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, cast

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

from partners import reach_changes
from partners.models import Agency, Membership
from reports.models import Category, LadderRung, Routing
from reports.notifications import coverage
from reports.notifications.channels import Address, Fallback, fallback
from safeschools import sms

logger = logging.getLogger(__name__)

Rung = LadderRung
AGENCY_RUNGS = (Rung.ON_CALL, Rung.MEMBERS, Rung.CONTACTS)
REASON = {rung: rung.name.lower() for rung in Rung}  # Notification.reason of each step's alerts


@dataclass(frozen=True)
class Recipients:
    people: tuple = ()  # users
    addresses: tuple[Address, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.people or self.addresses)

    @property
    def names(self) -> list[str]:
        return [p.get_full_name() or p.get_username() for p in self.people] + [a.address for a in self.addresses]


@dataclass
class Reach:
    """Everyone who could be alerted now about one tip: its agencies' people, the
    coordinators and the fallback. Loaded once per tip (two queries: the agencies, then
    their members and the coordinators with who is on call and who may be texted)."""

    agencies: dict[int, coverage.AgencyReach]
    coordinators: list[coverage.Person]
    fallback: Fallback
    now: datetime = field(default_factory=timezone.now)

    @classmethod
    def load(cls, agency_ids, *, now: datetime | None = None) -> Reach:
        now = now or timezone.now()
        reach, coordinating = _read_reach(sorted(set(agency_ids)), now)
        return cls(agencies=reach, coordinators=coordinating, fallback=fallback(), now=now)

    @property
    def texts(self) -> dict[int, bool | None]:
        """What each loaded person's mobile takes (``coverage.Person.texts``), by user id:
        the alerts written from this reach choose their channels without asking again."""
        people = [p for agency in self.agencies.values() for p in agency.people] + self.coordinators
        return {cast(Any, p.user).pk: p.texts for p in people}

    def agency(self, agency_id: int) -> coverage.AgencyReach:
        return self.agencies[agency_id]

    def recipients(self, rung: Rung, agency_id: int) -> Recipients:
        """Who step ``rung`` of this agency's ladder alerts now (reachable people only)."""
        agency = self.agencies[agency_id]
        if rung == Rung.ON_CALL:
            return Recipients(people=tuple(p.user for p in agency.on_call_now if p.reachable))
        if rung == Rung.MEMBERS:
            return Recipients(people=tuple(p.user for p in agency.people if p.reachable))
        if rung == Rung.CONTACTS:
            return Recipients(people=tuple(p.user for p in agency.escalation_contacts if p.reachable))
        if rung == Rung.COORDINATORS:
            return Recipients(people=tuple(p.user for p in self.coordinators if p.reachable))
        return Recipients(addresses=self.fallback.addresses)

    def available(self, agency_id: int, *, with_fallback: bool = True) -> list[Rung]:
        """The steps of this agency's ladder that would alert someone now, in order."""
        rungs = [r for r in Rung if (r != Rung.FALLBACK or with_fallback) and self.recipients(r, agency_id)]
        if not self.agencies[agency_id].reachable_for_life_safety:
            # Nobody here can act: alerting a read-only viewer is not a step of its own.
            rungs = [r for r in rungs if r not in AGENCY_RUNGS]
        return rungs


ReachRows = tuple[dict[int, coverage.AgencyReach], list[coverage.Person]]


def _read_reach(agency_ids: list[int], now: datetime) -> ReachRows:
    """``coverage.reach_with_coordinators`` of the agencies at ``now``: from the shared cache
    when it was stored under the current reach generation (``partners.reach_changes``: any
    change to an agency, a membership, a person, a shift or a mobile starts a new one), at
    the same local hour (the rota is by the hour) and with texting in the same state; else
    read (two queries) and stored. One round trip to the cache for both the entry and the
    generation. When the cache is down, read: an alert never waits on it (SECURITY.md 29)."""
    seconds = settings.REACH_CACHE_SECONDS
    if not seconds:
        return _reach_from_database(agency_ids, now)
    local = timezone.localtime(now)
    key = f"reach:{local.date()}:{local.hour}:{int(sms.enabled())}:{','.join(map(str, agency_ids))}"
    try:
        found = cache.get_many([key, reach_changes.GENERATION_KEY])
    except Exception:
        logger.warning("cache unavailable: who can be reached is read from the database", exc_info=True)
        return _reach_from_database(agency_ids, now)
    stored, current = found.get(key), found.get(reach_changes.GENERATION_KEY)
    if stored is not None and current is not None and stored[0] == current:
        return cast(ReachRows, stored[1])
    read = _reach_from_database(agency_ids, now)
    try:
        if current is None:  # no generation yet (a new or flushed cache): start one
            cache.add(reach_changes.GENERATION_KEY, reach_changes.generation_now(), None)
        else:
            cache.set(key, (current, read), seconds)
    except Exception:
        logger.warning("cache unavailable: who can be reached is not kept", exc_info=True)
    return read


def _reach_from_database(agency_ids: list[int], now: datetime) -> ReachRows:
    return coverage.reach_with_coordinators(Agency.objects.filter(pk__in=agency_ids), now=now)


def first_steps(reach: Reach, agency_id: int, category: Category) -> list[Rung]:
    """The steps taken at once when a life-safety tip is routed to the agency."""
    available = reach.available(agency_id)
    if not available:
        return []
    if available[0] == Rung.ON_CALL and Rung.MEMBERS in available and category.on_call_first_minutes == 0:
        return [Rung.ON_CALL, Rung.MEMBERS]
    return available[:1]


def next_step(reach: Reach, routing: Routing, *, with_fallback: bool) -> Rung | None:
    """The step after the routing's last one; at the top of the ladder, the top again."""
    available = reach.available(routing.agency_id, with_fallback=with_fallback)
    later = [r for r in available if r > routing.ladder_rung]
    if later:
        return later[0]
    return available[-1] if available else None


def wait_after(rung: Rung, reach: Reach, agency_id: int, category: Category) -> timedelta:
    """How long the ladder waits after taking ``rung`` before the next step."""
    if rung == Rung.ON_CALL and category.on_call_first_minutes and Rung.MEMBERS in reach.available(agency_id):
        return timedelta(minutes=category.on_call_first_minutes)
    return timedelta(minutes=max(1, category.escalation_minutes))


# --- The ladder as shown on the tip page -------------------------------------------------


@dataclass(frozen=True)
class Step:
    rung: Rung
    names: list[str]
    state: str  # "done", "skipped", "next", "later", "not needed"
    at: datetime | None = None
    repeats_every: int | None = None  # minutes, for the step that repeats

    @property
    def label(self) -> str:
        return str(self.rung.label)


def planned_offsets(rungs: list[Rung], category: Category) -> list[int]:
    """Minutes after the tip arrived at which each of ``rungs`` (the available steps, in
    order) is taken, if nobody acknowledges."""
    offsets, at = [], 0
    for index, rung in enumerate(rungs):
        if index:
            previous = rungs[index - 1]
            both_at_once = previous == Rung.ON_CALL and rung == Rung.MEMBERS and not category.on_call_first_minutes
            if not both_at_once:
                at += (
                    category.on_call_first_minutes
                    if previous == Rung.ON_CALL and rung == Rung.MEMBERS
                    else max(1, category.escalation_minutes)
                )
        offsets.append(at)
    return offsets


def steps(
    reach: Reach,
    routing: Routing,
    category: Category,
    *,
    alerted: dict[int, list[str]],
    with_fallback: bool,
    running: bool,
) -> list[Step]:
    """Every step of one agency's ladder: those taken (with whom ``alerted`` says each
    reached), and, while ``running``, those to come with the time each will be taken."""
    every = max(1, category.escalation_minutes)
    available = reach.available(routing.agency_id, with_fallback=with_fallback)
    upcoming = [r for r in available if r > routing.ladder_rung]
    result = []
    at = routing.escalation_due_at
    for rung in Rung:
        now_names = reach.recipients(rung, routing.agency_id).names
        if rung <= routing.ladder_rung:
            # A person alerted by an earlier step of the same moment is not alerted twice.
            names = alerted.get(rung) or (now_names if rung in reach.available(routing.agency_id) else [])
            result.append(Step(rung, names, "done" if names else "skipped"))
        elif not running:
            result.append(Step(rung, now_names, "not needed"))
        elif rung in upcoming:
            result.append(Step(rung, now_names, "next" if rung == upcoming[0] else "later", at))
            if at is not None:
                at = at + (
                    timedelta(minutes=category.on_call_first_minutes)
                    if rung == Rung.ON_CALL and category.on_call_first_minutes
                    else timedelta(minutes=every)
                )
        else:
            result.append(Step(rung, now_names, "skipped"))
    if running and available:
        # The top step repeats: when it has been taken, the clock says when it comes again.
        top = available[-1]
        again = routing.escalation_due_at if not upcoming else None
        result = [
            Step(s.rung, s.names, s.state, s.at or again, every) if s.rung == top and s.state != "skipped" else s
            for s in result
        ]
    return result


@dataclass(frozen=True)
class AgencyLadder:
    routing: Routing
    steps: list[Step]
    running: bool
    every: int


def page_reach(
    routings: list[Routing] | None = None,
    *,
    now: datetime | None = None,
    agencies: list[Agency] | None = None,
    memberships: list[Membership] | None = None,
) -> Reach:
    """``Reach`` for the tip page: of the agencies of ``routings`` (read with them), or of
    every agency (None: a coordinator's re-routing form shows every agency's coverage).
    One query, two for every agency; none when the page gives ``agencies`` (instead of
    ``routings``) and their ``memberships`` read already (``coverage.reach_members``)."""
    now = now or timezone.now()
    if agencies is None and routings is not None:
        agencies = [r.agency for r in routings]
    reached, coordinators = coverage.reach_with_coordinators(agencies, now=now, memberships=memberships)
    return Reach(agencies=reached, coordinators=coordinators, fallback=fallback(), now=now)


def tip_ladders(tip, routings: list[Routing], *, reach: Reach | None = None) -> list[AgencyLadder]:
    """The ladder of each responsible agency of a life-safety tip, for the tip page: the
    steps taken (with whom each alerted, from the outbox) and those to come, with times.
    ``reach``: who could be alerted now (``page_reach``), when the page has it already."""
    from reports.models import Notification, RoutingRole

    LADDER_KINDS = [
        Notification.Kind.NEW_TIP,
        Notification.Kind.REROUTED,
        Notification.Kind.UNREACHABLE,
        Notification.Kind.ESCALATION,
    ]
    responsible = [r for r in routings if r.role == RoutingRole.RESPONSIBLE]
    if not tip.is_life_safety or not responsible:
        return []
    reach = reach or page_reach(responsible)
    by_reason = {REASON[rung]: rung for rung in Rung}
    alerted: dict[tuple[int, int], list[str]] = {}
    rows = (
        Notification.objects.filter(tip=tip, reason__in=by_reason, kind__in=LADDER_KINDS)
        .order_by("id")
        .values_list(
            "agency_id", "reason", "recipient__first_name", "recipient__last_name", "recipient__username", "address"
        )
    )
    for agency_id, reason, first, last, username, address in rows:
        rung = by_reason[reason]
        # The coordinators and the fallback are alerted once for the whole tip.
        names = alerted.setdefault((agency_id if rung in AGENCY_RUNGS else 0, rung), [])
        name = f"{first or ''} {last or ''}".strip() or username or address
        if name not in names:
            names.append(name)
    with_fallback = not any(r.acknowledged_at for r in responsible)
    ended = tip.state == tip.State.DONE
    result = []
    for routing in responsible:
        running = routing.acknowledged_at is None and routing.escalation_due_at is not None and not ended
        mine = {rung: names for (agency_id, rung), names in alerted.items() if agency_id in (0, routing.agency_id)}
        result.append(
            AgencyLadder(
                routing=routing,
                steps=steps(reach, routing, tip.category, alerted=mine, with_fallback=with_fallback, running=running),
                running=running,
                every=max(1, tip.category.escalation_minutes),
            )
        )
    return result
