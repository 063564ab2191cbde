"""Who is alerted about what. Writes outbox rows only; delivery is the worker's job."""

from __future__ import annotations

from partners.models import Membership
from reports.models import Notification, Tip


def queue_new_tip_alerts(tip: Tip) -> list[Notification]:
    """One outbox row per person to alert now about a new tip.

    Members of every routed agency whose preference is "immediately"; for a life-safety
    tip, every member regardless of preference (P3's override of opt-outs).
    """
    routed_agency_ids = list(tip.routings.values_list("agency_id", flat=True))
    memberships = Membership.objects.filter(agency_id__in=routed_agency_ids, user__is_active=True)
    if not tip.is_life_safety:
        memberships = memberships.filter(new_tip_alerts=Membership.NewTipAlerts.IMMEDIATELY)
    seen: set[int] = set()
    rows = []
    for user_id, agency_id in memberships.order_by("agency_id", "user_id").values_list("user_id", "agency_id"):
        if user_id in seen:
            continue
        seen.add(user_id)
        rows.append(
            Notification(
                kind=Notification.Kind.NEW_TIP,
                tip=tip,
                agency_id=agency_id,
                recipient_id=user_id,
                urgent=tip.is_life_safety,
            )
        )
    return Notification.objects.bulk_create(rows)


def queue_tipster_message_alert(tip: Tip) -> Notification | None:
    """Alert the staff member the tip is assigned to, if they asked for such alerts."""
    if tip.assigned_to_id is None:
        return None
    wants = Membership.objects.filter(
        user_id=tip.assigned_to_id,
        user__is_active=True,
        agency__routings__tip=tip,
        tipster_message_alerts=True,
    ).values_list("agency_id", flat=True)
    agency_id = wants.first()
    if agency_id is None:
        return None
    return Notification.objects.create(
        kind=Notification.Kind.TIPSTER_MESSAGE, tip=tip, agency_id=agency_id, recipient_id=tip.assigned_to_id
    )
