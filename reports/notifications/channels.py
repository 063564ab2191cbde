"""By which channels an alert reaches a person, and the 24/7 fallback's addresses: the one
place that decides it.

- E-mail whenever the person has an address.
- A text message too when the person has a verified mobile that has not replied STOP and
  text messages are switched on (``SMS_URL``): for every urgent alert (a life-safety tip,
  an escalation, an agency nobody can be reached at), and for the others only if the person
  asked for texts for every alert. Urgent alerts therefore go by text *and* e-mail.

A channel is a name in ``Notification.channel`` with a sender registered in
``reports.notifications.delivery.CHANNELS``. A channel in ``INSTANT_CHANNELS`` is one a
person notices at 2 a.m. (a text message): an agency reachable only by e-mail is "amber"
on the coverage page. The alert-writing function (``alerts.alert``) asks ``channels_by_user``
and makes one outbox row per channel, so a mail server that is down does not hold up the
text, nor the other way round.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model

from partners.mobiles import textable_user_ids
from reports.models import Notification
from safeschools import sms

EMAIL = Notification.Channel.EMAIL.value
SMS = Notification.Channel.SMS.value
INSTANT_CHANNELS = frozenset({SMS})


def choose(*, has_email: bool, texts: bool | None, urgent: bool) -> list[str]:
    """``texts``: None without a textable mobile, else whether they want every alert by text."""
    channels = [EMAIL] if has_email else []
    if texts is not None and (urgent or texts or not has_email) and sms.enabled():
        channels.append(SMS)
    return channels


def reachable_channels(user) -> set[str]:
    """Every channel by which an alert can reach ``user`` now: none for an inactive account."""
    if user is None or not user.is_active:
        return set()
    return set(choose(has_email=bool(user.email), texts=textable_user_ids([user.pk]).get(user.pk), urgent=True))


def channels_for(user, *, urgent: bool) -> list[str]:
    """The channels one alert to ``user`` goes by; empty if none reaches them."""
    if user is None or not user.is_active:
        return []
    return choose(has_email=bool(user.email), texts=textable_user_ids([user.pk]).get(user.pk), urgent=urgent)


def channels_by_user(
    users: Iterable, *, urgent: bool, texts: Mapping[int, bool | None] | None = None
) -> dict[int, list[str]]:
    """``channels_for`` for many people at once (user objects), in one query for the mobiles,
    or none when ``texts`` (user id → ``textable_user_ids``' answer, read just before)
    covers them all."""
    users = [u for u in users if u is not None]
    if texts is None or any(u.pk not in texts for u in users):
        texts = textable_user_ids([u.pk for u in users])
    return {
        u.pk: choose(has_email=bool(u.email), texts=texts.get(u.pk), urgent=urgent) if u.is_active else []
        for u in users
    }


def reachable_by_user(user_ids: Iterable[int]) -> dict[int, set[str]]:
    """``reachable_channels`` for many people by id (the coverage page and the ladder)."""
    user_ids = list(user_ids)
    emails = dict(get_user_model().objects.filter(pk__in=user_ids, is_active=True).values_list("pk", "email"))
    texts = textable_user_ids(user_ids)
    return {
        user_id: set(choose(has_email=bool(emails[user_id]), texts=texts.get(user_id), urgent=True))
        if user_id in emails
        else set()
        for user_id in user_ids
    }


@dataclass(frozen=True)
class Address:
    """A plain address an alert can go to without a user account: the fallback's."""

    channel: str
    address: str


@dataclass(frozen=True)
class Fallback:
    """The 24/7 fallback from the settings (``ALERT_FALLBACK_*``)."""

    name: str
    email: str
    phones: tuple[str, ...]
    addresses: tuple[Address, ...]

    def __bool__(self) -> bool:
        return bool(self.addresses)

    @property
    def channels(self) -> set[str]:
        return {address.channel for address in self.addresses}


def fallback() -> Fallback:
    """The fallback and the addresses that can reach it now: its e-mail, and its phone
    numbers while text messages are switched on."""
    addresses = []
    if settings.ALERT_FALLBACK_EMAIL:
        addresses.append(Address(EMAIL, settings.ALERT_FALLBACK_EMAIL))
    if sms.enabled():
        addresses += [Address(SMS, phone) for phone in settings.ALERT_FALLBACK_PHONES]
    return Fallback(
        name=settings.ALERT_FALLBACK_NAME,
        email=settings.ALERT_FALLBACK_EMAIL,
        phones=tuple(settings.ALERT_FALLBACK_PHONES),
        addresses=tuple(addresses),
    )
