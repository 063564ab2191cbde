"""django-axes on the staff sign-in: username + address lockout with a cool-off."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from axes.models import AccessAttempt
from django.contrib.auth import SESSION_KEY
from django.test import Client

from safeschools.models import AuditEvent

PASSWORD = "correct horse battery staple"
LOGIN = "/staff/account/login/"
OFFICE = "203.0.113.10"
HOME = "198.51.100.7"


@pytest.fixture
def clock():
    with time_machine.travel(datetime(2025, 3, 4, 8, 0, tzinfo=UTC), tick=False) as traveller:
        yield traveller


def attempt(client, password, address=OFFICE, username="olsen"):
    return client.post(LOGIN, {"username": username, "password": password}, REMOTE_ADDR=address)


@pytest.mark.django_db
def test_five_failures_lock_that_username_and_address_until_the_cool_off(client, clock, officer_olsen):
    for _ in range(4):
        assert attempt(client, "wrong guess").status_code == 200

    fifth = attempt(client, "wrong guess")

    assert fifth.status_code == 429
    body = fifth.content.decode()
    assert "Please wait 15 minutes" in body and "call a Partnership coordinator" in body
    assert body.count("<h1") == 1
    # Locked: even the right password is refused from this address.
    assert attempt(client, PASSWORD).status_code == 429
    assert SESSION_KEY not in client.session
    assert AuditEvent.objects.filter(action=AuditEvent.Action.SIGN_IN_FAILED, detail__reason="locked_out").count() == 2
    assert AccessAttempt.objects.get(username="olsen", ip_address=OFFICE).failures_since_start == 5

    # The same person from another address is not locked out.
    elsewhere = Client()
    assert attempt(elsewhere, PASSWORD, address=HOME).status_code == 302

    # Retrying while locked does not restart the clock; after the cool-off it works again.
    clock.shift(timedelta(minutes=10))
    assert attempt(Client(), PASSWORD).status_code == 429
    clock.shift(timedelta(minutes=5, seconds=1))
    later = Client()
    response = attempt(later, PASSWORD)
    assert response.status_code == 302 and response["Location"].startswith("/staff/account/verify/")


@pytest.mark.django_db
def test_lockout_of_one_username_leaves_others_at_that_address(client, clock, officer_olsen, officer_kim):
    for _ in range(5):
        attempt(client, "wrong guess")
    assert attempt(Client(), PASSWORD, username="kim").status_code == 302


@pytest.mark.django_db
def test_axes_never_stores_the_password(client, clock, officer_olsen):
    attempt(client, "hunter2-secret-guess")
    assert "hunter2-secret-guess" not in AccessAttempt.objects.get().post_data
