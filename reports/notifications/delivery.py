"""Delivering the outbox (SECURITY.md 31): any number of workers, on any number of machines,
take due ``Notification`` rows, send each on its channel, and record the outcome.

How a row is claimed
--------------------
A worker claims one row at a time, in a short transaction: it locks a due row with
``SELECT … FOR UPDATE SKIP LOCKED`` (a second worker skips that row instead of waiting for
it), moves it to ``sending``, counts the attempt and sets ``next_attempt_at`` to the end of
a lease (``LEASE``). It commits, then sends outside any transaction, so no row lock (and,
on SQLite, no database write lock) is held while a mail server thinks. The outcome is
written only if the row is still as this worker left it (``sending``, same attempt count):
the attempt count is the fencing token that stops a worker whose lease ran out from
overwriting the row after another worker took it over. The conditional claim also keeps
SQLite, which has no row locks, correct.

- Two workers racing for the outbox: each row is claimed by exactly one of them.
- A send that fails: the row goes back to ``pending`` and waits ``retry_delay(attempts)``,
  doubling from 30 s up to 10 min; after ``MAX_ATTEMPTS`` (about three and a half hours of
  trying) it is ``failed``, with the error, for coordinators to see and retry in the admin.
  A mail server down for an hour loses nothing: the rows wait and go out when it returns.
- A problem retrying cannot fix (no channel backend, no address) fails the row at once.
- A worker killed mid-delivery: its row stays ``sending`` until the lease ends, then any
  worker claims it again. Nothing is lost.

At-least-once, not exactly-once, across a crash
-----------------------------------------------
Each row is sent once in every case but one: the worker dies (or loses the database)
after the mail server accepted the message and before the row is marked ``sent``. The
lease then expires and another worker sends it again, so that person gets the alert
twice. SMTP has no way to ask "did you already accept this?", so no design can close that
window; between a lost life-safety alert and a duplicate one, we choose the duplicate.
Every message carries a Message-ID derived from its row, so a second copy is recognisable
(and dropped by mail systems that de-duplicate).

Times
-----
The moment a worker sends an alert about a tip is seconds after the tipster's act, so it
is not kept (SECURITY.md 37): a settled row's ``next_attempt_at`` and ``sent_at``, and the
audit event of its outcome, carry the row's ``created_at``, the hour of the act. A failed
attempt's retry time is real until the row settles. Success lines go to the debug log only,
and failure lines name no alert: a log's own timestamps would date the tip otherwise.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta

from django.db import transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone
from django_tasks import task

from reports.models import Notification, Routing, RoutingRole, Tip
from reports.notifications import emails, sms
from safeschools import audit
from safeschools.models import AuditEvent
from safeschools.schedule import ensure_schedule

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 25
FIRST_RETRY = timedelta(seconds=30)
LONGEST_RETRY = timedelta(minutes=10)
# Longer than any one send can take (EMAIL_TIMEOUT is 15 s per SMTP step).
LEASE = timedelta(minutes=2)
ERROR_LENGTH = Notification._meta.get_field("last_error").max_length


class DeliveryError(Exception):
    """A send failed; it may work if tried again later."""


class PermanentDeliveryError(DeliveryError):
    """A send failed in a way that trying again cannot fix."""


# --- Channels ----------------------------------------------------------------------------


class Channel:
    """One way of reaching a person. ``send`` delivers one notification or raises.

    A channel is registered under the value of ``Notification.channel`` it handles ("email",
    "sms"). To add voice, write a subclass that calls the provider, register it under
    "voice", and queue rows with that channel; nothing else in the worker changes.
    """

    def send(self, notification: Notification) -> None:
        raise NotImplementedError


CHANNELS: dict[str, type[Channel]] = {}


def register_channel(name: str):
    def register(cls: type[Channel]) -> type[Channel]:
        CHANNELS[name] = cls
        return cls

    return register


def channel_for(name: str) -> Channel:
    try:
        return CHANNELS[name]()
    except KeyError:
        raise PermanentDeliveryError(f"No delivery backend for channel {name!r}.") from None


@register_channel("email")
class EmailChannel(Channel):
    """E-mail through Django's mail backend: SMTP in production (``EMAIL_URL``)."""

    def send(self, notification: Notification) -> None:
        if notification.recipient_id is not None and not notification.recipient.email:
            raise PermanentDeliveryError(f"{notification.recipient.get_username()} has no e-mail address.")
        emails.build_message(notification).send(fail_silently=False)


