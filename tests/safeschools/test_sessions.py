"""Session rows: their stored expiry says only the hour (SECURITY.md 37), and the daily
job deletes the expired ones."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.contrib.sessions.models import Session

from reports import jobs
from safeschools.sessions import SessionStore

AT_09_46_13 = datetime(2026, 3, 3, 15, 46, 13, 250_000, tzinfo=UTC)


@pytest.mark.django_db
def test_a_saved_session_expires_on_a_whole_hour(settings):
    settings.SESSION_COOKIE_AGE = 8 * 3600
    with time_machine.travel(AT_09_46_13, tick=False):
        session = SessionStore()
        session["tipster_tip_id"] = 7
        session.set_expiry(0)
        session.save()
    stored = Session.objects.get(session_key=session.session_key).expire_date
    assert (stored.minute, stored.second, stored.microsecond) == (0, 0, 0)
    assert AT_09_46_13 + timedelta(hours=8) <= stored < AT_09_46_13 + timedelta(hours=9)


@pytest.mark.django_db
def test_the_daily_job_deletes_expired_sessions(settings):
    settings.SESSION_COOKIE_AGE = 3600
    with time_machine.travel(AT_09_46_13, tick=False):
        old = SessionStore()
        old["x"] = 1
        old.save()
    with time_machine.travel(AT_09_46_13 + timedelta(hours=3), tick=False):
        fresh = SessionStore()
        fresh["x"] = 2
        fresh.save()
        result = jobs.daily.call()
    assert result["sessions_deleted"] == 1
    assert list(Session.objects.values_list("session_key", flat=True)) == [fresh.session_key]
