"""Staff alerts by text message: what one says, and sending it (the outbox's "sms" channel).

A text carries what an alert e-mail carries — the tip's reference, URGENT or Normal, the
agency and a link to the tip on the dashboard — and nothing else (SECURITY.md 6): like
``emails``, this module reads a tip's reference and flags with ``values_list`` and never
loads its content, school or category.

An alert that asks for acknowledgement (a new tip, an escalation) ends with "Reply ACK 4821
to acknowledge" when the person can acknowledge it: a member (not a viewer) of an agency
whose routing of the tip is still unacknowledged. The code is the person's for that tip
(``SmsReplyCode``): every text about the tip shows the same code, a person's codes all
differ, and a code is not given again for ``CODE_DAYS``, so a late reply cannot land on
another tip. Replies are handled by ``reports.triage.sms_replies``.
"""

from __future__ import annotations

import logging
import secrets
from datetime import timedelta

from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.utils import timezone

from partners import mobiles
from partners.models import Membership, StaffMobile
from reports.models import Notification, Routing, SmsReplyCode, Tip, this_hour
from reports.notifications import tipster_texts
from reports.notifications.emails import NORMAL, URGENT, NothingToSend, tip_dashboard_url
from safeschools import sms

CODE_DAYS = 30
# Tipster messages on one tip: at most one text per person in this time (SECURITY.md 39);
# the e-mails still go, and the dashboard shows every message.
TIPSTER_MESSAGE_TEXT_EVERY = timedelta(minutes=30)
SENDER = "Safe Schools alert"
logger = logging.getLogger(__name__)


class PermanentSmsFailure(Exception):
    """The provider refused the text for good (see ``safeschools.sms.SmsRejected``)."""


def reply_code(*, recipient_id: int, tip_id: int) -> str:
    """The person's code for the tip: the one they already have, or a new one that none of
    their codes of the last ``CODE_DAYS`` days uses."""
    codes = SmsReplyCode.objects.filter(recipient_id=recipient_id)
    cutoff = this_hour() - timedelta(days=CODE_DAYS)
    existing = codes.filter(tip_id=tip_id, created_at__gte=cutoff).values_list("code", flat=True).first()
    if existing:
        return existing
    codes.filter(created_at__lt=cutoff).delete()
    used = set(codes.values_list("code", flat=True))
    for _ in range(20):
        code = str(1000 + secrets.randbelow(9000))
        if code in used:
            continue
        try:
            with transaction.atomic():
                SmsReplyCode.objects.create(recipient_id=recipient_id, tip_id=tip_id, code=code)
            return code
        except IntegrityError:  # another worker gave this person a code at the same moment
            existing = codes.filter(tip_id=tip_id).values_list("code", flat=True).first()
            if existing:
                return existing
            used.add(code)
    raise RuntimeError("no free reply code for this person")


def can_acknowledge(*, user_id: int, tip_id: int) -> bool:
    """Whether a reply from this person could acknowledge the tip now."""
    acting = Membership.objects.filter(user_id=user_id).exclude(role=Membership.Role.VIEWER).values("agency_id")
    return Routing.objects.filter(tip_id=tip_id, agency_id__in=acting, acknowledged_at=None).exists()


