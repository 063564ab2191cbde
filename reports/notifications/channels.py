"""Which ways of reaching a person work, and the 24/7 fallback's addresses.

A channel is a name in ``Notification.channel`` with a sender registered in
``reports.notifications.delivery.CHANNELS``. E-mail always exists. A channel in
``INSTANT_CHANNELS`` is one a person notices at 2 a.m. (a text message, a call): an agency
reachable only by e-mail is "amber" on the coverage page.

To add a channel (SMS): register its sender in ``delivery``, and return its name from
``reachable_channels`` for the people it can reach (a verified mobile number). Alerts,
the ladder, the coverage page and the drill then use it with no other change.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings

EMAIL = "email"
SMS = "sms"
INSTANT_CHANNELS = frozenset({SMS})


def reachable_channels(user) -> set[str]:
    """The channels by which an alert can reach ``user`` now: none for an inactive account."""
    if user is None or not user.is_active:
        return set()
    channels = set()
    if user.email:
        channels.add(EMAIL)
    return channels


def channels_for_alert(user, *, urgent: bool) -> list[str]:
    """The channels one alert to ``user`` goes by: every working one when it is urgent,
    otherwise e-mail alone (or whatever works, for someone without e-mail)."""
    reachable = reachable_channels(user)
    if urgent or EMAIL not in reachable:
        return sorted(reachable)
    return [EMAIL]


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
    numbers once a text-message channel is installed."""
    from reports.notifications.delivery import CHANNELS

    addresses = []
    if settings.ALERT_FALLBACK_EMAIL:
        addresses.append(Address(EMAIL, settings.ALERT_FALLBACK_EMAIL))
    if SMS in CHANNELS:
        addresses += [Address(SMS, phone) for phone in settings.ALERT_FALLBACK_PHONES]
    return Fallback(
        name=settings.ALERT_FALLBACK_NAME,
        email=settings.ALERT_FALLBACK_EMAIL,
        phones=tuple(settings.ALERT_FALLBACK_PHONES),
        addresses=tuple(addresses),
    )
