"""Times on the tipster's side are kept to the hour (SECURITY.md 1, 37).

Whatever a tipster's act writes (a tip, a message, the alerts and audit rows that follow
from it, their session) carries the hour, never the minute: a school's bell schedule or a
phone's location history could otherwise pick out who was typing at 09:46.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.utils import timezone

HOUR = timedelta(hours=1)


def hour_of(moment: datetime) -> datetime:
    """``moment`` truncated to the start of its hour."""
    return moment.replace(minute=0, second=0, microsecond=0)


def this_hour() -> datetime:
    """Now, truncated to the hour: the only precision kept for anything a tipster does."""
    return hour_of(timezone.now())


def hour_at_or_after(moment: datetime) -> datetime:
    """The first whole hour not before ``moment`` (an expiry moved later, never earlier)."""
    start = hour_of(moment)
    return start if start == moment else start + HOUR


def is_whole_hour(moment: datetime | None) -> bool:
    """Whether ``moment`` says no more than the hour (how a stored time shows it was coarsened)."""
    return moment is not None and (moment.minute, moment.second, moment.microsecond) == (0, 0, 0)
