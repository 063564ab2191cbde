"""Changing a password (/staff/account/password/) keeps this session and ends the others."""

import pytest
from django.contrib.auth import SESSION_KEY
from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY

from safeschools.models import AuditEvent

PASSWORD = "correct horse battery staple"
NEW_PASSWORD = "a quiet heron over the meramec"


@pytest.mark.django_db
def test_password_change_ends_other_sessions(client, officer_olsen, login_verified):
    login_verified(client, officer_olsen)
    laptop = Client()
    login_verified(laptop, officer_olsen)
    assert laptop.get("/staff/").status_code == 200

    response = client.post(
        "/staff/account/password/",
        {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )

    assert response.status_code == 302 and response["Location"] == "/staff/account/password/done/"
    officer_olsen.refresh_from_db()
    assert officer_olsen.check_password(NEW_PASSWORD)
    # This session goes on, still verified; the other one is over.
    assert client.session[DEVICE_ID_SESSION_KEY]
    assert client.get("/staff/").status_code == 200
    assert laptop.get("/staff/").status_code == 302
    assert SESSION_KEY not in laptop.session
    signed_out = AuditEvent.objects.get(action=AuditEvent.Action.SIGN_OUT)
    assert signed_out.actor_id == officer_olsen.pk and signed_out.detail == {"reason": "session_invalid"}


@pytest.mark.django_db
def test_password_change_applies_the_validators(client, officer_olsen, login_verified):
    login_verified(client, officer_olsen)
    response = client.post(
        "/staff/account/password/", {"old_password": PASSWORD, "new_password1": "password", "new_password2": "password"}
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert 'role="alert"' in body and "too common" in body
    officer_olsen.refresh_from_db()
    assert officer_olsen.check_password(PASSWORD)


@pytest.mark.django_db
def test_password_change_needs_the_second_factor(client, officer_olsen):
    client.force_login(officer_olsen)
    assert client.get("/staff/account/password/")["Location"].startswith("/staff/account/verify/")
