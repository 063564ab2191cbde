"""The staff queue: filtering, sorting and keyset pagination of visible tips.

Keyset ("seek") pagination instead of OFFSET: a page is "the next N rows after this one in
the sort order", which an index answers in the same time on page 1 and on page 200 of a
million tips. Each sort has a matching index on ``Tip`` (see its ``Meta.indexes``) and ends
with ``id`` so the order is total.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Sum
from django.db.models.functions import Least
from django.utils import timezone

from partners.models import Membership
from reports import search, selectors
from reports.models import Routing, Tip
from safeschools.rows import RowComparison

# name → [(field, descending)]
ORDERINGS: dict[str, list[tuple[str, bool]]] = {
    "attention": [("awaiting_acknowledgement", True), ("is_life_safety", True), ("received_at", True), ("id", True)],
    "newest": [("received_at", True), ("id", True)],
    "oldest": [("received_at", False), ("id", False)],
    "priority": [("priority", True), ("received_at", True), ("id", True)],
}
SORT_LABELS = {
    "attention": "Needs attention first",
    "newest": "Newest first",
    "oldest": "Oldest first",
    "priority": "Highest priority first",
}


@dataclass(frozen=True)
class Filters:
    status: str = ""
    category_id: int | None = None
    school_id: int | None = None
    priority: int | None = None
    assigned_to_me: bool = False
    unacknowledged: bool = False
    unowned: bool = False
    received_from: date | None = None
    received_to: date | None = None
    query: str = ""


def filtered(user, filters: Filters, *, include_status: bool = True) -> QuerySet[Tip]:
    tips = Tip.objects.visible_to(user)
    if include_status and filters.status:
        tips = tips.filter(status=filters.status)
    if filters.category_id:
        tips = tips.filter(category_id=filters.category_id)
    if filters.school_id:
        tips = tips.filter(school_id=filters.school_id)
    if filters.priority:
        tips = tips.filter(priority=filters.priority)
    if filters.assigned_to_me:
        tips = tips.filter(assigned_to=user)
    if filters.unacknowledged:
        tips = tips.filter(_unacknowledged_by(user))
    if filters.unowned:
        tips = selectors.unowned(tips)
    if filters.received_from:
        tips = tips.filter(received_at__gte=_start_of(filters.received_from))
    if filters.received_to:
        tips = tips.filter(received_at__lt=_start_of(filters.received_to) + timedelta(days=1))
    if filters.query:
        tips = search.matching(tips, filters.query)
    return tips


def _start_of(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def _my_agencies(user):
    return Membership.objects.filter(user=user).values("agency_id")


def _unacknowledged_by(user) -> Q:
    """Coordinators: no responsible agency has acknowledged. Others: my agency has not."""
    if Membership.objects.filter(user=user, role=Membership.Role.COORDINATOR).exists():
        return Q(awaiting_acknowledgement=True)
    return Q(Exists(Routing.objects.filter(tip=OuterRef("pk"), agency_id__in=_my_agencies(user), acknowledged_at=None)))


def with_my_acknowledgement(tips: QuerySet[Tip], user) -> QuerySet[Tip]:
    """Annotate ``awaiting_mine``: a routing of one of my agencies is not yet acknowledged."""
    return tips.annotate(
        awaiting_mine=Exists(
            Routing.objects.filter(tip=OuterRef("pk"), agency_id__in=_my_agencies(user), acknowledged_at=None)
        )
    )


COUNTS_TTL = 30


def cached_status_counts(user, filters: Filters) -> dict[str, object]:
    """``status_counts`` of the user's filtered queue, kept in the shared cache for
    ``COUNTS_TTL`` seconds. Counting every visible tip is the one part of the queue whose
    cost grows with the table (an officer of a large agency sees tens of thousands of
    tips); the list itself is always live, only the numbers on the tabs may lag."""
    from hashlib import sha256

    from safeschools.cache import cached

    digest = sha256(repr(sorted((k, str(v)) for k, v in filters.__dict__.items() if k != "status")).encode())
    key = f"queue-counts:{user.pk}:{digest.hexdigest()[:32]}"
    return cached(key, lambda: status_counts(filtered(user, filters, include_status=False)), COUNTS_TTL)


def status_counts(tips: QuerySet[Tip]) -> dict[str, object]:
    """Tips per status and how many have unread tipster messages, in one query."""
    rows = tips.order_by().values("status").annotate(n=Count("id"), unread=Sum(Least("unread_tipster_messages", 1)))
    counts = {row["status"]: row["n"] for row in rows}
    return {
        "by_status": [(value, label, counts.get(value, 0)) for value, label in Tip.Status.choices],
        "total": sum(counts.values()),
        "unread": sum(row["unread"] or 0 for row in rows),
    }


@dataclass
class Page:
    items: list[Tip]
    next_cursor: str | None
    previous_cursor: str | None


def _encode(values: list, direction: str) -> str:
    plain = [v.isoformat() if isinstance(v, datetime) else v for v in values]
    raw = json.dumps({"d": direction, "v": plain}, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


BIGINT = 2**63 - 1
CURSOR_MAX_LENGTH = 1000


def _decode(cursor: str, ordering: list[tuple[str, bool]]) -> tuple[str, list] | None:
    """The direction and sort values of a cursor, or None for anything that is not one this
    module made: a hand-edited cursor must give the first page, never a server error."""
    if len(cursor) > CURSOR_MAX_LENGTH:
        return None
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        data = json.loads(base64.urlsafe_b64decode(padded.encode()))
        direction, values = data["d"], data["v"]
        if direction not in {"after", "before"} or len(values) != len(ordering):
            return None
        parsed = [_value(field, value) for (field, _), value in zip(ordering, values, strict=True)]
        return direction, parsed
    except (ValueError, TypeError, KeyError, OverflowError, RecursionError):
        return None


def _value(field: str, value):
    """One sort value, within what the database column can hold."""
    if field == "received_at":
        moment = datetime.fromisoformat(value)
        if moment.tzinfo is None:
            raise ValueError("a cursor time carries its offset")
        return moment.astimezone(UTC)  # raises OverflowError past year 9999
    if field in {"awaiting_acknowledgement", "is_life_safety"}:
        if not isinstance(value, bool):
            raise ValueError("not a flag")
        return value
    number = int(value)
    if not -BIGINT <= number <= BIGINT:
        raise ValueError("out of range")
    return number


def _after(ordering: list[tuple[str, bool]], values: list) -> RowComparison:
    """Rows strictly after ``values`` in ``ordering``, as one row comparison,
    ``(a, b, c, id) < (x, y, z, n)``, which the database answers by starting its index scan
    at the cursor. (Spelled out as ``a < x OR (a = x AND …)`` it would read every row before
    the cursor first.) Every ordering here runs in one direction, as a row comparison needs."""
    directions = {descending for _, descending in ordering}
    assert len(directions) == 1, "a keyset ordering must run in one direction"
    return RowComparison([field for field, _ in ordering], values, before=directions.pop())


def _order_by(ordering: list[tuple[str, bool]]) -> list[str]:
    return [f"-{field}" if descending else field for field, descending in ordering]


def page(tips: QuerySet[Tip], *, sort: str, cursor: str = "", size: int = 50) -> Page:
    ordering = ORDERINGS.get(sort, ORDERINGS["attention"])
    decoded = _decode(cursor, ordering) if cursor else None
    if decoded and decoded[0] == "before":
        flipped = [(field, not descending) for field, descending in ordering]
        rows = list(tips.filter(_after(flipped, decoded[1])).order_by(*_order_by(flipped))[: size + 1])
        has_more_before = len(rows) > size
        rows = list(reversed(rows[:size]))
        return Page(
            items=rows,
            next_cursor=_encode(_key(rows[-1], ordering), "after") if rows else None,
            previous_cursor=_encode(_key(rows[0], ordering), "before") if rows and has_more_before else None,
        )
    if decoded:
        tips = tips.filter(_after(ordering, decoded[1]))
    rows = list(tips.order_by(*_order_by(ordering))[: size + 1])
    has_more = len(rows) > size
    rows = rows[:size]
    return Page(
        items=rows,
        next_cursor=_encode(_key(rows[-1], ordering), "after") if rows and has_more else None,
        previous_cursor=_encode(_key(rows[0], ordering), "before") if rows and decoded else None,
    )


def _key(tip: Tip, ordering: list[tuple[str, bool]]) -> list:
    return [getattr(tip, field) for field, _ in ordering]


def new_info_after_closing(user, *, limit: int = 20) -> list[Tip]:
    """Closed tips the tipster has written on since, pinned above the queue until someone
    acknowledges the new information (a partial index keeps this cheap)."""
    return list(Tip.objects.visible_to(user).filter(new_info_after_closing=True).order_by("-id")[:limit])


RED_TARGETS_TTL = 30


def cached_red_targets() -> list[str]:
    """Names of the agencies nobody can be reached at that are responsible for an open tip
    (the coordinators' banner), from the shared cache for ``RED_TARGETS_TTL`` seconds."""
    from reports.notifications.coverage import red_targets_of_open_tips
    from safeschools.cache import cached

    return cached("queue-red-targets", lambda: [a.name for a in red_targets_of_open_tips()], RED_TARGETS_TTL)
