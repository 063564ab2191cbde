"""Figures for the stats page, over the tips a user may see.

One pass: a single query reads a few plain columns of every visible tip of the period, and
every figure (by category, school, month and state, the median time to acknowledge) is
counted from those rows in Python; one more query counts how agencies' parts ended and one
how many life-safety tips were acknowledged in time. At a million tips an officer sees
about 64,000 of them, and ten aggregate queries each rebuilding that set took over a second.

The figures are kept in the shared cache for ``STATS_FRESH_SECONDS`` per scope (coordinators
share one; everyone else shares with those who belong to the same agencies, since that is
all visibility depends on) and recounted by one request at a time
(``safeschools.cache.refreshed``): the page says when they were counted.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Count, DurationField, Exists, ExpressionWrapper, F, OuterRef, QuerySet
from django.db.models.functions import TruncMonth
from django.utils import timezone

from reports.models import Disposition, Routing, RoutingState, Tip
from safeschools.cache import refreshed

SCHOOLS_SHOWN = 15
Bar = dict[str, object]  # a bar of a chart: label, value, percent of the longest


@dataclass(frozen=True)
class Figures:
    total: int
    by_category: list[Bar]
    by_school: list[Bar]
    by_month: list[Bar]
    by_state: list[Bar]
    by_disposition: list[Bar]
    median_hours: float | None
    life_safety: dict[str, int | None]


def _bars(counts: list[tuple[str, int]]) -> list[Bar]:
    top = max((n for _, n in counts), default=0) or 1
    return [{"label": label, "value": n, "percent": round(100 * n / top)} for label, n in counts]


def _most_first(counter: Counter[str], limit: int | None = None) -> list[Bar]:
    ranked = sorted(counter.items(), key=lambda item: (-item[1], item[0]))
    return _bars(ranked[:limit] if limit else ranked)


def figures(tips: QuerySet[Tip], agency_ids: list[int] | None) -> Figures:
    """Every figure of the page in three queries. ``agency_ids``: whose finished parts to
    count (the viewer's agencies), or None for every agency (coordinators)."""
    delay = ExpressionWrapper(F("first_acknowledged_at") - F("received_at"), output_field=DurationField())
    rows = (
        tips.order_by()
        .annotate(month=TruncMonth("received_at"), delay=delay)
        .values_list("category__name", "school__name", "month", "state", "delay")
    )
    categories: Counter[str] = Counter()
    schools: Counter[str] = Counter()
    months: Counter[datetime] = Counter()
    states: Counter[str] = Counter()
    delays: list[timedelta] = []
    for category, school, month, state, waited in rows.iterator(chunk_size=5000):
        categories[category] += 1
        schools[school or "No school given"] += 1
        months[month] += 1
        states[state] += 1
        if waited is not None:
            delays.append(waited)
    state_labels = dict(Tip.State.choices)
    return Figures(
        total=sum(states.values()),
        by_category=_most_first(categories),
        by_school=_most_first(schools, SCHOOLS_SHOWN),
        by_month=_bars([(month.strftime("%b %Y"), n) for month, n in sorted(months.items())]),
        by_state=_bars(
            [(str(state_labels[state]), n) for state, n in sorted(states.items(), key=lambda item: -item[1])]
        ),
        by_disposition=by_disposition(tips, agency_ids),
        median_hours=round(sorted(delays)[len(delays) // 2] / timedelta(hours=1), 1) if delays else None,
        life_safety=life_safety_within_target(tips),
    )


def by_disposition(tips: QuerySet[Tip], agency_ids: list[int] | None) -> list[Bar]:
    """How agencies' finished parts ended: of the viewer's agencies, or of every agency for
    a coordinator (``agency_ids`` None)."""
    parts = Routing.objects.filter(tip__in=tips.order_by().values("pk"), state=RoutingState.DONE)
    if agency_ids is not None:
        parts = parts.filter(agency_id__in=agency_ids)
    labels = dict(Disposition.choices)
    rows = parts.order_by().values("disposition").annotate(n=Count("id")).order_by("-n", "disposition")
    return _bars([(str(labels.get(r["disposition"], r["disposition"])), r["n"]) for r in rows])


def life_safety_within_target(tips: QuerySet[Tip]) -> dict[str, int | None]:
    """Life-safety tips, and how many were acknowledged by a responsible agency before the
    escalation deadline: one query, both counts."""
    in_time = Exists(Routing.objects.filter(tip=OuterRef("pk"), acknowledged_within_target=True))
    counts = tips.filter(is_life_safety=True).aggregate(total=Count("pk"), in_time=Count("pk", filter=in_time))
    total, on_time = counts["total"], counts["in_time"]
    return {"total": total, "in_time": on_time, "percent": round(100 * on_time / total) if total else None}


def since(months: int) -> datetime:
    return timezone.now() - timedelta(days=30 * months)


def for_page(tips: QuerySet[Tip], agency_ids: list[int] | None, months: int) -> tuple[Figures, datetime]:
    """The figures and when they were counted, from the cache while fresh."""
    scope = "all" if agency_ids is None else ",".join(map(str, sorted(set(agency_ids))))
    key = f"stats:v1:{months}:{scope}"
    return refreshed(key, lambda: figures(tips, agency_ids), fresh=settings.STATS_FRESH_SECONDS)
