"""The clock of the alert ladder (SECURITY.md 34; the steps are in ``ladder``).

Each responsible routing of a life-safety tip has its own clock, ``escalation_due_at``,
set when the tip is routed there (``alerts.alert_routed``, at intake or on a re-route).
When it passes and the agency has not acknowledged, the worker's tick takes the agency's
next step (``ladder.next_step``) and sets the clock again; at the top, the top step
repeats. Each step writes an ``ESCALATION`` audit event, which is how it appears on the
tip's timeline, and its alerts name every agency still silent (``emails``).

The clock of one agency stops when that agency acknowledges, or a coordinator
acknowledges for it (``Routing.acknowledge``), or it is removed from the tip or made
information only (``reports.triage.actions.reroute``), or finishes its part (any
disposition, "unfounded — false report" included: ``Routing.finish``). Every clock of a tip
stops when the last responsible agency finishes and the tip closes (``stop``). Escalation alerts still in the
outbox when their reason is gone are cancelled at delivery (``delivery.deliver``).

Several workers may tick at once: each tip's routings are locked while it is handled, and
a step moves the clock forward before the lock is released.

Times (SECURITY.md 37): an escalation deadline is the one exact time kept about a tip,
and only while its agency has not acknowledged; ``stand_down`` clears it. Everything an
escalation writes otherwise (its alerts, its audit events) carries the tip's hour, like the
tip itself: an escalation step's own time, a fixed delay after the tip, would date it. For
the same reason a step asks no task to be queued: the tick that takes the step sends its
alerts right after (``reports.jobs.tick``).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from reports.models import Notification, Routing, RoutingRole, Tip, TipState
from reports.notifications import ladder
from reports.notifications.alerts import AlertBatch
from safeschools import audit
from safeschools.models import AuditEvent

logger = logging.getLogger(__name__)


def escalate_due(*, now: datetime | None = None) -> int:
    """Take every ladder step that is due; returns how many agencies were escalated."""
    now = now or timezone.now()
    tip_ids = list(
        Routing.objects.filter(escalation_due_at__lte=now).order_by().values_list("tip_id", flat=True).distinct()
    )
    return sum(_escalate_tip(tip_id, now) for tip_id in tip_ids)


def stop(tip: Tip) -> int:
    """Stop every escalation clock of the tip (its last responsible part is done)."""
    return stand_down(tip.pk)


def stopped(tip_id: int) -> bool:
    """Whether the tip's escalation has ended: it is closed, or no responsible agency is
    still silent (an agency that finished its part has acknowledged it too)."""
    state = Tip.objects.filter(pk=tip_id).values_list("state", flat=True).first()
    if state is None or state == TipState.DONE:
        return True
    return not Routing.objects.filter(tip_id=tip_id, role=RoutingRole.RESPONSIBLE, acknowledged_at=None).exists()


@transaction.atomic
def _escalate_tip(tip_id: int, now: datetime) -> int:
    # Lock the tip's responsible routings (in id order, so two workers cannot deadlock) and
    # decide from what is committed now, not from what the caller saw.
    routings = list(
        Routing.objects.select_for_update(of=("self",))
        .select_related("agency")
        .filter(tip_id=tip_id, role=RoutingRole.RESPONSIBLE)
        .order_by("pk")
    )
    tip = (
        Tip.objects.select_related("category")
        .only(
            "reference",
            "state",
            "closed_at",
            "received_at",
            "is_life_safety",
            "category__escalation_minutes",
            "category__on_call_first_minutes",
        )
        .get(pk=tip_id)
    )
    ended = tip.state == TipState.DONE or tip.closed_at is not None
    finished = [r for r in routings if r.escalation_due_at and (ended or r.is_settled)]
    if finished:
        stand_down(tip_id, agency_ids=[r.agency_id for r in finished])
    due = [r for r in routings if r not in finished and r.escalation_due_at and r.escalation_due_at <= now]
    if not due:
        return 0

    anyone_acknowledged = any(r.acknowledged_at for r in routings)
    silent = [r.agency.name for r in routings if r.acknowledged_at is None]
    reach = ladder.Reach.load([r.agency_id for r in due], now=now)
    batch = AlertBatch(tip, Notification.Kind.ESCALATION, at=tip.received_at, deliver=False, texts=reach.texts)
    for routing in due:
        rung = ladder.next_step(reach, routing, with_fallback=not anyone_acknowledged)
        if rung is None:
            logger.error(
                "Tip %s: nobody to escalate %s to (no coordinators, no fallback).", tip.reference, routing.agency
            )
            routing.escalation_due_at = now + timedelta(minutes=max(1, tip.category.escalation_minutes))
            routing.save(update_fields=["escalation_due_at"])
            continue
        notified = batch.send(
            reach.recipients(rung, routing.agency_id), agency_id=routing.agency_id, reason=ladder.REASON[rung]
        )
        routing.escalation_level += 1
        routing.ladder_rung = rung
        routing.escalation_due_at = now + ladder.wait_after(rung, reach, routing.agency_id, tip.category)
        routing.save(update_fields=["escalation_level", "ladder_rung", "escalation_due_at"])
        audit.record(
            AuditEvent.Action.ESCALATION,
            tip=tip,
            at=tip.received_at,
            level=routing.escalation_level,
            step=str(rung.label),
            agency=routing.agency.name,
            notified=notified,
            silent=silent,
        )
    batch.done()
    return len(due)


def stand_down(tip_id: int, *, agency_ids: Iterable[int] | None = None) -> int:
    """End the escalation of the tip's agencies ``agency_ids`` (all, if None): they
    acknowledged, or the tip was closed. Their routings keep no deadline and their waiting
    alerts are settled (``settle_waiting``). Returns how many clocks stopped."""
    routings = Routing.objects.filter(tip_id=tip_id, escalation_due_at__isnull=False)
    if agency_ids is not None:
        routings = routings.filter(agency_id__in=agency_ids)
    settle_waiting(tip_id, agency_ids=agency_ids)
    return routings.update(escalation_due_at=None)


def settle_waiting(tip_id: int, *, agency_ids: Iterable[int] | None = None) -> None:
    """An escalation alert about ``agency_ids`` (all, if None) waiting for a retry is due at
    once, at the tip's hour, so that the next drain settles it: no exact time about the
    tip is left behind once its escalation is over (SECURITY.md 37)."""
    waiting = Notification.objects.filter(
        tip_id=tip_id, kind=Notification.Kind.ESCALATION, status=Notification.Status.PENDING
    )
    if agency_ids is not None:
        waiting = waiting.filter(agency_id__in=agency_ids)
    waiting.update(next_attempt_at=F("created_at"))
