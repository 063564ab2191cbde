"""The staff queue: filtering, sorting and keyset pagination of visible tips.

Keyset ("seek") pagination instead of OFFSET: a page is "the next N rows after this one in
the sort order", which an index answers in the same time on page 1 and on page 200 of a
million tips. Each sort has a matching index on ``Tip`` (see its ``Meta.indexes``) and ends
with ``id`` so the order is total.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from django.db import connection
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.dates import MONTHS_3
from django.utils.translation import gettext

from partners.models import Membership, School, memberships_of
from reports import search, selectors
from reports.models import Category, Disposition, Routing, RoutingRole, RoutingState, Tip
from reports.triage import urgency
from safeschools import page_cache
from safeschools.cache import cached
from safeschools.rows import RowComparison

# name → [(field, descending)]
ORDERINGS: dict[str, list[tuple[str, bool]]] = {
    # Life safety not yet acknowledged by every responsible agency, then new information
    # from the tipster, then open tips, then closed ones (``Tip.attention``); newest first.
    "attention": [("attention", True), ("received_at", True), ("id", True)],
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
    state: str = ""
    category_id: int | None = None
    school_id: int | None = None
    priority: int | None = None
    assigned_to_me: bool = False
    unacknowledged: bool = False
    unowned: bool = False
    received_from: date | None = None
    received_to: date | None = None
    query: str = ""


def filtered(user, filters: Filters, *, below: int | None = None) -> QuerySet[Tip]:
    """The tips this person sees that match ``filters`` (``below``: with a smaller id, see
    ``TipQuerySet.visible_to``)."""
    tips = Tip.objects.visible_to(user, below=below)
    if filters.state:
        tips = tips.filter(state=filters.state)
    if filters.category_id:
        tips = tips.filter(category_id=filters.category_id)
    if filters.school_id:
        tips = tips.filter(school_id=filters.school_id)
    if filters.priority:
        tips = tips.filter(priority=filters.priority)
    if filters.assigned_to_me:
        tips = tips.filter(pk__in=Routing.objects.filter(assigned_to=user).values("tip_id"))
    if filters.unacknowledged:
        tips = tips.filter(unacknowledged_by(user))
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


def _my_agencies(user) -> list[int]:
    return [m.agency_id for m in memberships_of(user)]


def unacknowledged_by(user) -> Q:
    """Coordinators: a responsible agency has not acknowledged (the tips escalations land
    on them for). Others: my agency has not."""
    if any(m.role == Membership.Role.COORDINATOR for m in memberships_of(user)):
        return Q(awaiting_acknowledgement=True)
    return Q(pk__in=Routing.objects.filter(agency_id__in=_my_agencies(user), acknowledged_at=None).values("tip_id"))


def for_rows(tips: QuerySet[Tip]) -> QuerySet[Tip]:
    """What each row of the queue reads of the tips themselves, in one query whatever the
    page size. The queue shows no tip text: it stays encrypted in the database. Category
    and school names, the agencies' parts and what follows from them (not acknowledged,
    the escalation clock, overdue, unowned) come with ``rows``."""
    return tips.defer("description", "location", "people_involved", "contact_details")


@dataclass(frozen=True)
class Part:
    """One agency's part as a row lists it: "Clayton Police Department: working · Ann Lee"."""

    agency: str
    status: str  # "not acknowledged", "working", "done"
    detail: str  # " (unfounded)", " · info only", " · Ann Lee"
    silent: bool  # responsible, and nobody there has acknowledged or finished
    # What the row's flags are worked out from (``rows``).
    agency_id: int = 0
    responsible: bool = False
    acknowledged: bool = False
    unreachable: bool = False
    escalation_due_at: datetime | None = None
    escalation_level: int = 0


@dataclass(frozen=True)
class Row:
    """One tip in the queue, with its urgency in words."""

    tip: Tip
    category: str
    school: str  # "No school given" when none was
    age: str
    received: str  # "Nov 29, 4 PM": the hour it arrived in, local time
    state: str  # the tip's state and priority in words
    priority: str
    clock: urgency.Clock | None
    highlight: str  # "danger", "warning" or ""
    parts: list[Part]
    # My agency has not acknowledged (for coordinators: a responsible agency has not).
    awaiting: bool = False
    # Overdue for my agency (coordinators: for any): ``selectors.with_overdue``.
    overdue: bool = False
    # Coordinators only: no responsible agency can take it (``selectors.unowned``).
    unowned: bool = False

    @property
    def silent_agencies(self) -> list[str]:
        """Responsible agencies that have not acknowledged (none once the tip is closed)."""
        if self.tip.state == Tip.State.DONE:
            return []
        return [part.agency for part in self.parts if part.silent]


