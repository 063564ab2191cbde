"""The public figures ("What students reported"): once a quarter, after it ends, the
quarter's tips are counted by category and by district (never by school), with the share
acted upon and the median time to a first acknowledgement; small counts are suppressed
(``casework.suppression``) and only the publishable result is stored. The public page reads
stored quarters only: never live counts, which would let anyone time a report by watching
a number change (SECURITY.md 48)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django.db import transaction
from django.db.models import Count, DurationField, Exists, ExpressionWrapper, F, Min, OuterRef
from django.utils import timezone

from casework.models import FiguresQuarter
from casework.suppression import THRESHOLD, ring, suppress
from partners.models import Agency
from reports.models import Category, Disposition, Routing, RoutingRole, Tip

QUARTERS_SHOWN = 4
# A tip every responsible agency wrote off as one of these was not acted upon.
NOT_ACTED_UPON = (Disposition.UNFOUNDED, Disposition.DUPLICATE)
TOTAL = "total"
NO_SCHOOL = "none"


def quarter_start(day: date) -> date:
    return date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)


def next_quarter(start: date) -> date:
    month = start.month + 3
    return date(start.year + (month > 12), (month - 1) % 12 + 1, 1)


def previous_quarter(start: date) -> date:
    month = start.month - 3
    return date(start.year - (month < 1), (month - 1) % 12 + 1, 1)


def _local_midnight(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def quarter_tips(start: date):
    return Tip.objects.filter(
        received_at__gte=_local_midnight(start), received_at__lt=_local_midnight(next_quarter(start))
    )


def _cell(key, value: int, primary: set, complementary: set) -> dict:
    if key in primary:
        return {"hidden": "small"}
    if key in complementary:
        return {"hidden": "protect"}
    return {"value": value}


def _median_hours(tips) -> int | None:
    acknowledged = tips.exclude(first_acknowledged_at=None).annotate(
        delay=ExpressionWrapper(F("first_acknowledged_at") - F("received_at"), output_field=DurationField())
    )
    delays = sorted(acknowledged.values_list("delay", flat=True))
    if len(delays) < THRESHOLD:
        return None
    middle = len(delays) // 2
    median = delays[middle] if len(delays) % 2 else (delays[middle - 1] + delays[middle]) / 2
    return round(median / timedelta(hours=1))


def compute(start: date) -> dict:
    """The publishable figures of the quarter starting on ``start``."""
    tips = quarter_tips(start).order_by()
    total = tips.count()
    by_category = dict(tips.values_list("category_id").annotate(n=Count("id")))
    by_district = dict(tips.values_list("school__district_id").annotate(n=Count("id")))
    categories = list(Category.objects.filter(active=True) | Category.objects.filter(pk__in=by_category))
    districts = list(Agency.objects.filter(kind=Agency.Kind.DISTRICT).order_by("name"))
    category_cells = {("category", c.pk): by_category.get(c.pk, 0) for c in categories}
    district_cells = {("district", d.pk): by_district.get(d.pk, 0) for d in districts}
    district_cells[("district", NO_SCHOOL)] = by_district.get(None, 0)
    primary, complementary = suppress(ring(TOTAL, total, [category_cells, district_cells]))

    def cell(key, value):
        return _cell(key, value, primary, complementary)

    taken_up = Routing.objects.filter(tip=OuterRef("pk"), role=RoutingRole.RESPONSIBLE).exclude(
        disposition__in=NOT_ACTED_UPON
    )
    acted = tips.exclude(first_acknowledged_at=None).filter(Exists(taken_up)).count()
    share = round(100 * acted / total) if min(acted, total - acted) >= THRESHOLD else None
    return {
        "total": cell(TOTAL, total),
        "categories": [
            {"id": c.pk, "en": c.name, "es": c.name_es or c.name, **cell(("category", c.pk), by_category.get(c.pk, 0))}
            for c in sorted(categories, key=lambda c: (c.display_order, c.name))
        ],
        "districts": [
            {"id": d.pk, "name": d.name, **cell(("district", d.pk), by_district.get(d.pk, 0))} for d in districts
        ]
        + [{"id": NO_SCHOOL, "name": "", **cell(("district", NO_SCHOOL), by_district.get(None, 0))}],
        "acted_upon_percent": share,
        "median_hours_to_acknowledge": _median_hours(tips),
    }


def due_quarters(today: date) -> list[date]:
    """Ended quarters (the last ``QUARTERS_SHOWN``, none before the first tip) not yet computed."""
    first_tip = Tip.objects.aggregate(first=Min("received_at"))["first"]
    if first_tip is None:
        return []
    earliest = quarter_start(timezone.localdate(first_tip))
    start = previous_quarter(quarter_start(today))
    wanted = []
    for _ in range(QUARTERS_SHOWN):
        if start < earliest:
            break
        wanted.append(start)
        start = previous_quarter(start)
    done = set(FiguresQuarter.objects.filter(starts_on__in=wanted).values_list("starts_on", flat=True))
    return [q for q in wanted if q not in done]


@transaction.atomic
def refresh(*, today: date | None = None) -> list[FiguresQuarter]:
    """Compute each ended quarter that has no figures yet; a computed quarter never changes."""
    today = today or timezone.localdate()
    made = []
    for start in due_quarters(today):
        quarter, created = FiguresQuarter.objects.get_or_create(starts_on=start, defaults={"figures": compute(start)})
        if created:
            made.append(quarter)
    return made


def published(limit: int = QUARTERS_SHOWN) -> list[FiguresQuarter]:
    """The stored quarters shown on the public page, oldest first."""
    return list(reversed(FiguresQuarter.objects.order_by("-starts_on")[:limit]))
