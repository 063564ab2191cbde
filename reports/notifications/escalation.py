"""Escalation of life-safety tips that nobody has acknowledged (SECURITY.md 34).

Say Something's call tree goes from person to person until someone confirms; P3 lets a
life-safety tip override everyone's opt-outs. Here:

1. At intake, every member of every routed agency is alerted at once
   (``alerts.queue_new_tip_alerts``) and each responsible routing gets
   ``escalation_due_at`` = now + the category's ``escalation_minutes`` (default 10).
2. When that time passes and nobody at a responsible agency has acknowledged the tip, level
   1: the escalation contacts of every silent responsible agency are alerted. If none of
   those agencies has an escalation contact, the coordinators are alerted at once instead
   of taking a silent step.
3. Every ``escalation_minutes`` after that, the next level: the agencies' escalation
   contacts again and the coordinators, until someone acknowledges.

Each step writes an ``ESCALATION`` audit event per silent agency (``{level, agency, …}``),
which is how it appears on the tip's timeline. One acknowledgement at any responsible
agency stops the tip's escalation: ``Routing.acknowledge`` clears its own due time, and
this module re-reads every routing of the tip under a row lock before each step and clears
the others. A closed tip stops escalating too. Escalation alerts still in the outbox when
someone acknowledges are cancelled at delivery (``delivery.deliver``).
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from partners.models import Agency, Membership
from reports.models import Notification, Routing, RoutingRole, Tip
from reports.notifications.delivery import request_delivery
from safeschools import audit
from safeschools.models import AuditEvent

logger = logging.getLogger(__name__)


def escalate_due(*, now: datetime | None = None) -> int:
    """Take every escalation step that is due; returns how many agencies were escalated.
    Safe to run in several workers at once: each tip's routings are locked while it is
    handled, and a step moves the due time forward before the lock is released."""
    now = now or timezone.now()
    tip_ids = list(
        Routing.objects.filter(escalation_due_at__lte=now).order_by().values_list("tip_id", flat=True).distinct()
    )
    return sum(_escalate_tip(tip_id, now) for tip_id in tip_ids)


def coordinator_ids() -> list[int]:
    return list(
        Membership.objects.filter(role=Membership.Role.COORDINATOR, user__is_active=True)
        .order_by("user_id")
        .values_list("user_id", flat=True)
        .distinct()
    )


@transaction.atomic
def _escalate_tip(tip_id: int, now: datetime) -> int:
    # Lock every responsible routing of the tip (in id order, so two workers cannot
    # deadlock) and decide from what is committed now, not from what the caller saw.
    routings = list(
        Routing.objects.select_for_update().filter(tip_id=tip_id, role=RoutingRole.RESPONSIBLE).order_by("pk")
    )
    if not routings:
        return 0
    tip = (
        Tip.objects.select_related("category")
        .only("reference", "closed_at", "category__escalation_minutes")
        .get(pk=tip_id)
    )
    silent = [r for r in routings if r.acknowledged_at is None]
    if len(silent) < len(routings) or tip.closed_at is not None:
        Routing.objects.filter(pk__in=[r.pk for r in routings], escalation_due_at__isnull=False).update(
            escalation_due_at=None
        )
        return 0
    due = [r for r in silent if r.escalation_due_at is not None and r.escalation_due_at <= now]
    if not due:
        return 0

    level = max(r.escalation_level for r in due) + 1
    agencies = Agency.objects.in_bulk([r.agency_id for r in due])
    recipients: dict[int, int] = {}  # user → the silent agency their alert names
    contacts = Membership.objects.filter(
        agency_id__in=agencies, is_escalation_contact=True, user__is_active=True
    ).order_by("agency_id", "user_id")
    for user_id, agency_id in contacts.values_list("user_id", "agency_id"):
        recipients.setdefault(user_id, agency_id)
    with_coordinators = level >= 2 or not recipients
    if with_coordinators:
        for user_id in coordinator_ids():
            recipients.setdefault(user_id, due[0].agency_id)
    Notification.objects.bulk_create(
        Notification(
            kind=Notification.Kind.ESCALATION, tip_id=tip_id, agency_id=agency_id, recipient_id=user_id, urgent=True
        )
        for user_id, agency_id in recipients.items()
    )

    next_due = now + timedelta(minutes=max(1, tip.category.escalation_minutes))
    for routing in due:
        routing.escalation_level = level
        routing.escalation_due_at = next_due
        routing.save(update_fields=["escalation_level", "escalation_due_at"])
        audit.record(
            AuditEvent.Action.ESCALATION,
            tip=tip,
            level=level,
            agency=agencies[routing.agency_id].name,
            notified=len(recipients),
            coordinators=with_coordinators,
        )
    if not recipients:
        logger.error(
            "Tip %s escalation level %s: nobody to alert (no escalation contacts, no coordinators).",
            tip.reference,
            level,
        )
    request_delivery()
    return len(due)
