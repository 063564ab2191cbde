"""The tip's state, derived from its agencies' parts (DESIGN "A routing is a piece of work").

A tip routed to a district and a police department is two pieces of work. Each routing
carries its own state (new → acknowledged → working → done with a disposition); the tip's
state follows from its *responsible* routings only — an "information only" agency never
holds a tip open, nor moves it forward:

- **closed** when every responsible agency has finished its part;
- **new** while no responsible agency has acknowledged (or there is none);
- **in progress** otherwise.

The queue sorts and filters on the tip's columns, so the derived values are stored on the
tip (``state``, ``awaiting_acknowledgement``, ``first_acknowledged_at``, ``closed_at``)
by ``refresh_tip_state``, which every change to routings calls in its own transaction.
It also copies the tip's state onto each of its routings (``Routing.tip_state``: the
queue's tabs count an agency's tips by state from the routing index alone), and with it
the tip's place in the queue (``Routing.tip_attention``: an agency's queue is read in
order from the routing index). ``attention`` is computed by the database from the derived
columns and from the tipster's unread messages and new information, so whatever changes
those calls ``copy_attention`` (``refresh_tip_state`` does it for the derived ones); a
routing is created with its tip's current values (``copies_of``). ``disagreements`` finds
any tip whose columns do not match its routings, or whose routings carry another state or
place (a test runs it after every kind of change).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import astuple, dataclass
from datetime import datetime

from django.db.models import F, OuterRef, Subquery

from reports.models import Routing, RoutingRole, RoutingState, Tip, TipState

# The tip's columns that ``derive`` computes, in ``DerivedState``'s order.
DERIVED_FIELDS = ("state", "awaiting_acknowledgement", "closed_at", "first_acknowledged_at")


@dataclass(frozen=True)
class DerivedState:
    state: str
    awaiting_acknowledgement: bool
    closed_at: datetime | None
    first_acknowledged_at: datetime | None


def derive(routings: Iterable[Routing]) -> DerivedState:
    """The tip's state from its routings (any role; only responsible ones count)."""
    responsible = [r for r in routings if r.role == RoutingRole.RESPONSIBLE]
    acknowledged = [r.acknowledged_at for r in responsible if r.acknowledged_at is not None]
    if responsible and all(r.state == RoutingState.DONE for r in responsible):
        state = TipState.DONE
    elif acknowledged:
        state = TipState.OPEN
    else:
        state = TipState.NEW
    return DerivedState(
        state=state,
        awaiting_acknowledgement=state != TipState.DONE and any(not r.is_settled for r in responsible),
        closed_at=max(r.closed_at for r in responsible) if state == TipState.DONE else None,
        first_acknowledged_at=min(acknowledged) if acknowledged else None,
    )


def refresh_tip_state(tip: Tip, routings: Iterable[Routing] | None = None) -> DerivedState:
    """Store the tip's derived state from its routings as they are in this transaction
    (or from ``routings``, all of them, when the caller has just made them).

    Callers change routings inside a transaction that holds the tip's row lock
    (``lock_tip``), so two agencies finishing at once are serialised and the second sees
    the first's routing: neither can leave the tip open when both parts are done."""
    if routings is None:
        routings = Routing.objects.filter(tip_id=tip.pk).only("role", "state", "acknowledged_at", "closed_at")
    derived = derive(routings)
    if DerivedState(*(getattr(tip, name) for name in DERIVED_FIELDS)) == derived:
        return derived  # the caller's values are fresh: read under ``lock_tip`` or just created
    values = dict(zip(DERIVED_FIELDS, astuple(derived), strict=True))
    Tip.objects.filter(pk=tip.pk).update(**values)
    if (derived.state, derived.awaiting_acknowledgement) != (tip.state, tip.awaiting_acknowledgement):
        copy_attention(tip, tip_state=derived.state)
    for name, value in values.items():
        setattr(tip, name, value)
    return derived


def copies_of(tip: Tip) -> dict[str, object]:
    """What a new routing of ``tip`` carries of it (its state and place in the queue)."""
    return {"tip_state": tip.state, "tip_attention": tip.attention, "tip_received_at": tip.received_at}


def copy_attention(tip: Tip, **also: object) -> None:
    """Copy the tip's place in the queue, as the database now computes it, onto its
    routings (one statement); ``also``: other routing columns to set with it. Called in
    the transaction of any change to a column that ``Tip.attention`` is computed from.
    ``tip.attention`` is left as it was: read the tip again for the new value."""
    attention = Subquery(Tip.objects.filter(pk=OuterRef("tip_id")).values("attention")[:1])
    Routing.objects.filter(tip_id=tip.pk).update(tip_attention=attention, **also)


def repair_copies(*, batch: int = 20_000) -> int:
    """Set every routing's copies of its tip (state, place in the queue) to the tip's, in
    batches of ``batch`` tips; how many routings were wrong. For after a release that adds
    a copied column while the previous code still runs (a routing it makes, or a change it
    makes to a tip, is not copied): run once every node runs the new code. Safe to repeat."""
    tip = Tip.objects.filter(pk=OuterRef("tip_id"))
    copies = {
        "tip_state": Subquery(tip.values("state")[:1]),
        "tip_attention": Subquery(tip.values("attention")[:1]),
        "tip_received_at": Subquery(tip.values("received_at")[:1]),
    }
    last = Tip.objects.order_by("-id").values_list("id", flat=True).first() or 0
    repaired = 0
    for start in range(0, last + 1, batch):
        routings = Routing.objects.filter(tip_id__gte=start, tip_id__lt=start + batch)
        # Excluding the matching keys: as ``exclude(tip_state=F(…), …)`` PostgreSQL took 19 s
        # instead of 13 at a million tips.
        same = routings.filter(
            tip_state=F("tip__state"), tip_attention=F("tip__attention"), tip_received_at=F("tip__received_at")
        )
        repaired += routings.exclude(pk__in=same.values("pk")).update(**copies)
    return repaired


def lock_tip(tip: Tip) -> None:
    """Hold the tip's row until the transaction ends (SQLite serialises writers anyway) and
    re-read its derived columns under the lock: every change to a tip's routings takes this
    lock first, so ``refresh_tip_state`` compares with what is committed, not with what the
    caller loaded before someone else's change."""
    row = Tip.objects.select_for_update().filter(pk=tip.pk).values(*DERIVED_FIELDS).get()
    for name, value in row.items():
        setattr(tip, name, value)


def disagreements(tips: Iterable[Tip] | None = None) -> list[str]:
    """References of tips whose stored state does not match their routings."""
    queryset = Tip.objects.prefetch_related("routings").only("reference", "attention", "received_at", *DERIVED_FIELDS)
    if tips is not None:
        queryset = queryset.filter(pk__in=[t.pk for t in tips])
    wrong = []
    for tip in queryset:
        routings = tip.routings.all()
        derived = derive(routings)
        copied = {(r.tip_state, r.tip_attention, r.tip_received_at) for r in routings}
        if DerivedState(*(getattr(tip, name) for name in DERIVED_FIELDS)) != derived or copied - {
            (tip.state, tip.attention, tip.received_at)
        }:
            wrong.append(tip.reference)
    return wrong