@register_channel("sms")
class SmsChannel(Channel):
    """Text messages through ``safeschools.sms`` (Twilio, or the console under ``make run``).
    A refusal for good (HTTP 4xx) fails the row at once; a timeout, no connection or an
    HTTP 5xx is retried like a mail server that is down."""

    def send(self, notification: Notification) -> None:
        try:
            sms.send_alert(notification)
        except sms.PermanentSmsFailure as exc:
            raise PermanentDeliveryError(str(exc)) from None


# --- The outbox ----------------------------------------------------------------------------


@dataclass
class DeliveryReport:
    sent: int = 0
    retrying: int = 0
    failed: int = 0
    cancelled: int = 0

    def as_dict(self) -> dict[str, int]:
        return {"sent": self.sent, "retrying": self.retrying, "failed": self.failed, "cancelled": self.cancelled}


def retry_delay(attempts: int) -> timedelta:
    """How long to wait after the ``attempts``-th failed attempt: 30 s, 1, 2, 4, 8, then 10 min."""
    return min(FIRST_RETRY * 2 ** (attempts - 1), LONGEST_RETRY)


def _due(now) -> QuerySet[Notification]:
    """Pending rows whose time has come, and rows whose worker's lease has run out."""
    return Notification.objects.filter(
        Q(status=Notification.Status.PENDING) | Q(status=Notification.Status.SENDING),
        next_attempt_at__lte=now,
        attempts__lt=MAX_ATTEMPTS,
    )


def claim_next() -> Notification | None:
    """Take the next due row for this worker, or None when nothing is due."""
    for _ in range(5):
        now = timezone.now()
        with transaction.atomic():
            row = (
                _due(now)
                .select_for_update(skip_locked=True)
                .order_by("-urgent", "next_attempt_at", "id")
                .values_list("pk", "status", "attempts")
                .first()
            )
            if row is None:
                return None
            pk, status, attempts = row
            claimed = Notification.objects.filter(pk=pk, status=status, attempts=attempts).update(
                status=Notification.Status.SENDING, attempts=attempts + 1, next_attempt_at=now + LEASE
            )
        if claimed:
            return Notification.objects.select_related("recipient", "agency").get(pk=pk)
        # Another worker took it between our read and our update (only possible without
        # row locks, i.e. on SQLite): try the next one.
    return None


def _finish(notification: Notification, **changes) -> bool:
    """Write the outcome if this worker still holds the row. A settled row's times are the
    hour it was created (see Times, above)."""
    if changes.get("status") != Notification.Status.PENDING:
        changes["next_attempt_at"] = notification.created_at
        if "sent_at" in changes and notification.tip_id is not None:
            changes["sent_at"] = notification.created_at
    updated = Notification.objects.filter(
        pk=notification.pk, status=Notification.Status.SENDING, attempts=notification.attempts
    ).update(**changes)
    if not updated:
        logger.warning(
            "Alert %s: lease lost before the outcome was recorded; another worker has it (possible duplicate).",
            notification.pk,
        )
    return bool(updated)


def _tip_reference(tip_id: int | None) -> Tip | None:
    """The tip with only its id and reference loaded: its encrypted content is not needed
    (nor decrypted) to write the timeline."""
    if tip_id is None:
        return None
    return Tip.objects.only("reference").filter(pk=tip_id).first()


def _audit(notification: Notification, outcome: str, **detail) -> None:
    tip = _tip_reference(notification.tip_id)
    if tip is None:
        return
    audit.record(
        AuditEvent.Action.NOTIFICATION,
        tip=tip,
        at=notification.created_at,
        outcome=outcome,
        kind=notification.kind,
        recipient=notification.recipient_label,
        agency=notification.agency.name if notification.agency_id else "",
        channel=notification.channel,
        attempts=notification.attempts,
        **detail,
    )


def _escalation_over(notification: Notification) -> bool:
    """The escalation has ended since the alert was queued: the tip is closed (every
    responsible agency finished its part), or every responsible agency has acknowledged (or
    been acknowledged for; finishing a part acknowledges it)."""
    state = Tip.objects.filter(pk=notification.tip_id).values_list("state", flat=True).first()
    if state is None or state == Tip.State.DONE:
        return True
    return not Routing.objects.filter(
        tip_id=notification.tip_id, role=RoutingRole.RESPONSIBLE, acknowledged_at__isnull=True
    ).exists()


