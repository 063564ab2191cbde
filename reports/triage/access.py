"""The door to a tip for staff views, and the enforcement of the decisions in
``reports.triage.permissions``. ``get_visible_tip`` (SECURITY.md 18-20): a tip not routed to
one of the user's agencies is a 404, exactly as if it did not exist, and the attempt is
audited; ``require_actor``: a 403 for read-only staff."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404

from partners.models import Agency, Membership
from reports.models import Note, Routing, Tip
from reports.triage import permissions
from safeschools import audit
from safeschools.models import AuditEvent


def get_visible_tip(
    user, tip_id: int, *, path: str = "", also: tuple[str, ...] = (), annotate: dict[str, Any] | None = None
) -> Tip:
    """``also``: more relations to read with the tip (``select_related``); ``annotate``:
    more values to read with it (name → expression)."""
    tips = Tip.objects.visible_to(user).select_related("category", "school__district", *also)
    try:
        # One row at most: no ORDER BY for PostgreSQL to plan.
        return tips.annotate(**(annotate or {})).get(pk=tip_id)
    except Tip.DoesNotExist:
        audit.record(AuditEvent.Action.ACCESS_DENIED, actor=user, requested_tip_id=tip_id, path=path)
        raise Http404("No such tip") from None


def require_actor(user, tip: Tip, *, routed: set[int] | None = None) -> list[Membership]:
    """Memberships to act with (``permissions.acting_memberships``: there are some exactly
    when ``permissions.may_act``), or 403 for viewers and other read-only staff."""
    memberships = permissions.acting_memberships(user, tip, routed=routed)
    if not memberships:
        raise PermissionDenied("read-only access")
    return memberships


def assignable_users(routing: Routing):
    """Who may carry an agency's part: its active members, viewers excepted."""
    from django.contrib.auth import get_user_model

    # One filter() call: both conditions hold for the same membership row.
    return (
        get_user_model()
        .objects.filter(
            is_active=True,
            memberships__agency_id=routing.agency_id,
            memberships__role__in=[r for r in Membership.Role.values if r != Membership.Role.VIEWER],
        )
        .distinct()
        .order_by("last_name", "first_name", "username")
    )


def agencies_of(user) -> list[Agency]:
    return list(Agency.objects.filter(memberships__user=user).distinct())


# --- One agency's part, and notes with an audience ----------------------------------
# Each routing is its agency's part of the work: its members change it, coordinators may
# act for any agency (and are recorded as acting on its behalf); nobody else may.


@dataclass(frozen=True)
class PartAccess:
    routing: Routing
    on_behalf: bool  # a coordinator acting for an agency they do not belong to


def part_access(memberships: list[Membership], routing: Routing) -> PartAccess | None:
    """Whether the holder of ``memberships`` may change ``routing`` (its state, assignee,
    disposition), and on whose behalf. Viewers change nothing."""
    roles = {m.role for m in memberships if m.agency_id == routing.agency_id}
    if roles - {Membership.Role.VIEWER}:
        return PartAccess(routing, on_behalf=False)
    if any(m.role == Membership.Role.COORDINATOR for m in memberships):
        return PartAccess(routing, on_behalf=True)
    return None


def changeable_parts(memberships: list[Membership], routings: list[Routing]) -> list[PartAccess]:
    return [access for access in (part_access(memberships, r) for r in routings) if access is not None]


def may_read_disposition_note(memberships: list[Membership], routing: Routing) -> bool:
    """A disposition note may say what police did: its agency and coordinators read it;
    the other agencies see the disposition itself."""
    return any(m.agency_id == routing.agency_id or m.role == Membership.Role.COORDINATOR for m in memberships)


def readable_notes(memberships: list[Membership], tip: Tip) -> QuerySet[Note]:
    """The tip's notes the holder of ``memberships`` may read, on any page, export or
    search: notes for all agencies on the tip, and agency-only notes of their own
    agencies; coordinators read every note."""
    notes = Note.objects.filter(tip=tip)
    if any(m.role == Membership.Role.COORDINATOR for m in memberships):
        return notes
    return notes.filter(
        Q(audience=Note.Audience.ALL_AGENCIES)
        | Q(audience=Note.Audience.AGENCY, agency_id__in=[m.agency_id for m in memberships])
    )


def note_audiences(acting: list[Membership], routings: list[Routing]) -> list[tuple[str, str]]:
    """The audiences the actor may give a note: every agency on the tip, or only one of
    their own agencies (a coordinator's own agency is the Partnership office)."""
    routed = {r.agency_id for r in routings}
    own = [m.agency for m in acting if m.agency_id in routed or m.role == Membership.Role.COORDINATOR]
    choices = [(Note.Audience.ALL_AGENCIES.value, "All agencies on this tip")]
    choices += [(f"agency:{agency.pk}", f"Only {agency.name}") for agency in own]
    return choices
