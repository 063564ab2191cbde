"""The second step of staff sign-in (/staff/account/verify/): a TOTP code or a recovery code."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_static.models import StaticToken

from partners.account import two_factor
from safeschools.models import AuditEvent

PASSWORD = "correct horse battery staple"
VERIFY = "/staff/account/verify/"
NOON = datetime(2025, 3, 4, 12, 0, 5, tzinfo=UTC)


@pytest.fixture
def clock():
    with time_machine.travel(NOON, tick=False) as traveller:
        yield traveller


def password_step(client, username="olsen"):
    response = client.post("/staff/account/login/", {"username": username, "password": PASSWORD, "next": "/staff/"})
    assert response.status_code == 302, response.content.decode()[:500]


@pytest.mark.django_db
def test_password_then_code_reaches_the_dashboard(client, clock, officer_olsen, totp_device, totp_code):
    device = totp_device(officer_olsen)
    password_step(client)
    key_after_password = client.session.session_key

    page = client.get(f"{VERIFY}?next=/staff/")
    body = page.content.decode()
    assert 'autocomplete="one-time-code"' in body and 'inputmode="numeric"' in body
    assert 'for="id_code"' in body

    response = client.post(VERIFY, {"code": totp_code(device), "next": "/staff/"})

    assert response.status_code == 302 and response["Location"] == "/staff/"
    assert client.session[DEVICE_ID_SESSION_KEY] == device.persistent_id
    assert client.session.session_key != key_after_password  # rotated again at verification
    assert client.get("/staff/").status_code == 200
    event = AuditEvent.objects.get(action=AuditEvent.Action.SIGN_IN)
    assert event.actor_id == officer_olsen.pk and event.detail == {"method": "totp"}


@pytest.mark.django_db
def test_wrong_code_is_refused(client, clock, officer_olsen, totp_device, totp_code):
    device = totp_device(officer_olsen)
    password_step(client)
    wrong = f"{(int(totp_code(device)) + 1) % 1_000_000:06d}"

    response = client.post(VERIFY, {"code": wrong})

    assert response.status_code == 200
    assert "That code did not work" in response.content.decode()
    assert DEVICE_ID_SESSION_KEY not in client.session
    assert client.get("/staff/").status_code == 302
    failure = AuditEvent.objects.get(action=AuditEvent.Action.SIGN_IN_FAILED)
    assert failure.detail == {"stage": "second_factor"} and wrong not in str(failure.detail)


@pytest.mark.django_db
def test_code_after_wrong_ones_waits_for_the_throttle(client, clock, officer_olsen, totp_device, totp_code):
    device = totp_device(officer_olsen)
    password_step(client)
    client.post(VERIFY, {"code": "000000" if totp_code(device) != "000000" else "111111"})

    throttled = client.post(VERIFY, {"code": totp_code(device)})
    assert "Too many wrong codes" in throttled.content.decode()

    clock.shift(timedelta(seconds=2))
    assert client.post(VERIFY, {"code": totp_code(device)}).status_code == 302


@pytest.mark.django_db
def test_replayed_code_is_refused_in_another_session(clock, officer_olsen, totp_device, totp_code):
    device = totp_device(officer_olsen)
    first, second = Client(), Client()
    password_step(first)
    password_step(second)
    code = totp_code(device)
    assert first.post(VERIFY, {"code": code}).status_code == 302

    replay = second.post(VERIFY, {"code": code})

    assert replay.status_code == 200
    assert DEVICE_ID_SESSION_KEY not in second.session
    # The next code from the app works.
    clock.shift(timedelta(seconds=30))
    assert second.post(VERIFY, {"code": totp_code(device)}).status_code == 302


@pytest.mark.django_db
def test_recovery_code_works_once(clock, officer_olsen, totp_device):
    totp_device(officer_olsen)
    codes = two_factor.issue_recovery_codes(officer_olsen)
    first, second = Client(), Client()
    password_step(first)

    response = first.post(VERIFY, {"recovery_code": f"{codes[0][:4].upper()}-{codes[0][4:]}"})

    assert response.status_code == 302
    assert first.session[DEVICE_ID_SESSION_KEY].startswith("otp_static.staticdevice/")
    assert first.get("/staff/").status_code == 200
    assert StaticToken.objects.filter(device__user=officer_olsen).count() == 9
    assert AuditEvent.objects.get(action=AuditEvent.Action.SIGN_IN).detail == {"method": "recovery_code"}

    password_step(second)
    assert second.post(VERIFY, {"recovery_code": codes[0]}).status_code == 200
    assert DEVICE_ID_SESSION_KEY not in second.session


@pytest.mark.django_db
def test_code_and_recovery_code_together_are_refused(client, clock, officer_olsen, totp_device, totp_code):
    device = totp_device(officer_olsen)
    codes = two_factor.issue_recovery_codes(officer_olsen)
    password_step(client)
    response = client.post(VERIFY, {"code": totp_code(device), "recovery_code": codes[0]})
    assert "either the code from your app or one recovery code" in response.content.decode()
    assert DEVICE_ID_SESSION_KEY not in client.session


@pytest.mark.django_db
def test_anonymous_visitor_is_sent_to_the_password_step(client):
    response = client.get(VERIFY)
    assert response.status_code == 302
    assert response["Location"].startswith("/staff/account/login/")


@pytest.mark.django_db
def test_user_without_authenticator_is_sent_to_enrolment(client, officer_olsen):
    password_step(client)
    response = client.get(f"{VERIFY}?next=/staff/")
    assert response["Location"] == "/staff/account/setup/?next=%2Fstaff%2F"
