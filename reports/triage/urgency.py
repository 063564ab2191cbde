"""How urgent a tip is, in words for the queue and the tip page: its age, the escalation
clock, the business-day deadline to acknowledge.

A tip's arrival is kept only to the hour (SECURITY.md 37), so its age is known to the
hour: "< 1 h" in its first hour, then whole hours and days. The escalation deadline of an
unacknowledged life-safety tip is the one exact time kept, so its countdown is in minutes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from reports.selectors import business_day_after

HOUR = timedelta(hours=1)


def _hours(delta: timedelta) -> str:
    if delta < HOUR:
        return "< 1 h"
    return f"{delta // HOUR} h" if delta < timedelta(hours=48) else f"{delta.days} d"


def age(received_at: datetime, now: datetime) -> str:
    """How long ago a tip arrived, from the hour it arrived in: "< 1 h", "5 h", "3 d"."""
    return _hours(now - received_at)


def _span(delta: timedelta) -> str:
    minutes = max(1, round(delta.total_seconds() / 60))
    if minutes < 60:
        return f"{minutes} min"
    if minutes < 48 * 60:
        hours, rest = divmod(minutes, 60)
        return f"{hours} h {rest} min" if rest and hours < 10 else f"{hours} h"
    return f"{minutes // (24 * 60)} d"


@dataclass(frozen=True)
class Clock:
    label: str
    overdue: bool


def escalation_clock(due: datetime | None, level: int, now: datetime) -> Clock | None:
    """The running escalation clock of a life-safety tip an agency has not acknowledged."""
    if due is None:
        return None
    if due <= now:
        return Clock(f"Escalation due {_span(now - due)} ago", overdue=True)
    if level:
        return Clock(f"Escalated (level {level}); again in {_span(due - now)}", overdue=True)
    return Clock(f"Escalates in {_span(due - now)}", overdue=False)


def acknowledge_clock(received_at: datetime, now: datetime) -> Clock:
    """Time left to acknowledge within one business day, or how late. The deadline is
    counted from the start of the arrival hour: known to the hour, and never late."""
    deadline = business_day_after(received_at)
    if deadline <= now:
        return Clock(f"Overdue by {_hours(now - deadline)}", overdue=True)
    return Clock(f"Acknowledge within {_hours(deadline - now)}", overdue=False)
