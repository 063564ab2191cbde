"""Retention of threat assessment cases: a closed case is deleted ``CASE_RETENTION_DAYS``
after it closed (three years by default), with its team, decision steps, safety plan and
alerts; notices linked to it stay, unlinked. An audit stub records that it existed: its
reference, the district, the month it opened, the day it closed, its classification and
outcome. Safe to run twice: the first run leaves only stubs."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from casework.access import record
from casework.models import CaseworkAlert, ThreatCase
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
    ids = [case.pk for case in cases]
    alerts = CaseworkAlert.objects.filter(case_id__in=ids).values("notification_id")
    Notification.objects.filter(pk__in=alerts).delete()
    ThreatCase.objects.filter(pk__in=ids).only("pk").delete()
    return len(ids)
