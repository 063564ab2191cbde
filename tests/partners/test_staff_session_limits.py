"""safeschools.middleware.staff_session_limits: idle timeout, absolute limit, deactivation."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.contrib.auth import SESSION_KEY
from django.db import connection
from django.test.utils import CaptureQueriesContext

from safeschools.models import AuditEvent

START = datetime(2025, 3, 4, 8, 0, tzinfo=UTC)


@pytest.fixture
def clock():
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


def signed_out_reason(client) -> str:
    return AuditEvent.objects.get(action=AuditEvent.Action.SIGN_OUT).detail["reason"]


@pytest.mark.django_db
def test_idle_session_is_signed_out_with_a_message(client, clock, officer_olsen, login_verified):
    login_verified(client, officer_olsen)
    assert client.get("/staff/").status_code == 200

    clock.shift(timedelta(minutes=30, seconds=1))
    response = client.get("/staff/")

    assert response.status_code == 302
    assert response["Location"] == "/staff/account/login/?next=/staff/"
    assert SESSION_KEY not in client.session
    assert signed_out_reason(client) == "idle"
    page = client.get(response["Location"]).content.decode()
    assert "signed out after 30 minutes without activity" in page


@pytest.mark.django_db
def test_activity_keeps_the_session_alive(client, clock, officer_olsen, login_verified):
    login_verified(client, officer_olsen)
    for _ in range(4):
        clock.shift(timedelta(minutes=29))
        assert client.get("/staff/").status_code == 200


def session_writes(queries) -> list[str]:
    return [q["sql"] for q in queries if q["sql"].startswith(("UPDATE", "INSERT")) and "django_session" in q["sql"]]


@pytest.mark.django_db
def test_staff_gets_write_the_session_at_most_once_a_minute(client, clock, officer_olsen, login_verified):
    """A session row UPDATE on every staff page would be a write per GET; the idle clock
    needs only minutes."""
    login_verified(client, officer_olsen)
    client.get("/staff/")  # the first request starts the clocks

    for _ in range(3):
        clock.shift(timedelta(seconds=15))
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/staff/").status_code == 200
        assert session_writes(queries.captured_queries) == []

    clock.shift(timedelta(seconds=20))  # 65 s since the last write
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/staff/").status_code == 200
    assert len(session_writes(queries.captured_queries)) == 1


@pytest.mark.django_db
def test_idle_timeout_is_read_from_settings_at_each_request(client, clock, settings, officer_olsen, login_verified):
    login_verified(client, officer_olsen)
    client.get("/staff/")
    settings.STAFF_IDLE_TIMEOUT = timedelta(minutes=5)
    clock.shift(timedelta(minutes=6))
    response = client.get("/staff/", follow=True)
    assert "signed out after 5 minutes without activity" in response.content.decode()


@pytest.mark.django_db
def test_session_ends_at_the_absolute_limit_despite_activity(client, clock, settings, officer_olsen, login_verified):
    settings.STAFF_SESSION_MAX_AGE = timedelta(hours=2)
    login_verified(client, officer_olsen)
    client.get("/staff/")
    for _ in range(4):
        clock.shift(timedelta(minutes=29))
        assert client.get("/staff/").status_code == 200

    clock.shift(timedelta(minutes=5))  # 2 h 1 min since sign-in
    response = client.get("/staff/")

    assert response["Location"].startswith("/staff/account/login/")
    assert SESSION_KEY not in client.session
    assert signed_out_reason(client) == "session_limit"
    assert "at most 2 hours" in client.get(response["Location"]).content.decode()


@pytest.mark.django_db
def test_deactivated_user_is_signed_out(client, officer_olsen, login_verified):
    login_verified(client, officer_olsen)
    assert client.get("/staff/").status_code == 200

    officer_olsen.is_active = False
    officer_olsen.save()
    response = client.get("/staff/")

    assert response["Location"] == "/staff/account/login/?next=/staff/"
    assert SESSION_KEY not in client.session
    event = AuditEvent.objects.get(action=AuditEvent.Action.SIGN_OUT)
    assert event.actor_id == officer_olsen.pk and event.detail == {"reason": "account_inactive"}


@pytest.mark.django_db
def test_public_pages_of_a_tipster_get_no_session(client, site_settings):
    response = client.get("/")
    assert response.status_code == 200
    assert response.cookies == {}


@pytest.mark.django_db
def test_post_after_the_timeout_goes_to_sign_in_without_next(client, clock, officer_olsen, login_verified):
    login_verified(client, officer_olsen)
    client.get("/staff/")
    clock.shift(timedelta(hours=1))
    response = client.post("/staff/account/password/", {})
    assert response["Location"] == "/staff/account/login/"
