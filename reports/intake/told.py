"""What the tipster is told about who has their report: only what is true for that tip
(SECURITY.md 44). Read from the tip's routings and the alerts actually queued for it, so
that the receipt never says "the police have been alerted" when nobody at the police
could be reached."""

from __future__ import annotations

from collections.abc import Iterable
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from typing import ClassVar

from partners.models import Agency
from reports.models import Notification, Routing, RoutingRole, Tip

ALERTS_NOW = [Notification.Kind.NEW_TIP, Notification.Kind.UNREACHABLE]


@dataclass(frozen=True)
class Told:
    district_alerted: bool = False
    police_alerted: bool = False
    district_in_summary: bool = False  # reachable, but by the daily digest
    police_in_summary: bool = False
    office_alerted: bool = False  # the Partnership's coordinators (or its fallback)
    office_later: bool = False  # unowned: in the coordinators' queue and digest
    partner_alerted: bool = False  # another agency that can act (a category rule)
    help_lines: list[Agency] = field(default_factory=list)  # cannot act: the student may call them

    FLAGS: ClassVar[tuple[str, ...]] = (
        "district_alerted",
        "police_alerted",
        "district_in_summary",
        "police_in_summary",
        "office_alerted",
        "office_later",
        "partner_alerted",
    )

    @property
    def anyone(self) -> bool:
        return any(getattr(self, name) for name in self.FLAGS)


def who_was_told(tip: Tip) -> Told:
    """Who has the tip now, in the terms the receipt uses. Two queries."""
    routings = list(Routing.objects.filter(tip=tip).select_related("agency"))
    alerted = set(Notification.objects.filter(tip=tip, kind__in=ALERTS_NOW).values_list("agency_id", "kind").distinct())
    return _told(tip, routings, alerted)


def told_after_submit(tip: Tip, routings: list[Routing], written: Iterable[Notification]) -> Told:
    """``who_was_told`` of a tip just submitted, from what its transaction wrote: all its
    routings (their agencies read with them) and the alert rows written with it. No query.
    (A new tip has no other alert rows; a test holds this to ``who_was_told``.)"""
    alerted = {(n.agency_id, n.kind) for n in written if n.kind in ALERTS_NOW}
    return _told(tip, routings, alerted)


def _told(tip: Tip, routings: list[Routing], alerted: AbstractSet[tuple[int | None, str]]) -> Told:
    alerted_agencies = {agency_id for agency_id, kind in alerted if kind == Notification.Kind.NEW_TIP}
    school = tip.school

    def routed(agency_id: int | None) -> Routing | None:
        return next((r for r in routings if r.agency_id == agency_id), None)

    def summary(routing: Routing | None) -> bool:
        return routing is not None and not routing.unreachable and routing.agency_id not in alerted_agencies

    district = routed(school.district_id) if school else None
    police = routed(school.police_agency_id) if school else None
    office = next((r for r in routings if r.agency.is_coordinating), None)
    office_alerted = any(kind == Notification.Kind.UNREACHABLE for _, kind in alerted) or (
        office is not None and office.agency_id in alerted_agencies
    )
    unowned = bool(routings) and not any(r.role == RoutingRole.RESPONSIBLE and not r.unreachable for r in routings)
    school_agencies = {school.district_id, school.police_agency_id} if school else set()
    return Told(
        district_alerted=district is not None and district.agency_id in alerted_agencies,
        police_alerted=police is not None and police.agency_id in alerted_agencies,
        district_in_summary=summary(district),
        police_in_summary=summary(police),
        office_alerted=office_alerted,
        office_later=not office_alerted and (unowned or summary(office)),
        partner_alerted=any(
            r.agency_id in alerted_agencies
            for r in routings
            if r.agency_id not in school_agencies and not r.agency.is_coordinating
        ),
        help_lines=[r.agency for r in routings if not r.agency.can_act and r.agency.phone],
    )