def parts_of(tip_ids: list[int]) -> dict[int, list[Part]]:
    """Every agency's part of these tips, in one query of plain values, in the order the
    tip page lists them (responsible first, then by agency)."""
    states = {value: str(label).lower() for value, label in RoutingState.choices}
    states[RoutingState.NEW] = "not acknowledged"
    outcomes = {value: str(label).lower() for value, label in Disposition.choices}
    found: dict[int, list[Part]] = {tip_id: [] for tip_id in tip_ids}
    columns = ("tip_id", "agency_id", "agency__name", "role", "state", "disposition", "acknowledged_at")
    clock = ("escalation_due_at", "escalation_level", "unreachable")
    assignee = ("assigned_to__username", "assigned_to__first_name", "assigned_to__last_name")
    parts = Routing.objects.filter(tip_id__in=tip_ids).order_by("role", "agency__name")
    for row in parts.values_list(*columns, *clock, *assignee):
        tip_id, agency_id, agency, role, state, disposition, acknowledged_at, due, level, unreachable, *who = row
        status = states[state]
        detail = f" ({outcomes[disposition]})" if disposition else ""
        detail += " · info only" if role == RoutingRole.INFO_ONLY else ""
        username, first, last = who
        if username:
            detail += f" · {f'{first} {last}'.strip() or username}"
        responsible = role == RoutingRole.RESPONSIBLE
        acknowledged = acknowledged_at is not None
        silent = responsible and not acknowledged and state != RoutingState.DONE
        found[tip_id].append(
            Part(agency, status, detail, silent, agency_id, responsible, acknowledged, unreachable, due, level)
        )
    return found


def rows(tips: list[Tip], now: datetime, *, agency_ids: list[int] | None) -> list[Row]:
    """Rows of tips read through ``for_rows``, with their agencies' parts (one query) and
    what follows from them for the viewer. ``agency_ids``: the viewer's agencies, or None
    for a coordinator, who is concerned with every agency.

    The flags are worked out here from the parts read anyway, rather than as per-row
    subqueries of the page's query: the escalation clock's subquery went through the index
    of running clocks, so that every row cost as much as there were clocks running in the
    county (9 ms a page with 860 running)."""
    parts = parts_of([tip.pk for tip in tips])
    categories, schools = _names()
    states = {value: str(label) for value, label in Tip.State.choices}
    priorities = {value: str(label) for value, label in Tip._meta.get_field("priority").flatchoices}
    hour_of = _hour_labels()
    overdue_before = selectors.business_day_before(now)
    result = []
    for tip in tips:
        every = parts[tip.pk]
        mine = every if agency_ids is None else [p for p in every if p.agency_id in agency_ids]
        awaiting = tip.awaiting_acknowledgement if agency_ids is None else any(not p.acknowledged for p in mine)
        clocks = [(p.escalation_due_at, p.escalation_level) for p in mine if p.responsible and p.escalation_due_at]
        due, level = min(clocks, key=lambda clock: clock[0]) if clocks else (None, 0)
        clock = urgency.escalation_clock(due, level, now)
        if clock is None and awaiting and not tip.is_life_safety:
            clock = urgency.acknowledge_clock(tip.received_at, now)
        overdue = tip.closed_at is None and tip.received_at <= overdue_before and any(part.silent for part in mine)
        unowned = (
            agency_ids is None
            and tip.state != Tip.State.DONE
            and not any(p.responsible and (not p.unreachable or p.acknowledged) for p in every)
        )
        highlight = ("danger" if tip.is_life_safety else "warning") if awaiting else ""
        result.append(
            Row(
                tip,
                categories[tip.category_id],
                schools[tip.school_id] if tip.school_id else "No school given",
                urgency.age(tip.received_at, now),
                hour_of(timezone.localtime(tip.received_at)),
                states[tip.state],
                priorities[tip.priority],
                clock,
                highlight,
                every,
                awaiting=awaiting,
                overdue=overdue,
                unowned=unowned,
            )
        )
    return result


def _hour_labels() -> Callable[[datetime], str]:
    """``dateformat.format(moment, "M j, g A")`` ("Nov 29, 4 PM"), with the month names
    and AM/PM translated once per page instead of once per row."""
    months = {number: str(name).title() for number, name in MONTHS_3.items()}
    am, pm = gettext("AM"), gettext("PM")

    def label(moment: datetime) -> str:
        return f"{months[moment.month]} {moment.day}, {moment.hour % 12 or 12} {pm if moment.hour > 11 else am}"

    return label


