"""A staff session is not written on every page view: the idle clock moves at most once a
minute, so a busy officer's requests do not each UPDATE the session row."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.contrib.sessions.models import Session

from safeschools.middleware import LAST_SEEN_AT


@pytest.fixture
def clock():
    with time_machine.travel(datetime(2025, 3, 4, 8, 0, tzinfo=UTC), tick=False) as traveller:
        yield traveller


def stored_last_seen(client) -> float:
    session = Session.objects.get(session_key=client.cookies["sessionid"].value)
    return session.get_decoded()[LAST_SEEN_AT]


@pytest.mark.django_db
def test_requests_within_a_minute_do_not_write_the_session(client, clock, officer_olsen, login_verified):
    login_verified(client, officer_olsen)
    client.get("/staff/")
    first = stored_last_seen(client)
    clock.shift(timedelta(seconds=30))
    client.get("/staff/")
    assert stored_last_seen(client) == first
    clock.shift(timedelta(seconds=31))
    client.get("/staff/")
    assert stored_last_seen(client) == first + 61


@pytest.mark.django_db
def test_idle_limit_still_holds_to_within_a_minute(client, clock, officer_olsen, login_verified):
    login_verified(client, officer_olsen)
    client.get("/staff/")
    clock.shift(timedelta(seconds=50))
    assert client.get("/staff/").status_code == 200  # not written: the clock stays at 0 s
    clock.shift(timedelta(minutes=29, seconds=11))  # 30 min 1 s after the write, 29 min 11 s idle
    response = client.get("/staff/")
    assert response.status_code == 302 and response["Location"].startswith("/staff/account/login/")
