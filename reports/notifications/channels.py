"""By which channels an alert reaches a person: the one place that decides it.

- E-mail whenever the person has an address.
- A text message too when the person has a verified mobile that has not replied STOP and
  text messages are switched on (``SMS_URL``): for every urgent alert (a life-safety tip,
  an escalation), and for the others only if they asked for texts for every alert.
  Urgent alerts therefore go by text *and* e-mail.

Whoever writes alert rows calls ``alert_rows``, which makes one outbox row per channel;
the worker sends each row on its own channel (``reports.notifications.delivery``), so a
mail server that is down does not hold up the text, nor the other way round.
"""

from __future__ import annotations

from collections.abc import Mapping

from django.contrib.auth import get_user_model

from partners.mobiles import textable_user_ids
from reports.models import Notification
from safeschools import sms

EMAIL = Notification.Channel.EMAIL
SMS = Notification.Channel.SMS


def choose(*, has_email: bool, texts: bool | None, urgent: bool) -> list[str]:
    """``texts``: None without a textable mobile, else whether they want every alert by text."""
    channels = [EMAIL] if has_email else []
    if texts is not None and (urgent or texts) and sms.enabled():
        channels.append(SMS)
    return channels


def channels_for(user, *, urgent: bool) -> list[str]:
    """The channels that reach ``user`` now with an alert; empty if none does."""
    if not user.is_active:
        return []
    texts = textable_user_ids([user.pk]).get(user.pk)
    return choose(has_email=bool(user.email), texts=texts, urgent=urgent)


def channels_by_user(user_ids, *, urgent: bool) -> dict[int, list[str]]:
    """``channels_for`` for many people at once, in two queries."""
    user_ids = list(user_ids)
    emails = dict(get_user_model().objects.filter(pk__in=user_ids, is_active=True).values_list("pk", "email"))
    texts = textable_user_ids(user_ids)
    return {
        user_id: choose(has_email=bool(emails.get(user_id)), texts=texts.get(user_id), urgent=urgent)
        for user_id in user_ids
    }


def alert_rows(*, kind: str, recipients: Mapping[int, int | None], urgent: bool, **fields) -> list[Notification]:
    """Unsaved outbox rows for ``recipients`` (user id → id of the agency the alert names):
    one per channel that reaches each person. ``fields`` are the rows' other fields
    (``tip``, ``tip_id``, …). The caller saves them (``bulk_create``).

    A person no channel reaches still gets an e-mail row: its delivery fails at once with
    "no e-mail address", which coordinators see in the outbox, rather than nothing at all.
    """
    channels = channels_by_user(recipients, urgent=urgent)
    return [
        Notification(kind=kind, recipient_id=user_id, agency_id=agency_id, urgent=urgent, channel=channel, **fields)
        for user_id, agency_id in recipients.items()
        for channel in channels[user_id] or [EMAIL]
    ]
