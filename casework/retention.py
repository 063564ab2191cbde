"""Retention of threat assessment cases and Safe Schools Act notices.

A closed case is deleted ``CASE_RETENTION_DAYS`` after it closed (three years by default),
with its team, decision steps, safety plan and alerts; notices linked to it stay, unlinked.
An audit stub records that it existed: its reference, the district, the month it opened,
the day it closed, its classification and outcome.

An acknowledged notice is deleted ``NOTICE_RETENTION_DAYS`` after its acknowledgement (three
years by default), with its alerts, once no case links it: the tip line carried it, the
receiving district or court keeps its own record. A notice nobody acknowledged stays (it is
still work). Its audit stub: the reference, direction, sender and receiving agencies, the
month it was sent and the day it was acknowledged, never the pupil or the conduct.

Safe to run twice: the first run leaves only stubs."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from casework.access import record
from casework.models import CaseworkAlert, Notice, ThreatCase
from reports.models import Notification
from safeschools.models import AuditEvent


def expired_cases(now: datetime):
    cutoff = now - timedelta(days=settings.CASE_RETENTION_DAYS)
    return ThreatCase.objects.filter(status=ThreatCase.Status.CLOSED, closed_at__lte=cutoff)


@transaction.atomic
def purge_expired_cases(*, now: datetime | None = None) -> int:
    now = now or timezone.now()
    cases = list(
        expired_cases(now)
        .select_for_update(of=("self",))
        .select_related("school__district")
        .only("reference", "opened_at", "closed_at", "classification", "outcome", "school__district__name")
    )
    for case in cases:
        record(
            AuditEvent.Action.CASE_PURGED,
            reference=case.reference,
            district=case.school.district.name,
            opened_month=timezone.localtime(case.opened_at).strftime("%Y-%m"),
            closed_on=timezone.localtime(case.closed_at).date().isoformat(),
            classification=case.classification,
            outcome=case.outcome,
        )
    return _delete_with_alerts(ThreatCase, "case", cases)


def expired_notices(now: datetime):
    cutoff = now - timedelta(days=settings.NOTICE_RETENTION_DAYS)
    return Notice.objects.filter(acknowledged_at__lte=cutoff, case=None)


@transaction.atomic
def purge_expired_notices(*, now: datetime | None = None) -> int:
    now = now or timezone.now()
    notices = list(
        expired_notices(now)
        .select_for_update(of=("self",))
        .select_related("sender_agency", "recipient_agency")
        .only(
            "reference",
            "direction",
            "sent_at",
            "acknowledged_at",
            "acknowledgement_note",
            "sender_agency__name",
            "recipient_agency__name",
        )
    )
    for notice in notices:
        record(
            AuditEvent.Action.NOTICE_PURGED,
            reference=notice.reference,
            direction=notice.direction,
            sender=notice.sender_agency.name,
            recipient=notice.recipient_agency.name,
            sent_month=timezone.localtime(notice.sent_at).strftime("%Y-%m"),
            acknowledged_on=timezone.localtime(notice.acknowledged_at).date().isoformat(),
            on_behalf=notice.acknowledged_on_behalf,
        )
    return _delete_with_alerts(Notice, "notice", notices)


def _delete_with_alerts(model: type[ThreatCase | Notice], alert_field: str, rows: list) -> int:
    """Delete ``rows`` and their alerts in the outbox (``CaseworkAlert.<alert_field>``)."""
    ids = [row.pk for row in rows]
    alerts = CaseworkAlert.objects.filter(**{f"{alert_field}_id__in": ids}).values("notification_id")
    Notification.objects.filter(pk__in=alerts).delete()
    model.objects.filter(pk__in=ids).only("pk").delete()
    return len(ids)