def render(notification: Notification) -> str:
    """The text of one alert. ``notification`` comes with its ``agency`` (select_related)."""
    kind = Notification.Kind(notification.kind)
    if kind == Notification.Kind.DIGEST:
        raise NothingToSend("digests go by e-mail only")
    reference = Tip.objects.filter(pk=notification.tip_id).values_list("reference", flat=True).first()
    if reference is None:
        raise NothingToSend("the tip no longer exists")
    agency = notification.agency.name if notification.agency_id else "your agency"
    link = tip_dashboard_url(notification.tip_id)
    if kind == Notification.Kind.NEW_TIP:
        priority = URGENT if notification.urgent else NORMAL
        text = f"{SENDER}, {priority}: new tip {reference} for {agency}. {link}"
    elif kind == Notification.Kind.ESCALATION:
        text = f"{SENDER}, {URGENT}: tip {reference} is not acknowledged yet ({agency}). {link}"
    elif kind == Notification.Kind.REROUTED:
        priority = URGENT if notification.urgent else NORMAL
        text = f"{SENDER}, {priority}: tip {reference} was re-routed to {agency}. {link}"
    elif kind == Notification.Kind.UNREACHABLE:
        priority = URGENT if notification.urgent else NORMAL
        return f"{SENDER}, {priority}: tip {reference} reaches no one at {agency}; please act or phone them. {link}"
    else:
        priority = URGENT if notification.urgent else NORMAL
        return f"{SENDER}, {priority}: the tipster wrote on {reference} ({agency}). {link}"
    # The 24/7 fallback (an address, no account) cannot acknowledge by reply: it has the link.
    if notification.recipient_id is not None and can_acknowledge(
        user_id=notification.recipient_id, tip_id=notification.tip_id
    ):
        code = reply_code(recipient_id=notification.recipient_id, tip_id=notification.tip_id)
        text += f" Reply ACK {code} to acknowledge."
    return text


def _text_window_key(notification: Notification) -> str:
    return f"sms-tipster-text:{notification.tip_id}:{notification.recipient_id}"


def _coalesced(notification: Notification) -> bool:
    """Whether a text about this tip's messages went to this person in the last
    ``TIPSTER_MESSAGE_TEXT_EVERY``. Kept in the shared cache (set once a text has gone),
    not read from ``sent_at``, which keeps only the hour of the tipster's act
    (SECURITY.md 37). The entry holds when the text went, read against our own clock (as
    ``alerts._first_in_window`` does: cache expiry follows the cache server's clock). A
    cache failure lets the text through: a text too many, never a lost one."""
    try:
        texted = cache.get(_text_window_key(notification))
    except Exception:
        logger.warning("cache unavailable: tipster-message texts not coalesced", exc_info=True)
        return False
    window = TIPSTER_MESSAGE_TEXT_EVERY.total_seconds()
    return texted is not None and timezone.now().timestamp() - float(texted) < window


def _texted(notification: Notification) -> None:
    window = int(TIPSTER_MESSAGE_TEXT_EVERY.total_seconds())
    try:
        cache.set(_text_window_key(notification), timezone.now().timestamp(), window)
    except Exception:
        logger.warning("cache unavailable: tipster-message texts not coalesced", exc_info=True)


def send_alert(notification: Notification) -> str:
    """Text one outbox row to its recipient's verified mobile; returns the provider's id.
    Raises ``NothingToSend`` when the text has lost its reason (no textable number now,
    texts switched off, a tipster message texted a moment ago), ``PermanentSmsFailure``
    when the provider refuses it for good, and ``safeschools.sms.SmsError`` to retry."""
    if not sms.enabled():
        raise NothingToSend("text messages are switched off")
    if notification.kind == Notification.Kind.TO_TIPSTER:
        try:
            return tipster_texts.send(notification)
        except tipster_texts.TextRefused as exc:
            raise PermanentSmsFailure(str(exc)) from None
    if notification.recipient_id is None:  # the 24/7 fallback's own number
        if not notification.address:
            raise PermanentSmsFailure("no number to text")
        try:
            return sms.send(to=notification.address, body=render(notification))
        except sms.SmsRejected as exc:
            raise PermanentSmsFailure(str(exc)) from None
    mobile = StaffMobile.objects.textable().filter(user_id=notification.recipient_id).first()
    if mobile is None:
        raise NothingToSend("the recipient has no mobile to text now (removed, or replied STOP)")
    if notification.kind == Notification.Kind.TIPSTER_MESSAGE and _coalesced(notification):
        raise NothingToSend("a text about this tip's messages went to this person a moment ago")
    body = render(notification)
    try:
        provider_id = sms.send(to=mobile.number, body=body)
    except sms.SmsRejected as exc:
        if exc.code == sms.UNSUBSCRIBED:
            mobiles.stop(mobile, how="at the provider (the phone replied STOP)")
        raise PermanentSmsFailure(str(exc)) from None
    if notification.kind == Notification.Kind.TIPSTER_MESSAGE:
        _texted(notification)
    return provider_id