def _names() -> tuple[dict[int, str], dict[int, str]]:
    """Every category's and school's name by id, inactive ones included (old tips keep
    them), from the shared cache for the content generation that any edit of either moves
    on (``safeschools.page_cache``)."""

    def read() -> tuple[dict[int, str], dict[int, str]]:
        return dict(Category.objects.values_list("pk", "name")), dict(School.objects.values_list("pk", "name"))

    return cached(f"queue:names:{page_cache.local_generation()}", read)


# Tab counts are exact up to this many, then "1,000+": counting is bounded, so a
# coordinator's queue at a million tips costs what a small agency's does, and no count is
# a cached number that contradicts the rows beneath it.
COUNT_CAP = 1000


@dataclass(frozen=True)
class BoundedCount:
    value: int

    def __str__(self) -> str:
        return f"{COUNT_CAP:,}+" if self.value > COUNT_CAP else f"{self.value:,}"


def bounded_count(tips: QuerySet[Tip]) -> BoundedCount:
    return _bounded(tips.order_by().values("pk"))


def _bounded(rows: QuerySet[Any, Any]) -> BoundedCount:
    return BoundedCount(rows[: COUNT_CAP + 1].count())


def _bounded_together(querysets: list[QuerySet[Any, Any]]) -> list[BoundedCount]:
    """``_bounded`` of each queryset, in one statement: the tabs' five counts are each a
    fraction of a millisecond for the database, and five round trips for the page."""
    counts: list[str] = []
    params: list[Any] = []
    for rows in querysets:
        sql, more = rows[: COUNT_CAP + 1].query.sql_with_params()
        counts.append(f"(SELECT COUNT(*) FROM ({sql}) bounded)")  # noqa: S608 — the ORM's own SQL
        params.extend(more)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {', '.join(counts)}", params)
        return [BoundedCount(value) for value in cursor.fetchone()]


@dataclass(frozen=True)
class Tab:
    param: str  # the query string that selects it: "", "unacknowledged=on", "state=open"…
    label: str
    count: BoundedCount
    active: bool


def tabs_and_unread(
    user: Any, filters: Filters, tips: QuerySet[Tip], routings: QuerySet[Routing] | None, *, coordinator: bool
) -> tuple[list[Tab], BoundedCount]:
    """The queue's tabs under the other filters, each with its count, and how many of
    ``tips`` have unread messages from the tipster (``routings``: ``own_routings`` for them,
    when it answers): bounded counts, counted with the rows in one statement, no cache."""
    choices = _tab_choices(filters, coordinator=coordinator)
    *counts, unread = _bounded_together([*(_counted(user, tab) for _, _, tab in choices), unread_rows(tips, routings)])
    return _tabs(choices, counts, filters), unread


def _tab_choices(filters: Filters, *, coordinator: bool) -> list[tuple[str, str, Filters]]:
    """(query string, label, filters) of each tab: all, not acknowledged, one per state."""
    base = replace(filters, state="", unacknowledged=False)
    unacknowledged = "Not acknowledged by every responsible agency" if coordinator else "Not acknowledged by my agency"
    choices = [("", "All", base), ("unacknowledged=on", unacknowledged, replace(base, unacknowledged=True))]
    return choices + [(f"state={value}", str(label), replace(base, state=value)) for value, label in Tip.State.choices]


def _tabs(choices: list[tuple[str, str, Filters]], counts: list[BoundedCount], filters: Filters) -> list[Tab]:
    return [
        Tab(param, label, count, active=tab == filters)
        for (param, label, tab), count in zip(choices, counts, strict=True)
    ]


def count(user: Any, filters: Filters) -> int:
    """How many visible tips ``filters`` select, exactly (the export's audit row)."""
    return _counted(user, filters).count()


def _counted(user: Any, filters: Filters) -> QuerySet[Any, Any]:
    """One row per visible tip that ``filters`` select, to count: from the routing table's
    indexes alone when ``own_routings`` can answer, without visiting a tip; else the tips
    themselves."""
    routings = own_routings(user, filters)
    if routings is None:
        return filtered(user, filters).order_by().values("pk")
    # ``tip_id``, not the key: the index holds it, so the count never reads the table.
    return routings.order_by().values("tip_id")


def own_routings(user: Any, filters: Filters) -> QuerySet[Routing] | None:
    """The routings that stand for exactly the tips ``filtered(user, filters)`` selects,
    one each, or None. Someone in one agency with no filter but a tab's (state, not
    acknowledged) sees exactly the tips routed to that agency, one routing each
    (``reports_routing_unique``), and each routing carries what the tabs and the default
    order need of its tip (``tip_state``, ``tip_attention``, ``tip_received_at``, kept by
    ``reports.case_state``). Anyone else, or any other filter, reads the tips."""
    agencies = _my_agencies(user)
    coordinator = any(m.role == Membership.Role.COORDINATOR for m in memberships_of(user))
    if coordinator or len(agencies) != 1 or replace(filters, state="", unacknowledged=False) != Filters():
        return None
    routings = Routing.objects.filter(agency_id=agencies[0])
    if filters.state:
        routings = routings.filter(tip_state=filters.state)
    if filters.unacknowledged:
        routings = routings.filter(acknowledged_at=None)
    return routings


