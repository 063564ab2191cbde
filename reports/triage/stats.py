"""Figures for the stats page, over the tips a user may see. Each is one query."""

from __future__ import annotations

from datetime import timedelta

from django.db.models import Count, DurationField, ExpressionWrapper, F, Q, QuerySet
from django.db.models.functions import TruncMonth
from django.utils import timezone

from reports.models import Disposition, Routing, RoutingState, Tip


def _bars(rows: list[tuple[str, int]]) -> list[dict]:
    top = max((n for _, n in rows), default=0) or 1
    return [{"label": label, "value": n, "percent": round(100 * n / top)} for label, n in rows]


def by_category(tips: QuerySet[Tip]) -> list[dict]:
    rows = tips.order_by().values("category__name").annotate(n=Count("id")).order_by("-n", "category__name")
    return _bars([(r["category__name"], r["n"]) for r in rows])


def by_school(tips: QuerySet[Tip], limit: int = 15) -> list[dict]:
    rows = tips.order_by().values("school__name").annotate(n=Count("id")).order_by("-n", "school__name")[:limit]
    return _bars([(r["school__name"] or "No school given", r["n"]) for r in rows])


def by_month(tips: QuerySet[Tip]) -> list[dict]:
    rows = (
        tips.order_by()
        .annotate(month=TruncMonth("received_at"))
        .values("month")
        .annotate(n=Count("id"))
        .order_by("month")
    )
    return _bars([(r["month"].strftime("%b %Y"), r["n"]) for r in rows])


def by_state(tips: QuerySet[Tip]) -> list[dict]:
    labels = dict(Tip.State.choices)
    rows = tips.order_by().values("state").annotate(n=Count("id")).order_by("-n")
    return _bars([(str(labels[r["state"]]), r["n"]) for r in rows])


def by_disposition(tips: QuerySet[Tip], agency_ids: list[int] | None) -> list[dict]:
    """How agencies' finished parts ended: of the viewer's agencies, or of every agency for
    a coordinator (``agency_ids`` None)."""
    parts = Routing.objects.filter(tip__in=tips.order_by().values("pk"), state=RoutingState.DONE)
    if agency_ids is not None:
        parts = parts.filter(agency_id__in=agency_ids)
    labels = dict(Disposition.choices)
    rows = parts.order_by().values("disposition").annotate(n=Count("id")).order_by("-n", "disposition")
    return _bars([(str(labels.get(r["disposition"], r["disposition"])), r["n"]) for r in rows])


def median_hours_to_acknowledge(tips: QuerySet[Tip]) -> float | None:
    """Median time from the hour a tip arrived to its first acknowledgement, in hours.
    (Arrival is kept only to the hour, so this is accurate to within an hour.)"""
    acknowledged = tips.exclude(first_acknowledged_at=None).annotate(
        delay=ExpressionWrapper(F("first_acknowledged_at") - F("received_at"), output_field=DurationField())
    )
    count = acknowledged.count()
    if not count:
        return None
    delay = acknowledged.order_by("delay").values_list("delay", flat=True)[count // 2]
    return round(delay / timedelta(hours=1), 1)


def life_safety_within_target(tips: QuerySet[Tip]) -> dict[str, int | None]:
    """Life-safety tips, and how many were acknowledged by a responsible agency before the
    escalation deadline."""
    life_safety = tips.filter(is_life_safety=True)
    total = life_safety.count()
    in_time = life_safety.filter(
        Q(pk__in=Routing.objects.filter(acknowledged_within_target=True).values("tip_id"))
    ).count()
    return {"total": total, "in_time": in_time, "percent": round(100 * in_time / total) if total else None}


def since(months: int):
    return timezone.now() - timedelta(days=30 * months)
