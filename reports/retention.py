"""Retention (SECURITY.md 36): closed tips are deleted once their retention period has
passed, with everything that belongs to them; an audit stub records that they existed.

The period runs from the day a tip was closed: the category's ``retention_days`` if set,
otherwise ``settings.TIP_RETENTION_DAYS``. Open tips are never purged, however old.

Deleted with each tip (by the database's cascades, in one transaction per batch): its
routings, images, messages (and their images), internal notes, outbox notifications,
submission tokens and links to related tips; the receipt hash goes with the tip's own row,
so the tipster's receipt opens nothing afterwards. Kept: the audit log, which holds no
tipster data, plus one ``TIP_PURGED`` event per tip with its reference, the hour it arrived,
the day it was closed, its category's name and each agency's disposition (not the disposition text).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from reports.models import (
    Attachment,
    Category,
    InboundSms,
    Message,
    Note,
    Notification,
    Routing,
    SmsReplyCode,
    SubmissionToken,
    TextingTipster,
    Tip,
    this_hour,
)
from reports.notifications.sms import CODE_DAYS
from safeschools import audit
from safeschools.models import AuditEvent

BATCH = 100
TOKEN_LIFETIME = timedelta(days=1)
# Providers deliver a webhook again within minutes, if at all: a week of ids is plenty.
INBOUND_SMS_KEPT = timedelta(days=7)

# What a purge deletes, in the order the command prints it.
TABLES = {
    "tips": Tip,
    "routings": Routing,
    "images": Attachment,
    "messages": Message,
    "notes": Note,
    "notifications": Notification,
    "submission tokens": SubmissionToken,
}


@dataclass
class PurgeReport:
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(TABLES, 0))

    @property
    def tips(self) -> int:
        return self.counts["tips"]


def expired_tips(now: datetime | None = None) -> QuerySet[Tip]:
    """Closed tips whose retention period has passed at ``now``; not one the tipster wrote
    on since it closed, until someone has read the new information."""
    now = now or timezone.now()
    expired = Q(category__retention_days__isnull=True, closed_at__lte=now - timedelta(days=settings.TIP_RETENTION_DAYS))
    for category_id, days in Category.objects.filter(retention_days__isnull=False).values_list("pk", "retention_days"):
        expired |= Q(category_id=category_id, closed_at__lte=now - timedelta(days=days))
    return Tip.objects.filter(closed_at__isnull=False, new_info_after_closing=False).filter(expired)


def _count(tip_ids: list[int]) -> dict[str, int]:
    counts = {}
    for label, model in TABLES.items():
        lookup = {"pk__in": tip_ids} if model is Tip else {"tip_id__in": tip_ids}
        counts[label] = model.objects.filter(**lookup).count()
    return counts


def purge_expired(*, now: datetime | None = None, dry_run: bool = False) -> PurgeReport:
    """Delete every expired tip and what belongs to it, leaving an audit stub for each.
    With ``dry_run``, count what would go and change nothing. Running it again deletes
    nothing more: the first run left only stubs."""
    now = now or timezone.now()
    report = PurgeReport()
    pending = list(expired_tips(now).order_by("pk").values_list("pk", flat=True))
    for start in range(0, len(pending), BATCH):
        batch = pending[start : start + BATCH]
        counts = _count(batch) if dry_run else _purge_batch(batch, now)
        for label, number in counts.items():
            report.counts[label] += number
    return report


@transaction.atomic
def _purge_batch(tip_ids: list[int], now: datetime) -> dict[str, int]:
    # Re-read under lock: a tip reopened since it was listed is no longer expired.
    tips = list(
        expired_tips(now)
        .filter(pk__in=tip_ids)
        .select_for_update(of=("self",))
        .select_related("category")
        .only("reference", "received_at", "closed_at", "category__name")
        .prefetch_related("routings__agency")
    )
    ids = [tip.pk for tip in tips]
    counts = _count(ids)
    for tip in tips:
        audit.record(
            AuditEvent.Action.TIP_PURGED,
            tip=tip,
            received_hour=timezone.localtime(tip.received_at).strftime("%Y-%m-%d %H:00"),
            closed_on=timezone.localtime(tip.closed_at).date().isoformat(),
            category=tip.category.name,
            dispositions={r.agency.name: r.disposition for r in tip.routings.all() if r.disposition},
        )
    # only("pk"): the cascade needs ids, not the encrypted content.
    Tip.objects.filter(pk__in=ids).only("pk").delete()
    return counts


def prune_submission_tokens(*, now: datetime | None = None) -> int:
    """Forget form tokens older than a day: replay protection only needs the recent ones."""
    now = now or timezone.now()
    deleted, _ = SubmissionToken.objects.filter(created_at__lt=now - TOKEN_LIFETIME).delete()
    return deleted


def prune_sms_records(*, now: datetime | None = None) -> int:
    """Forget the ids of handled inbound texts after a week, and reply codes past their
    life (a reply with an old code gets "no alert to you has this code")."""
    now = now or timezone.now()
    inbound, _ = InboundSms.objects.filter(received_at__lt=now - INBOUND_SMS_KEPT).delete()
    codes, _ = SmsReplyCode.objects.filter(created_at__lt=now - timedelta(days=CODE_DAYS)).delete()
    return inbound + codes


def erase_texting_numbers(*, now: datetime | None = None) -> int:
    """Erase the phone numbers of texting tipsters whose tip was closed more than
    ``SMS_TIPSTER_GRACE_DAYS`` ago (SECURITY.md 45). The number was kept only to text them
    staff replies; afterwards a text from it starts a new tip. A tip reopened within the
    grace period keeps its number. Safe to run twice."""
    now = now or timezone.now()
    cutoff = now - timedelta(days=settings.SMS_TIPSTER_GRACE_DAYS)
    erased = 0
    pending = TextingTipster.objects.filter(erased_at=None, tip__closed_at__lte=cutoff)
    for row in pending.only("pk"):
        # One by one: the number is an encrypted field, which a bulk update would not encrypt.
        row.number = ""
        row.number_index = None
        row.erased_at = this_hour()
        row.save(update_fields=["number", "number_index", "erased_at"])
        erased += 1
    return erased
