"""Who is alerted about what. Writes outbox rows only; delivery is the worker's job
(``reports.notifications.delivery``), asked for as soon as the caller's transaction commits.

Preferences are per membership (``Membership.new_tip_alerts``): "immediately" gets an
alert per new tip, "digest" gets the daily digest, "none" gets neither. A life-safety tip
ignores "digest" and "none": everyone at its agencies is alerted at once (P3's override of
opt-outs). Tipster messages alert the assignee if they asked for it. Each alert is one
outbox row per channel that reaches the person (``channels.alert_rows``: e-mail, and a
text for urgent alerts to a confirmed mobile).
"""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone

from partners.models import Membership
from reports.models import Message, Notification, Tip
from reports.notifications import tipster_texts
from reports.notifications.channels import alert_rows
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
    recipients: dict[int, int] = {}  # user → the agency their alert names (their first)
    for user_id, agency_id in memberships.order_by("agency_id", "user_id").values_list("user_id", "agency_id"):
        recipients.setdefault(user_id, agency_id)
    rows = alert_rows(kind=Notification.Kind.NEW_TIP, recipients=recipients, urgent=tip.is_life_safety, tip=tip)
    created = Notification.objects.bulk_create(rows)
    if created:
        request_delivery()
    return created


def queue_tipster_message_alert(tip: Tip) -> list[Notification]:
    """Alert the staff member the tip is assigned to, if they asked for such alerts."""
    if tip.assigned_to_id is None:
        return []
    wants = Membership.objects.filter(
        user_id=tip.assigned_to_id,
        user__is_active=True,
        agency__routings__tip=tip,
        tipster_message_alerts=True,
    ).values_list("agency_id", flat=True)
    agency_id = wants.first()
    if agency_id is None:
        return []
    created = Notification.objects.bulk_create(
        alert_rows(
            kind=Notification.Kind.TIPSTER_MESSAGE,
            recipients={tip.assigned_to_id: agency_id},
            urgent=tip.is_life_safety,
            tip=tip,
        )
    )
    request_delivery()
    return created


def queue_text_to_tipster(message: Message) -> Notification | None:
    """A staff message on a tip sent by text goes to the tipster's phone too, through the
    outbox (``reports.notifications.tipster_texts``). None when there is no one to text:
    a tip from the web, a number erased or stopped, texts switched off."""
    if tipster_texts.textable_thread(message.tip_id) is None:
        return None
    urgent = Tip.objects.filter(pk=message.tip_id).values_list("is_life_safety", flat=True).first() or False
    notification = Notification.objects.create(
        kind=Notification.Kind.TO_TIPSTER,
        channel=Notification.Channel.SMS,
        tip_id=message.tip_id,
        message=message,
        urgent=urgent,
    )
    request_delivery()
    return notification


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
