"""Database sessions whose expiry says only the hour (SECURITY.md 37).

Django stores each session with ``expire_date`` = the moment it was last saved plus its
age: for a tipster who opened their tip or replied, that moment is the time of the act.
Here the stored expiry is moved up to the next whole hour, so the row dates nothing
finer than the hour. Sessions last at most an hour longer in the table; the limits that
matter are enforced elsewhere and to the second (a tipster's idle limit by a signed cookie
in ``reports.intake.views``, a staff member's by ``safeschools.middleware``).
"""

from __future__ import annotations

from django.contrib.sessions.backends import db
from django.contrib.sessions.models import Session
from django.utils import timezone

from safeschools.hours import hour_at_or_after


class SessionStore(db.SessionStore):
    def create_model_instance(self, data):
        instance = super().create_model_instance(data)
        instance.expire_date = hour_at_or_after(instance.expire_date)
        return instance


def delete_expired() -> int:
    """Delete every expired session row (the daily job); returns how many."""
    deleted, _ = Session.objects.filter(expire_date__lt=timezone.now()).delete()
    return deleted