def unread_rows(tips: QuerySet[Tip], routings: QuerySet[Routing] | None = None) -> QuerySet[Any, Any]:
    """One row per tip of ``tips`` with unread messages from the tipster, to count. Unread
    tips rank 2 or 3 in ``attention``: saying so lets the index of the queue's order (the
    tips' or the agency's routings') find the few of them instead of reading every one."""
    if routings is not None:
        return routings.filter(tip_attention__gte=2, tip__unread_tipster_messages__gt=0).order_by().values("tip_id")
    return tips.filter(unread_tipster_messages__gt=0, attention__gte=2).order_by().values("pk")


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


# The default order as each routing carries it of its tip (``own_routings``).
ON_ROUTINGS = {"attention": "tip_attention", "received_at": "tip_received_at", "id": "tip_id"}


def page(
    tips: QuerySet[Tip], *, sort: str, cursor: str = "", size: int = 50, routings: QuerySet[Routing] | None = None
) -> Page:
    """A page of ``tips`` in the order ``sort`` names, after or before ``cursor``.
    ``routings``: ``own_routings`` for these tips, when it answers; in the default order,
    the page's tips are then found in order from the routing index
    (``reports_routing_queue_order``) and read by key, instead of walking the county's
    tips in the queue's order and keeping those routed to the agency (at a million tips,
    16 read for each one shown)."""
    ordering = ORDERINGS.get(sort, ORDERINGS["attention"])
    if ordering is not ORDERINGS["attention"]:
        routings = None
    decoded = _decode(cursor, ordering) if cursor else None
    if decoded and decoded[0] == "before":
        flipped = [(field, not descending) for field, descending in ordering]
        rows = _seek(tips, routings, flipped, decoded[1], size + 1)
        has_more_before = len(rows) > size
        rows = list(reversed(rows[:size]))
        return Page(
            items=rows,
            next_cursor=_encode(_key(rows[-1], ordering), "after") if rows else None,
            previous_cursor=_encode(_key(rows[0], ordering), "before") if rows and has_more_before else None,
        )
    rows = _seek(tips, routings, ordering, decoded[1] if decoded else None, size + 1)
    has_more = len(rows) > size
    rows = rows[:size]
    return Page(
        items=rows,
        next_cursor=_encode(_key(rows[-1], ordering), "after") if rows and has_more else None,
        previous_cursor=_encode(_key(rows[0], ordering), "before") if rows and decoded else None,
    )


def _seek(
    tips: QuerySet[Tip],
    routings: QuerySet[Routing] | None,
    ordering: list[tuple[str, bool]],
    after: list[Any] | None,
    limit: int,
) -> list[Tip]:
    """The first ``limit`` of ``tips`` in ``ordering`` (after the sort values ``after``)."""
    if routings is None:
        if after is not None:
            tips = tips.filter(_after(ordering, after))
        return list(tips.order_by(*_order_by(ordering))[:limit])
    on_routings = [(ON_ROUTINGS[field], descending) for field, descending in ordering]
    if after is not None:
        routings = routings.filter(_after(on_routings, after))
    ids = list(routings.order_by(*_order_by(on_routings)).values_list("tip_id", flat=True)[:limit])
    found = {tip.pk: tip for tip in tips.filter(pk__in=ids).order_by()}
    return [found[tip_id] for tip_id in ids if tip_id in found]


def _key(tip: Tip, ordering: list[tuple[str, bool]]) -> list:
    return [getattr(tip, field) for field, _ in ordering]


def new_info_after_closing(user, *, limit: int = 20) -> list[Tip]:
    """Closed tips the tipster has written on since, pinned above the queue until someone
    acknowledges the new information (a partial index keeps this cheap)."""
    reopened = Tip.objects.visible_to(user).filter(new_info_after_closing=True).order_by("-id")
    return list(reopened.only("reference", "is_life_safety")[:limit])


RED_TARGETS_TTL = 30


def cached_red_targets() -> list[str]:
    """Names of the agencies nobody can be reached at that are responsible for an open tip
    (the coordinators' banner), from the shared cache for ``RED_TARGETS_TTL`` seconds."""
    from reports.notifications.coverage import red_targets_of_open_tips

    return cached("queue-red-targets", lambda: [a.name for a in red_targets_of_open_tips()], RED_TARGETS_TTL)
