"""Who is alerted about what. Writes outbox rows only; delivery is the worker's job
(``reports.notifications.delivery``), asked for as soon as the caller's transaction commits.

Preferences are per membership (``Membership.new_tip_alerts``): "immediately" gets an
e-mail per new tip, "digest" gets the daily digest, "none" gets neither. A life-safety tip
ignores "digest" and "none": everyone at its agencies is alerted at once (P3's override of
opt-outs). Tipster messages alert each agency's assignee if they asked for it.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from partners.models import Membership
from reports.models import Notification, Routing, Tip
from reports.notifications.delivery import request_delivery
from reports.notifications.digest import digest_for


def queue_new_tip_alerts(tip: Tip) -> list[Notification]:
    """One outbox row per person to alert now about a new tip.

    Members of every routed agency whose preference is "immediately"; for a life-safety
    tip, every member regardless of preference (P3's override of opt-outs).
    """
    routed_agency_ids = list(tip.routings.values_list("agency_id", flat=True))
    memberships = Membership.objects.filter(agency_id__in=routed_agency_ids, user__is_active=True)
    if not tip.is_life_safety:
        memberships = memberships.filter(new_tip_alerts=Membership.NewTipAlerts.IMMEDIATELY)
    people = memberships.order_by("agency_id", "user_id").values_list("user_id", "agency_id")
    return _alert_each_once(tip, Notification.Kind.NEW_TIP, people)


def queue_tipster_message_alert(tip: Tip) -> list[Notification]:
    """Alert the staff carrying each agency's part of the tip (its assignee), if they
    asked for such alerts."""
    assignees = list(
        Routing.objects.filter(tip=tip, assigned_to__isnull=False).values_list("assigned_to_id", "agency_id")
    )
    wanted = set(
        Membership.objects.filter(
            user_id__in=[user_id for user_id, _ in assignees], user__is_active=True, tipster_message_alerts=True
        ).values_list("user_id", "agency_id")
    )
    return _alert_each_once(tip, Notification.Kind.TIPSTER_MESSAGE, [p for p in assignees if p in wanted])


def _alert_each_once(tip: Tip, kind: str, people: Iterable[tuple[int, int]]) -> list[Notification]:
    """One outbox row per person of ``people`` ((user, agency) pairs; the first agency
    named for a person is the one their alert names), then ask for delivery."""
    seen: set[int] = set()
    rows = []
    for user_id, agency_id in people:
        if user_id not in seen:
            seen.add(user_id)
            rows.append(
                Notification(kind=kind, tip=tip, agency_id=agency_id, recipient_id=user_id, urgent=tip.is_life_safety)
            )
    created = Notification.objects.bulk_create(rows)
    if created:
        request_delivery()
    return created


@transaction.atomic
def queue_daily_digests(*, now: datetime | None = None) -> list[Notification]:
    """One digest row for each member with something to read (see ``reports.notifications.digest``):
    new tips of the day for "digest" members, overdue tips for anyone who gets alerts.

    Safe to run twice a day: a member who already has today's digest gets no second one.
    The caller runs it under the scheduler's lock, so two workers cannot both queue it.
    """
    now = now or timezone.now()
    today = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
    already = Notification.objects.filter(kind=Notification.Kind.DIGEST, created_at__gte=today).values("recipient_id")
    candidates = (
        Membership.objects.filter(user__is_active=True)
        .exclude(new_tip_alerts=Membership.NewTipAlerts.NONE)
        .exclude(user_id__in=already)
        .order_by("user_id", "agency_id")
        .values_list("user_id", "agency_id")
    )
    first_agency: dict[int, int] = {}
    for user_id, agency_id in candidates:
        first_agency.setdefault(user_id, agency_id)
    rows = [
        Notification(kind=Notification.Kind.DIGEST, recipient_id=user_id, agency_id=agency_id, created_at=now)
        for user_id, agency_id in first_agency.items()
        if digest_for(user_id, queued_at=now, now=now)
    ]
    created = Notification.objects.bulk_create(rows)
    if created:
        request_delivery()
    return created
