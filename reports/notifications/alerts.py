"""Who is alerted about what. Writes outbox rows only; delivery is the worker's job
(``reports.notifications.delivery``).

Alerts that a tipster's act causes (a new tip, a tipster's message) are not pushed to the
worker: its 30-second tick (``reports.jobs.tick``) sends them, so a tip still alerts within
a minute, and no task row records the moment of the act (SECURITY.md 37: a queued task
carries its exact enqueue, start and finish times). Their rows carry the hour of the act.
Alerts a staff member's action causes may call ``delivery.request_delivery`` to go out at once.

Every alert row is written by one function, ``alert``: it chooses the channels for each
person (``channels.channels_by_user``: e-mail, and a text for urgent alerts to a
confirmed mobile), addresses the 24/7 fallback by its plain
addresses, and coalesces (SECURITY.md 39).

- **A tip is routed** (at intake, or re-routed by a coordinator: ``alert_routed``). Members
  who want immediate alerts are alerted; a life-safety tip overrides every preference and
  starts the alert ladder of each responsible agency (``ladder``). An agency where nobody
  who can act can be reached is marked ``Routing.unreachable``: for a life-safety tip the
  coordinators are alerted at once, and the 24/7 fallback too when none of the tip's
  responsible agencies can be reached (SECURITY.md 44); a routine tip that no responsible
  agency can take is "unowned": in the coordinators' queue and digest, and an alert to the
  coordinators who want immediate ones.
- **The tipster writes** (``alert_tipster_message``): each agency's assignee; else everyone at the
  routed agencies who wants immediate alerts; else the coordinators. On a life-safety tip,
  everyone a new tip would alert at once.
- **Coalescing**: at most one alert per person (or fallback address) per tip in
  ``ALERT_COALESCE_MINUTES``, so a tipster writing again and again cannot flood anyone. The
  window lives in the shared cache (it fails open: an alert too many, never one too few);
  ladder steps are never held back, and count as the alert of their window.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from partners.models import Membership
from reports.models import Message, Notification, Routing, RoutingRole, TextingTipster, Tip, this_hour
from reports.notifications import ladder
from reports.notifications.channels import Address, channels_by_user, channels_for
from reports.notifications.delivery import request_delivery
from reports.notifications.digest import digest_for
from safeschools import audit
from safeschools.hours import hour_of
from safeschools.models import AuditEvent

logger = logging.getLogger(__name__)
Kind = Notification.Kind
Rung = ladder.Rung


# --- The one writer of alert rows ----------------------------------------------------------


def _window_key(tip: Tip, key: str) -> str:
    return f"alert-window:{tip.pk}:{key}"


def _open_windows(tip: Tip, keys: Iterable[str]) -> None:
    """Start the coalescing window of each of ``keys`` about ``tip``, a tip no one has been
    alerted about yet (one round trip to the cache, nothing read: every key is new).

    The value is the window's opening to the second, as ``_first_in_window`` keeps it: the
    one time finer than the hour that follows a tipster's act, in the cache only, and gone
    with its key once the window (``ALERT_COALESCE_MINUTES``) has passed."""
    minutes = settings.ALERT_COALESCE_MINUTES
    if not minutes:
        return
    now = timezone.now().timestamp()
    try:
        cache.set_many({_window_key(tip, key): now for key in keys}, minutes * 60)
    except Exception:
        logger.warning("cache unavailable: alerts for tip %s not coalesced", tip.reference, exc_info=True)


def _first_in_window(tip: Tip | None, key: str, *, always: bool) -> bool:
    """Whether this is the first alert to ``key`` about ``tip`` in the coalescing window;
    ``always`` alerts anyway (a ladder step) and starts a window.

    The cache entry holds when its window opened, read against our own clock; its expiry
    only tidies up. (Cache expiry alone would follow the cache server's clock, not the
    one the alerts and the tests keep.)"""
    minutes = settings.ALERT_COALESCE_MINUTES
    if tip is None or not minutes:
        return True
    cache_key = _window_key(tip, key)
    now = timezone.now().timestamp()
    try:
        if always or cache.add(cache_key, now, minutes * 60):
            if always:
                cache.set(cache_key, now, minutes * 60)
            return True
        opened = cache.get(cache_key)
        if opened is None or now - float(opened) >= minutes * 60:
            cache.set(cache_key, now, minutes * 60)
            return True
        return False
    except Exception:
        logger.warning("cache unavailable: alert for tip %s not coalesced", tip.reference, exc_info=True)
        return True


def alert(
    *,
    kind: str,
    tip: Tip | None,
    agency_id: int | None,
    people: Iterable = (),
    addresses: Iterable[Address] = (),
    urgent: bool,
    reason: str,
    deliver: bool = True,
    at: datetime | None = None,
) -> list[Notification]:
    """Queue one alert for each of ``people`` (one row per channel they are reached by) and
    each fallback address, naming ``agency_id``. Returns the rows written; a person alerted
    about the same tip within the coalescing window gets none (escalations excepted).
    ``deliver=False`` leaves asking the worker to the caller (once for many calls): alerts a
    tipster's act causes never ask, the worker's tick sends them (see above).

    The rows are dated ``at`` (this hour if None): for an alert that follows a tipster's
    act, the hour of that act (SECURITY.md 37)."""
    rows = _alert_rows(
        kind=kind, tip=tip, agency_id=agency_id, people=people, addresses=addresses, urgent=urgent, reason=reason, at=at
    )
    created = Notification.objects.bulk_create(rows)
    if created and deliver:
        request_delivery()
    return created


def _alert_rows(
    *,
    kind: str,
    tip: Tip | None,
    agency_id: int | None,
    people: Iterable[Any],
    addresses: Iterable[Address],
    urgent: bool,
    reason: str,
    at: datetime | None,
    texts: Mapping[int, bool | None] | None = None,
    windows: set[str] | None = None,
) -> list[Notification]:
    """The rows ``alert`` writes, not yet saved (the coalescing window is counted now).
    ``texts``: what the people's mobiles take, when just read (``ladder.Reach.texts``).
    ``windows``: for a tip no one has been alerted about yet (just submitted), where to
    collect the windows to open (``_open_windows``) instead of asking the cache for each."""
    ladder_step = kind == Kind.ESCALATION
    at = at or this_hour()
    dated = {"created_at": at, "next_attempt_at": at}
    rows = []
    if windows is not None:  # nobody has been alerted about a new tip: every window is new
        people, addresses = list(people), list(addresses)
        windows.update(f"user:{person.pk}" for person in people)
        windows.update(f"{target.channel}:{target.address}" for target in addresses)

    def first(key: str) -> bool:
        return windows is not None or _first_in_window(tip, key, always=ladder_step)

    people = [person for person in people if first(f"user:{person.pk}")]
    channels = channels_by_user(people, urgent=urgent, texts=texts)
    for person in people:
        rows += [
            Notification(
                kind=kind,
                tip=tip,
                agency_id=agency_id,
                recipient=person,
                channel=channel,
                urgent=urgent,
                reason=reason,
                **dated,
            )
            for channel in channels[person.pk]
        ]
    for target in addresses:
        if not first(f"{target.channel}:{target.address}"):
            continue
        rows.append(
            Notification(
                kind=kind,
                tip=tip,
                agency_id=agency_id,
                address=target.address,
                channel=target.channel,
                urgent=urgent,
                reason=reason,
                **dated,
            )
        )
    return rows


class AlertBatch:
    """Alerts being decided for one event: a person alerted for one agency is not alerted
    again for another. Their rows are dated ``at`` (see ``alert``); ``deliver=False`` for an
    event a tipster's act (or the ladder's clock) causes: the tick sends those alerts, and a
    task queued now would record the moment (SECURITY.md 37)."""

    def __init__(
        self,
        tip: Tip,
        kind: str,
        *,
        at: datetime | None = None,
        deliver: bool = True,
        texts: Mapping[int, bool | None] | None = None,
        new_tip: bool = False,
    ) -> None:
        self.tip, self.kind = tip, kind
        # A tip just submitted: no one has been alerted about it, so no coalescing window
        # is asked about; done() opens them all at once.
        self.windows: set[str] | None = set() if new_tip else None
        self.at, self.deliver = at, deliver
        self.texts = texts  # what the people's mobiles take, if the caller just read it
        self.people: set[int] = set()
        self.addresses: set[Address] = set()
        self.count = 0  # people and addresses alerted
        self.pending: list[Notification] = []  # written together by done(): one INSERT
        self.written: list[Notification] = []

    def send(self, recipients: ladder.Recipients, *, agency_id: int, reason: str, kind: str | None = None) -> int:
        people = [p for p in recipients.people if p.pk not in self.people]
        addresses = [a for a in recipients.addresses if a not in self.addresses]
        self.people.update(p.pk for p in people)
        self.addresses.update(addresses)
        rows = _alert_rows(
            kind=kind or self.kind,
            tip=self.tip,
            agency_id=agency_id,
            people=people,
            addresses=addresses,
            urgent=self.tip.is_life_safety,
            reason=reason,
            at=self.at,
            texts=self.texts,
            windows=self.windows,
        )
        self.count += len({(n.recipient_id, n.address) for n in rows})
        self.pending += rows
        return len(people) + len(addresses)

    def done(self) -> int:
        """Write every row the batch queued, in one INSERT, and ask the worker for
        delivery once (unless the tick is to send it)."""
        created = Notification.objects.bulk_create(self.pending)
        self.written += created
        self.pending = []
        if self.windows:
            _open_windows(self.tip, self.windows)
            self.windows = set()
        if created and self.deliver:
            request_delivery()
        return self.count


# --- A tip is routed -----------------------------------------------------------------------


def alert_routed(
    *,
    tip: Tip,
    routings: list[Routing],
    kind: str = Kind.NEW_TIP,
    now: datetime | None = None,
    by_tipster: bool = False,
    only_routings: bool = False,
) -> list[Notification]:
    """Alert about ``routings``, just made (at intake, or by a coordinator's re-route), start
    the ladder of each responsible one when the tip is life-safety, and tell the
    coordinators (and the fallback) about agencies nobody can be reached at.

    ``by_tipster``: the routing follows the tipster's submission, so the alerts and audit
    events carry the tip's hour and wait for the worker's tick (SECURITY.md 37); only the
    ladder's deadlines keep an exact time. ``only_routings``: ``routings`` are all the tip
    has (a tip being submitted), so they are not read again; each is given its agency as
    just read, so that saying who was told (``told.told_after_submit``) reads nothing.
    Routings not saved yet (no id) are left for the caller to insert with the ladder's
    fields set here, instead of an UPDATE after their INSERT.

    Returns the alert rows written."""
    now = now or timezone.now()
    at = tip.received_at if by_tipster else hour_of(now)
    everything = list(routings) if only_routings else list(Routing.objects.filter(tip=tip).select_related("agency"))
    ladder_fields = ["unreachable", "ladder_rung", "escalation_due_at"]
    as_saved = [tuple(getattr(r, name) for name in ladder_fields) for r in routings]
    reach = ladder.Reach.load({r.agency_id for r in everything}, now=now)
    batch = AlertBatch(tip, kind, at=at, deliver=not by_tipster, texts=reach.texts, new_tip=only_routings)
    for routing in routings:
        agency = reach.agency(routing.agency_id)
        if not Routing.agency.is_cached(routing):
            routing.agency = agency.agency
        if tip.is_life_safety and routing.role == RoutingRole.RESPONSIBLE:
            _start_ladder(batch, reach, routing, tip, now)
        elif tip.is_life_safety:
            batch.send(
                ladder.Recipients(people=tuple(p.user for p in agency.people if p.reachable)),
                agency_id=routing.agency_id,
                reason="life_safety",
            )
        else:
            batch.send(
                ladder.Recipients(people=tuple(p.user for p in agency.immediate)),
                agency_id=routing.agency_id,
                reason="immediate",
            )
            routing.unreachable = routing.role == RoutingRole.RESPONSIBLE and not agency.reachable_for_routine
    # One UPDATE per set of values among those that changed (the routings of a tip mostly
    # change alike): cheaper to build than a bulk_update's CASE per column and routing. None
    # for a routine tip whose agencies can all be reached.
    changed: dict[tuple[Any, ...], list[int]] = {}
    for r, saved in zip(routings, as_saved, strict=True):
        now_set = tuple(getattr(r, name) for name in ladder_fields)
        if now_set != saved and r.pk is not None:
            changed.setdefault(now_set, []).append(r.pk)
    for values, pks in changed.items():
        Routing.objects.filter(pk__in=pks).update(**dict(zip(ladder_fields, values, strict=True)))

    if only_routings:  # maybe not saved yet: no ids to merge by
        current = routings
    else:
        current = list(({r.pk: r for r in everything} | {r.pk: r for r in routings}).values())
    responsible = [r for r in current if r.role == RoutingRole.RESPONSIBLE]
    unreachable = [r for r in routings if r.role == RoutingRole.RESPONSIBLE and r.unreachable]
    if unreachable and all(r.unreachable and not r.acknowledged_at for r in responsible):
        _nobody_can_take_it(batch, reach, tip, unreachable, now)
    batch.done()
    return batch.written


def _start_ladder(batch: AlertBatch, reach: ladder.Reach, routing: Routing, tip: Tip, now: datetime) -> None:
    agency = reach.agency(routing.agency_id)
    routing.unreachable = not agency.reachable_for_life_safety
    rungs = ladder.first_steps(reach, routing.agency_id, tip.category)
    for rung in rungs:
        kind = None if rung in ladder.AGENCY_RUNGS else Kind.UNREACHABLE
        notified = batch.send(
            reach.recipients(rung, routing.agency_id),
            agency_id=routing.agency_id,
            reason=ladder.REASON[rung],
            kind=kind,
        )
        if kind == Kind.UNREACHABLE:
            _record_step(
                tip, routing, rung, at=batch.at, level=0, notified=notified, why="no one at the agency can be reached"
            )
    routing.ladder_rung = rungs[-1] if rungs else 0
    routing.escalation_due_at = now + ladder.wait_after(
        rungs[-1] if rungs else Rung.FALLBACK, reach, routing.agency_id, tip.category
    )
    if not rungs:
        logger.error(
            "Tip %s: nobody at all to alert for %s (no coordinators, no fallback).", tip.reference, routing.agency
        )


def _nobody_can_take_it(
    batch: AlertBatch, reach: ladder.Reach, tip: Tip, unreachable: list[Routing], now: datetime
) -> None:
    """None of the tip's responsible agencies can be reached (SECURITY.md 44)."""
    first = unreachable[0]
    if tip.is_life_safety:
        notified = batch.send(
            reach.recipients(Rung.FALLBACK, first.agency_id),
            agency_id=first.agency_id,
            reason=ladder.REASON[Rung.FALLBACK],
            kind=Kind.UNREACHABLE,
        )
        if notified or reach.fallback:
            for routing in unreachable:
                routing.ladder_rung = Rung.FALLBACK
                routing.escalation_due_at = now + ladder.wait_after(
                    Rung.FALLBACK, reach, routing.agency_id, tip.category
                )
                if routing.pk is not None:  # else its INSERT carries them (alert_routed)
                    routing.save(update_fields=["ladder_rung", "escalation_due_at"])
            _record_step(
                tip,
                first,
                Rung.FALLBACK,
                at=batch.at,
                level=0,
                notified=notified,
                why="no responsible agency can be reached",
            )
        else:
            logger.error("Tip %s: no 24/7 fallback is configured (ALERT_FALLBACK_EMAIL).", tip.reference)
        return
    wanting = [
        p.user for p in reach.coordinators if p.reachable and p.new_tip_alerts == Membership.NewTipAlerts.IMMEDIATELY
    ]
    batch.send(
        ladder.Recipients(people=tuple(wanting)), agency_id=first.agency_id, reason="unowned", kind=Kind.UNREACHABLE
    )


def _record_step(
    tip: Tip, routing: Routing, rung: Rung, *, at: datetime | None, level: int, notified: int, why: str = ""
) -> None:
    detail = {"level": level, "step": str(rung.label), "agency": routing.agency.name, "notified": notified}
    if why:
        detail["why"] = why
    audit.record(AuditEvent.Action.ESCALATION, tip=tip, at=at, **detail)


# --- The tipster writes --------------------------------------------------------------------


def alert_tipster_message(tip: Tip, *, at: datetime | None = None) -> int:
    """Alert about a new message from the tipster; returns how many were alerted. Someone
    always is, if anyone can be (the coalescing window aside). The alerts carry the hour of
    the message (``at``) and wait for the worker's tick (SECURITY.md 37)."""
    routings = list(Routing.objects.filter(tip=tip).select_related("agency"))
    reach = ladder.Reach.load({r.agency_id for r in routings})
    batch = AlertBatch(tip, Kind.TIPSTER_MESSAGE, at=at or this_hour(), deliver=False)
    if tip.is_life_safety:
        for routing in routings:
            agency = reach.agency(routing.agency_id)
            batch.send(
                ladder.Recipients(people=tuple(p.user for p in agency.people if p.reachable)),
                agency_id=routing.agency_id,
                reason="life_safety",
            )
        responsible = [r for r in routings if r.role == RoutingRole.RESPONSIBLE]
        for routing in responsible:
            if not reach.agency(routing.agency_id).reachable_for_life_safety:
                batch.send(
                    reach.recipients(Rung.COORDINATORS, routing.agency_id),
                    agency_id=routing.agency_id,
                    reason=ladder.REASON[Rung.COORDINATORS],
                )
        if responsible and not any(reach.agency(r.agency_id).reachable_for_life_safety for r in responsible):
            batch.send(
                reach.recipients(Rung.FALLBACK, responsible[0].agency_id),
                agency_id=responsible[0].agency_id,
                reason=ladder.REASON[Rung.FALLBACK],
            )
        return batch.done()
    assignees = _assignees_wanting_alerts(routings)
    if assignees:
        for assignee, agency_id in assignees:
            batch.send(ladder.Recipients(people=(assignee,)), agency_id=agency_id, reason="assignee")
        return batch.done()
    for routing in routings:
        wanting = [p.user for p in reach.agency(routing.agency_id).immediate if p.tipster_message_alerts]
        batch.send(ladder.Recipients(people=tuple(wanting)), agency_id=routing.agency_id, reason="immediate")
    if not batch.people and routings:
        batch.send(
            reach.recipients(Rung.COORDINATORS, routings[0].agency_id),
            agency_id=routings[0].agency_id,
            reason="no_one_else",
        )
    return batch.done()


def _assignees_wanting_alerts(routings: list[Routing]) -> list[tuple]:
    """The people carrying each agency's part (its assignee), with the agency their alert
    names, if they can be reached and asked for tipster-message alerts."""
    assigned = {r.assigned_to_id: r.agency_id for r in reversed(routings) if r.assigned_to_id is not None}
    if not assigned:
        return []
    memberships = Membership.objects.filter(user_id__in=assigned, user__is_active=True, tipster_message_alerts=True)
    wanting: dict[tuple[int, int], Membership] = {}
    coordinating: dict[int, Membership] = {}
    for m in memberships.select_related("user").order_by("pk"):
        wanting[(m.user_id, m.agency_id)] = m
        if m.role == Membership.Role.COORDINATOR:
            coordinating.setdefault(m.user_id, m)
    found = []
    for user_id, agency_id in assigned.items():
        membership = wanting.get((user_id, agency_id)) or coordinating.get(user_id)
        if membership is not None and channels_for(membership.user, urgent=False):
            found.append((membership.user, membership.agency_id))
    return found


# --- A staff reply to a texting tipster ---------------------------------------------------


def queue_text_to_tipster(message: Message, *, thread: TextingTipster, tip: Tip) -> Notification | None:
    """A staff message on a tip sent by text goes to the tipster's phone too, through the
    outbox (``reports.notifications.tipster_texts``). ``thread``: the tip's texting tipster,
    as ``tipster_texts.textable_thread`` found it; None when there is no one to text (the
    number erased or stopped, texts switched off)."""
    if not thread.can_be_texted:
        return None
    urgent = tip.is_life_safety
    notification = Notification.objects.create(
        kind=Notification.Kind.TO_TIPSTER,
        channel=Notification.Channel.SMS,
        tip_id=message.tip_id,
        message=message,
        address=thread.label,
        urgent=urgent,
        reason="staff reply",
    )
    request_delivery()
    return notification


# --- The daily digest ----------------------------------------------------------------------


@transaction.atomic
def queue_daily_digests(*, now: datetime | None = None) -> list[Notification]:
    """One digest row for each member with something to read (see ``reports.notifications.digest``):
    new tips of the day for "digest" members, overdue tips for anyone who gets alerts, and
    unowned tips for coordinators.

    Safe to run twice a day: a member who already has today's digest gets no second one.
    The caller runs it under the scheduler's lock, so two workers cannot both queue it.
    """
    now = now or timezone.now()
    today = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
    already = Notification.objects.filter(kind=Kind.DIGEST, created_at__gte=today).values("recipient_id")
    candidates = (
        Membership.objects.filter(user__is_active=True)
        .exclude(new_tip_alerts=Membership.NewTipAlerts.NONE)
        .exclude(user_id__in=already)
        .select_related("user")
        .order_by("user_id", "agency_id")
    )
    first: dict[int, Membership] = {}
    for membership in candidates:
        first.setdefault(membership.user_id, membership)
    created = []
    for user_id, membership in first.items():
        if digest_for(user_id, queued_at=now, now=now):
            created += alert(
                kind=Kind.DIGEST,
                tip=None,
                agency_id=membership.agency_id,
                people=[membership.user],
                urgent=False,
                reason="digest",
            )
    Notification.objects.filter(pk__in=[n.pk for n in created]).update(created_at=now)
    return created
