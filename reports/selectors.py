"""Reads for staff pages and the worker.

Overdue: a tip is overdue for an agency when the agency is responsible for it, nobody
there has acknowledged it, it is not closed, and a full business day has passed since it
arrived. A business day is 24 hours of weekday time in the site's time zone: a tip that
arrives on Friday at 15:00 is overdue on Monday at 15:00, not on Saturday. Holidays are
not known to the site and count as weekdays.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, time, timedelta

from django.db.models import BooleanField, Exists, ExpressionWrapper, OuterRef, Q, QuerySet, Subquery
from django.db.models.lookups import IsNull
from django.utils import timezone

from reports.models import Routing, RoutingRole, RoutingState, Tip

BUSINESS_DAY = timedelta(hours=24)


def _local_midnight_utc(day) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min)).astimezone(UTC)


def business_day_before(now: datetime) -> datetime:
    """The moment one business day before ``now``: weekend hours do not count.

    Arithmetic is done in UTC between local midnights, so a daylight-saving change does
    not shift the answer by an hour.
    """
    end = now.astimezone(UTC)
    day = timezone.localtime(now).date()
    remaining = BUSINESS_DAY
    while True:
        start = _local_midnight_utc(day)
        if day.weekday() < 5:
            span = end - start
            if span >= remaining:
                return end - remaining
            remaining -= span
        day -= timedelta(days=1)
        end = start


def business_day_after(start: datetime) -> datetime:
    """The moment one business day after ``start``: when a tip that arrived at ``start``
    becomes overdue (the inverse of ``business_day_before``)."""
    begin = start.astimezone(UTC)
    day = timezone.localtime(start).date()
    remaining = BUSINESS_DAY
    while True:
        end = _local_midnight_utc(day + timedelta(days=1))
        if day.weekday() < 5:
            span = end - begin
            if span >= remaining:
                return begin + remaining
            remaining -= span
        day += timedelta(days=1)
        begin = end


def _unacknowledged_responsible() -> QuerySet[Routing]:
    return Routing.objects.filter(role=RoutingRole.RESPONSIBLE, acknowledged_at__isnull=True).exclude(
        state=RoutingState.DONE
    )


def overdue_routings(now: datetime | None = None) -> QuerySet[Routing]:
    """Responsible routings of open tips not acknowledged within a business day."""
    cutoff = business_day_before(now or timezone.now())
    return _unacknowledged_responsible().filter(tip__closed_at__isnull=True, tip__received_at__lte=cutoff)


def with_overdue(
    tips: QuerySet[Tip], now: datetime | None = None, *, agency_ids: Iterable[int] | None = None
) -> QuerySet[Tip]:
    """Annotate ``is_overdue`` on each tip: overdue for any responsible agency, or only for
    ``agency_ids`` (the viewer's agencies) when given. One subquery, no extra queries.
    The tip's own columns are tested on the row, outside the subquery, which then only
    looks up the tip's routings: with the tip inside it, PostgreSQL computed the whole
    table's overdue set for a coordinator's page (76 ms at a million tips) instead.
    The queue works the flag out from the parts its rows read (``queue.rows``); a test holds
    it to this definition."""
    cutoff = business_day_before(now or timezone.now())
    routings = _unacknowledged_responsible().filter(tip=OuterRef("pk"))
    if agency_ids is not None:
        routings = routings.filter(agency_id__in=list(agency_ids))
    # A LIMIT keeps the subquery per row: as a bare EXISTS, PostgreSQL may still choose to
    # hash every unacknowledged routing of the table first.
    first_late = Subquery(routings.order_by().values("pk")[:1])
    late = Q(closed_at__isnull=True, received_at__lte=cutoff) & Q(IsNull(first_late, False))
    return tips.annotate(is_overdue=ExpressionWrapper(late, output_field=BooleanField()))


def unowned(tips: QuerySet[Tip] | None = None) -> QuerySet[Tip]:
    """Open tips that no responsible agency has: every responsible routing went to an
    agency nobody could be reached at, and none has been acknowledged (or acknowledged
    for). The coordinators' to-do: re-route them or act for the agency."""
    tips = Tip.objects.all() if tips is None else tips
    return tips.exclude(state=Tip.State.DONE).exclude(Exists(_owned()))


def with_unowned(tips: QuerySet[Tip]) -> QuerySet[Tip]:
    """Annotate ``is_unowned`` (see ``unowned``), in the same query: the definition that
    the queue's rows, which work it out from their parts (``queue.rows``), are tested against."""
    return tips.annotate(is_unowned=~Exists(_owned()) & ~Q(state=Tip.State.DONE))


def _owned() -> QuerySet[Routing]:
    return Routing.objects.filter(tip=OuterRef("pk"), role=RoutingRole.RESPONSIBLE).filter(
        Q(unreachable=False) | Q(acknowledged_at__isnull=False)
    )
