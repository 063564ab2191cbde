"""The door to a tip for staff views, and the enforcement of the decisions in
``reports.triage.permissions``. ``get_visible_tip`` (SECURITY.md 18-20): a tip not routed to
one of the user's agencies is a 404, exactly as if it did not exist, and the attempt is
audited; ``require_actor``: a 403 for read-only staff."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404

from partners.models import Agency, Membership
from reports.models import Routing, Tip
from reports.triage import permissions
from safeschools import audit
from safeschools.models import AuditEvent


def get_visible_tip(user, tip_id: int, *, path: str = "") -> Tip:
    tip = (
        Tip.objects.visible_to(user)
        .select_related("category", "school__district", "assigned_to", "duplicate_of")
        .filter(pk=tip_id)
        .first()
    )
    if tip is None:
        audit.record(AuditEvent.Action.ACCESS_DENIED, actor=user, requested_tip_id=tip_id, path=path)
        raise Http404("No such tip")
    return tip


def require_actor(user, tip: Tip, *, routed: set[int] | None = None) -> list[Membership]:
    """Memberships to act with (``permissions.acting_memberships``: there are some exactly
    when ``permissions.may_act``), or 403 for viewers and other read-only staff."""
    memberships = permissions.acting_memberships(user, tip, routed=routed)
    if not memberships:
        raise PermissionDenied("read-only access")
    return memberships


def assignable_users(tip: Tip, memberships: list[Membership]):
    """Whom the actor may assign the tip to: members (not viewers) of the routed agencies
    the actor belongs to; coordinators may choose among every routed agency's members.
    One query, when the list is read."""
    from django.contrib.auth import get_user_model
    from django.db.models import Q

    agencies = Q(memberships__agency_id__in=Routing.objects.filter(tip=tip).values("agency_id"))
    if not any(m.role == Membership.Role.COORDINATOR for m in memberships):
        agencies &= Q(memberships__agency_id__in=[m.agency_id for m in memberships])
    # One filter() call: every condition holds for the same membership row.
    return (
        get_user_model()
        .objects.filter(
            agencies,
            is_active=True,
            memberships__role__in=[r for r in Membership.Role.values if r != Membership.Role.VIEWER],
        )
        .distinct()
        .order_by("last_name", "first_name", "username")
    )


def agencies_of(user) -> list[Agency]:
    return list(Agency.objects.filter(memberships__user=user).distinct())