def deliver(notification: Notification) -> str:
    """Send one claimed row and record what happened: "sent", "retrying", "failed" or
    "cancelled" (an escalation whose reason is gone: see ``_escalation_over``)."""
    if notification.kind == Notification.Kind.ESCALATION and _escalation_over(notification):
        with transaction.atomic():
            if _finish(notification, status=Notification.Status.CANCELLED, last_error=""):
                _audit(notification, "cancelled", reason="acknowledged")
        return "cancelled"
    try:
        channel_for(notification.channel).send(notification)
    except emails.NothingToSend as exc:
        _finish(notification, status=Notification.Status.CANCELLED, last_error=str(exc)[:ERROR_LENGTH])
        return "cancelled"
    except Exception as exc:  # anything a provider raises is a failed attempt, not a crash
        return _record_failure(notification, exc)
    with transaction.atomic():
        if _finish(notification, status=Notification.Status.SENT, sent_at=timezone.now(), last_error=""):
            _audit(notification, "sent")
    logger.debug("Alert %s sent: %s by %s", notification.pk, notification.kind, notification.channel)
    return "sent"


def _record_failure(notification: Notification, exc: Exception) -> str:
    error = f"{type(exc).__name__}: {exc}"[:ERROR_LENGTH]
    final = isinstance(exc, PermanentDeliveryError) or notification.attempts >= MAX_ATTEMPTS
    if final:
        with transaction.atomic():
            if _finish(notification, status=Notification.Status.FAILED, last_error=error):
                _audit(notification, "failed", error=error)
        logger.error("An alert failed for good; coordinators see it in Tips > Notifications: %s", error)
        return "failed"
    retry_at = timezone.now() + retry_delay(notification.attempts)
    _finish(notification, status=Notification.Status.PENDING, next_attempt_at=retry_at, last_error=error)
    logger.warning("An alert could not be sent and will be retried: %s", error)
    return "retrying"


def _fail_abandoned() -> int:
    """Rows whose worker died during their last allowed attempt: failed, not silently stuck."""
    return Notification.objects.filter(
        status=Notification.Status.SENDING, next_attempt_at__lte=timezone.now(), attempts__gte=MAX_ATTEMPTS
    ).update(
        status=Notification.Status.FAILED,
        next_attempt_at=F("created_at"),
        last_error="The worker stopped during the last attempt; the alert may not have been sent.",
    )


def deliver_due(*, limit: int = 500) -> DeliveryReport:
    """Drain the outbox: deliver every due row (at most ``limit``), one claim at a time.
    Safe to run in any number of workers at once."""
    report = DeliveryReport(failed=_fail_abandoned())
    for _ in range(limit):
        notification = claim_next()
        if notification is None:
            break
        outcome = deliver(notification)
        setattr(report, outcome, getattr(report, outcome) + 1)
    return report


def request_delivery() -> None:
    """Ask a worker to drain the outbox as soon as the current transaction commits.

    Best effort: if enqueueing fails, the error is logged and the caller's work stands;
    the worker's periodic tick delivers the rows anyway (SECURITY.md 29).
    """

    transaction.on_commit(deliver_notifications.enqueue, robust=True)


@task(priority=10)
def deliver_notifications() -> None:
    """Drain the outbox now (enqueued when a staff action queues alerts). It also restarts
    any recurring chain that has stopped, so one drain heals a lost schedule. It returns
    nothing: a task result keeps its finish time, and counts of alerts sent beside it would
    date the tips they were about (SECURITY.md 37)."""
    ensure_schedule()
    deliver_due()


@transaction.atomic
def retry_failed(notifications: QuerySet[Notification], *, by) -> int:
    """Give failed rows a fresh set of attempts, now (the admin's retry action)."""
    rows = list(notifications.filter(status=Notification.Status.FAILED).select_related("recipient"))
    Notification.objects.filter(pk__in=[n.pk for n in rows], status=Notification.Status.FAILED).update(
        status=Notification.Status.PENDING, attempts=0, next_attempt_at=timezone.now()
    )
    for notification in rows:
        tip = _tip_reference(notification.tip_id)
        if tip is not None:
            audit.record(
                AuditEvent.Action.NOTIFICATION,
                actor=by,
                tip=tip,
                outcome="retry requested",
                kind=notification.kind,
                recipient=notification.recipient_label,
                channel=notification.channel,
            )
    if rows:
        request_delivery()
    return len(rows)
