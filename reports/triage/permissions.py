"""Every decision about what a staff member may do with a tip, in one place.

Whether a tip exists for someone at all is the one door, ``Tip.objects.visible_to`` (and
``access.get_visible_tip`` in views): coordinators see every tip, everyone else the tips
routed to an agency they belong to, whatever their role there. Given a visible tip, the
rules below decide the rest from the person's memberships and the tip's routings, so the
tip page, the CSV export and every action read the same answer:

================  ===========  ==================================  ===========================
decision          coordinator  member of a routed agency           viewer of a routed agency
================  ===========  ==================================  ===========================
act               yes          yes                                 no
acknowledge       no [1]_      for their agency, while it has not  no
                               (and new information after closing)
acknowledge for   yes [3]_     no                                  no
see contact       yes          if their agency is responsible [2]_ no
see notes         yes          yes                                 yes
re-route          yes          no                                  no
open a linked tip if the linked tip is visible to them (the same door)
export            every staff member, of the tips they see; the contact column per row
                  by "see contact"
audit log         yes          no                                  no
================  ===========  ==================================  ===========================

.. [1] Coordinators acknowledge only where their own agency is routed.
.. [3] For a responsible agency that has not acknowledged, after reaching it another way
   (``actions.acknowledge_for``).
.. [2] The tip form promises "only the staff handling your report": an agency routed for
   information only is not handling it.

A person with two memberships gets, on each tip, what the membership in a routed agency
gives: an officer of Kirkwood who is a viewer at Clayton acts on Kirkwood tips and only
reads Clayton tips, contact details included (SECURITY.md 18-21).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Protocol

from django.db.models import BooleanField, ExpressionWrapper, Q

from partners.models import Membership, memberships_of
from reports.models import Routing, RoutingRole, Tip


class RoutingFacts(Protocol):
    agency_id: int
    role: str
    acknowledged_at: object


@dataclass(frozen=True)
class Staff:
    """One person's memberships, read once: which agencies they belong to, in which of
    them they may act, and whether they coordinate the Partnership."""

    user_id: int | None
    coordinator: bool
    member_of: frozenset[int]
    acting_for: frozenset[int]

    @classmethod
    def of(cls, user) -> Staff:
        if not (getattr(user, "is_authenticated", False) and user.is_active):
            return cls(user_id=None, coordinator=False, member_of=frozenset(), acting_for=frozenset())
        rows = [(m.agency_id, m.role) for m in memberships_of(user)]
        return cls(
            user_id=user.pk,
            coordinator=any(role == Membership.Role.COORDINATOR for _, role in rows),
            member_of=frozenset(agency for agency, _ in rows),
            acting_for=frozenset(agency for agency, role in rows if role != Membership.Role.VIEWER),
        )


def may_view(staff: Staff, routings: Iterable[RoutingFacts]) -> bool:
    """The rule ``Tip.objects.visible_to`` applies in the database, for a tip in hand."""
    return staff.coordinator or any(r.agency_id in staff.member_of for r in routings)


def may_act(staff: Staff, routings: Iterable[RoutingFacts]) -> bool:
    """Change the tip: status, assignment, priority, notes, messages, links, marking read."""
    return staff.coordinator or any(r.agency_id in staff.acting_for for r in routings)


def acknowledgeable(staff: Staff, routings: Iterable[RoutingFacts]) -> list[RoutingFacts]:
    """The routings this person may acknowledge now: their acting agencies' open ones."""
    return [r for r in routings if r.agency_id in staff.acting_for and r.acknowledged_at is None]


def may_acknowledge_for(staff: Staff, routings: Iterable[RoutingFacts]) -> bool:
    """A coordinator records that a silent responsible agency has the tip."""
    return staff.coordinator and any(r.role == RoutingRole.RESPONSIBLE and r.acknowledged_at is None for r in routings)


def may_see_contact(staff: Staff, routings: Iterable[RoutingFacts]) -> bool:
    """The tipster's way to be reached: the Partnership and the responsible agencies' acting
    staff, the "staff handling your report" the form promises."""
    return staff.coordinator or any(
        r.agency_id in staff.acting_for and r.role == RoutingRole.RESPONSIBLE for r in routings
    )


def may_see_notes(staff: Staff, routings: Iterable[RoutingFacts]) -> bool:
    """Internal notes are for every agency the tip is routed to, viewers included."""
    return may_view(staff, routings)


def may_reroute(staff: Staff) -> bool:
    return staff.coordinator


def may_read_audit_log(staff: Staff) -> bool:
    return staff.coordinator


def may_export(staff: Staff) -> bool:
    """Every staff member exports what they can see; no more (SECURITY.md 19)."""
    return staff.coordinator or bool(staff.member_of)


def openable(user, tips: Iterable[Tip | None]) -> list[Tip]:
    """Of ``tips`` (links from a tip to others), those this person may open: a link to a
    tip of another agency would name a tip they cannot see."""
    wanted = [t for t in tips if t is not None]
    if not wanted:
        return []
    visible = set(Tip.objects.visible_to(user).filter(pk__in=[t.pk for t in wanted]).values_list("pk", flat=True))
    return [t for t in wanted if t.pk in visible]


def openable_links(user: Any, tip: Tip, references: set[str]) -> list[Tip]:
    """The tips linked to ``tip`` (its original, its related tips) and those named by
    ``references`` (links in its history) that this person may open, in one query: their
    pk and reference only, each marked ``is_related``."""
    related = Q(pk__in=tip.related.values("pk"))
    links = related | Q(reference__in=references)
    if tip.duplicate_of_id is not None:
        links |= Q(pk=tip.duplicate_of_id)
    return list(
        Tip.objects.visible_to(user)
        .filter(links)
        .annotate(is_related=ExpressionWrapper(related, output_field=BooleanField()))
        .only("reference")
    )


@dataclass(frozen=True)
class TipPermissions:
    """What one person may do with one tip: what the tip page shows and allows."""

    act: bool
    acknowledge: bool
    acknowledge_for: bool
    see_contact: bool
    see_notes: bool
    reroute: bool


def for_tip(staff: Staff, routings: list[Routing], *, new_info_after_closing: bool = False) -> TipPermissions:
    """``new_info_after_closing``: the tipster wrote after the tip was closed, which anyone
    who may act acknowledges."""
    act = may_act(staff, routings)
    return TipPermissions(
        act=act,
        acknowledge=bool(acknowledgeable(staff, routings)) or (new_info_after_closing and act),
        acknowledge_for=may_acknowledge_for(staff, routings),
        see_contact=may_see_contact(staff, routings),
        see_notes=may_see_notes(staff, routings),
        reroute=may_reroute(staff),
    )


def routed_agency_ids(tip: Tip) -> set[int]:
    return set(Routing.objects.filter(tip=tip).values_list("agency_id", flat=True))


def acting_memberships(user, tip: Tip, *, routed: set[int] | None = None) -> list[Membership]:
    """The memberships this person acts on ``tip`` with (the agency named on their notes and
    messages, the routings they acknowledge): non-viewer memberships of routed agencies
    first, then a coordinator membership. There are some exactly when ``may_act``.
    ``routed``: the tip's routed agency ids, if the caller has them already."""
    routed = routed_agency_ids(tip) if routed is None else routed
    memberships = [m for m in memberships_of(user) if m.role != Membership.Role.VIEWER]
    return [m for m in memberships if m.agency_id in routed] + [
        m for m in memberships if m.role == Membership.Role.COORDINATOR and m.agency_id not in routed
    ]


def is_coordinator(user) -> bool:
    return any(m.role == Membership.Role.COORDINATOR for m in memberships_of(user))
