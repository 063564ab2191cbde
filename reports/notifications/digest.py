"""What goes in a staff member's daily digest. Reads only; ``alerts.queue_daily_digests``
decides who gets one and ``emails`` renders it.

A digest lists tips by reference, with a link: never their content (SECURITY.md 6).
- New tips: routed in the digest's day to an agency where the member chose "daily digest".
- Overdue tips: unacknowledged for a business day at an agency where the member gets new-tip
  alerts at all ("immediately" or "digest"); members who chose "none" get no digest.
- Unowned tips, for coordinators: open tips no responsible agency can be reached for
  (``selectors.unowned``), however old, until someone takes them.
The day is the 24 hours before the digest was queued, on whole hours: ``received_at`` is
kept to the hour, so consecutive digests neither miss nor repeat a tip.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.utils import timezone

from partners.models import Membership
from reports.models import Routing, RoutingRole
from reports.selectors import overdue_routings, unowned


@dataclass(frozen=True)
class DigestEntry:
    tip_id: int
    reference: str
    agency: str
    urgent: bool


@dataclass(frozen=True)
class Digest:
    window_start: datetime
    window_end: datetime
    new: list[DigestEntry] = field(default_factory=list)
    overdue: list[DigestEntry] = field(default_factory=list)
    unowned: list[DigestEntry] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.new or self.overdue or self.unowned)


def digest_window(queued_at: datetime) -> tuple[datetime, datetime]:
    end = queued_at.replace(minute=0, second=0, microsecond=0)
    return end - timedelta(days=1), end


def _entries(routings) -> list[DigestEntry]:
    seen: set[int] = set()
    entries = []
    # values_list: the tip's encrypted content is never loaded to build a digest.
    rows = routings.order_by("tip__received_at", "tip_id", "agency__name").values_list(
        "tip_id", "tip__reference", "agency__name", "tip__is_life_safety"
    )
    for tip_id, reference, agency, urgent in rows:
        if tip_id in seen:
            continue
        seen.add(tip_id)
        entries.append(DigestEntry(tip_id=tip_id, reference=reference, agency=agency, urgent=urgent))
    return entries


def digest_for(user_id: int, *, queued_at: datetime, now: datetime | None = None) -> Digest:
    """The digest of ``user_id`` for the day ending at ``queued_at`` (overdue as of ``now``)."""
    start, end = digest_window(queued_at)
    memberships = Membership.objects.filter(user_id=user_id, user__is_active=True)
    prefs = dict(memberships.values_list("agency_id", "new_tip_alerts"))
    coordinator = memberships.filter(role=Membership.Role.COORDINATOR).exclude(
        new_tip_alerts=Membership.NewTipAlerts.NONE
    )
    digest_agencies = [a for a, pref in prefs.items() if pref == Membership.NewTipAlerts.DAILY_DIGEST]
    alerted_agencies = [a for a, pref in prefs.items() if pref != Membership.NewTipAlerts.NONE]
    new = Routing.objects.filter(agency_id__in=digest_agencies, tip__received_at__gte=start, tip__received_at__lt=end)
    overdue = overdue_routings(now or timezone.now()).filter(agency_id__in=alerted_agencies)
    new_entries = _entries(new)
    listed = {entry.tip_id for entry in new_entries}
    overdue_entries = [entry for entry in _entries(overdue) if entry.tip_id not in listed]
    listed |= {entry.tip_id for entry in overdue_entries}
    unowned_entries = []
    if coordinator.exists():
        responsible = Routing.objects.filter(role=RoutingRole.RESPONSIBLE, tip__in=unowned())
        unowned_entries = [entry for entry in _entries(responsible) if entry.tip_id not in listed]
    return Digest(window_start=start, window_end=end, new=new_entries, overdue=overdue_entries, unowned=unowned_entries)
