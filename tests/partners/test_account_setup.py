"""Enrolment of an authenticator (/staff/account/setup/) for staff who have none yet."""

import re
from datetime import UTC, datetime

import pytest
import time_machine
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from safeschools.models import AuditEvent

PASSWORD = "correct horse battery staple"
SETUP = "/staff/account/setup/"


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(datetime(2025, 3, 4, 12, 0, 5, tzinfo=UTC), tick=False) as traveller:
        yield traveller


def code_for(secret_b32: str) -> str:
    """What an app shows after the user typed ``secret_b32`` into it."""
    from base64 import b32decode

    padded = secret_b32 + "=" * (-len(secret_b32) % 8)
    return f"{totp(b32decode(padded)):06d}"


def password_step(client):
    client.post("/staff/account/login/", {"username": "olsen", "password": PASSWORD})


@pytest.mark.django_db
def test_setup_page_shows_an_inline_svg_qr_code_and_the_key(client, officer_olsen):
    password_step(client)

    response = client.get(SETUP)

    body = response.content.decode()
    assert response.status_code == 200
    svg = re.search(r"<svg [^>]*>.*?</svg>", body, re.S).group(0)
    assert 'role="img"' in svg and "<path" in svg
    assert "style=" not in body and "data:" not in body and "<script>" not in body
    secret = re.search(r'<code class="fs-5" id="totp-secret">([A-Z2-7]+)</code>', body).group(1)
    assert len(secret) == 32
    assert 'autocomplete="one-time-code"' in body and 'inputmode="numeric"' in body
    # Nothing is stored until a code proves the app has the key; a reload shows the same key.
    assert not TOTPDevice.objects.exists()
    assert secret in client.get(SETUP).content.decode()


@pytest.mark.django_db
def test_confirming_with_a_code_saves_the_device_and_shows_ten_recovery_codes_once(client, officer_olsen):
    password_step(client)
    body = client.get(SETUP).content.decode()
    secret = re.search(r'id="totp-secret">([A-Z2-7]+)<', body).group(1)
    key_before = client.session.session_key

    response = client.post(SETUP, {"code": code_for(secret), "next": "/staff/"})

    assert response.status_code == 200
    assert response["Cache-Control"].startswith("max-age=0")
    device = TOTPDevice.objects.get(user=officer_olsen)
    assert device.confirmed and device.last_t > 0  # the enrolment code cannot be used again
    tokens = set(StaticToken.objects.filter(device__user=officer_olsen).values_list("token", flat=True))
    assert len(tokens) == 10
    shown = {
        code.replace("-", "") for code in re.findall(r"<li>([a-z2-7]{4}-[a-z2-7]{4})</li>", response.content.decode())
    }
    assert shown == tokens
    assert 'href="/staff/"' in response.content.decode()
    assert client.session[DEVICE_ID_SESSION_KEY] == device.persistent_id
    assert client.session.session_key != key_before
    assert client.get("/staff/").status_code == 200
    assert AuditEvent.objects.get(action=AuditEvent.Action.SIGN_IN).detail == {"method": "enrolment"}
    # The codes are not shown again: the setup page now sends the user to the code step.
    assert client.get(SETUP)["Location"].startswith("/staff/account/verify/")


@pytest.mark.django_db
def test_wrong_code_at_setup_saves_nothing(client, officer_olsen):
    password_step(client)
    secret = re.search(r'id="totp-secret">([A-Z2-7]+)<', client.get(SETUP).content.decode()).group(1)
    wrong = f"{(int(code_for(secret)) + 1) % 1_000_000:06d}"

    response = client.post(SETUP, {"code": wrong})

    assert response.status_code == 200
    assert "does not match" in response.content.decode()
    assert not TOTPDevice.objects.exists() and not StaticToken.objects.exists()
    assert DEVICE_ID_SESSION_KEY not in client.session


@pytest.mark.django_db
def test_unenrolled_user_cannot_reach_the_dashboard(client, officer_olsen):
    password_step(client)
    response = client.get("/staff/", follow=True)
    assert response.redirect_chain[-1][0] == "/staff/account/setup/?next=%2Fstaff%2F"
    assert DEVICE_ID_SESSION_KEY not in client.session


@pytest.mark.django_db
def test_enrolled_user_cannot_enrol_a_second_device(client, officer_olsen, totp_device):
    totp_device(officer_olsen)
    password_step(client)
    assert client.get(SETUP)["Location"].startswith("/staff/account/verify/")
    assert client.post(SETUP, {"code": "123456"})["Location"].startswith("/staff/account/verify/")
    assert TOTPDevice.objects.filter(user=officer_olsen).count() == 1
