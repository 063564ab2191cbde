"""The password step of staff sign-in (/staff/account/login/)."""

import pytest
from django.contrib.auth import SESSION_KEY
from django.urls import reverse

from safeschools.models import AuditEvent

PASSWORD = "correct horse battery staple"
LOGIN = "/staff/account/login/"


@pytest.mark.django_db
def test_password_step_signs_in_without_verifying_and_asks_for_the_code(client, officer_olsen, totp_device):
    totp_device(officer_olsen)
    client.get(LOGIN)
    anonymous_key = client.session.session_key

    response = client.post(LOGIN, {"username": "olsen", "password": PASSWORD, "next": "/staff/"})

    assert response.status_code == 302
    assert response["Location"] == "/staff/account/verify/?next=%2Fstaff%2F"
    assert client.session[SESSION_KEY] == str(officer_olsen.pk)
    assert client.session.session_key != anonymous_key  # new session key at sign-in
    assert "otp_device_id" not in client.session
    # A password alone opens nothing.
    assert client.get("/staff/")["Location"].startswith("/staff/account/verify/")
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.SIGN_IN).exists()


@pytest.mark.django_db
def test_wrong_password_is_refused_and_audited_without_the_password(client, officer_olsen):
    response = client.post(LOGIN, {"username": "olsen", "password": "not-the-password"})

    assert response.status_code == 200
    assert SESSION_KEY not in client.session
    body = response.content.decode()
    assert 'role="alert"' in body and "correct username and password" in body
    event = AuditEvent.objects.get(action=AuditEvent.Action.SIGN_IN_FAILED)
    assert event.detail == {"stage": "password", "reason": "invalid_login", "username": "olsen"}
    assert "not-the-password" not in str(event.detail)


@pytest.mark.django_db
def test_account_without_agency_cannot_sign_in(client, django_user_model):
    django_user_model.objects.create_user(username="drifter", password=PASSWORD)

    response = client.post(LOGIN, {"username": "drifter", "password": PASSWORD})

    assert response.status_code == 200
    assert "does not belong to any agency" in response.content.decode()
    assert SESSION_KEY not in client.session
    event = AuditEvent.objects.get(action=AuditEvent.Action.SIGN_IN_FAILED)
    assert event.actor_label == "drifter" and event.detail["reason"] == "no_staff_access"


@pytest.mark.django_db
def test_superuser_without_agency_may_sign_in(client, django_user_model):
    django_user_model.objects.create_superuser(username="root", password=PASSWORD)
    response = client.post(LOGIN, {"username": "root", "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"].startswith("/staff/account/verify/")


@pytest.mark.django_db
def test_deactivated_account_cannot_sign_in(client, officer_olsen):
    officer_olsen.is_active = False
    officer_olsen.save()
    response = client.post(LOGIN, {"username": "olsen", "password": PASSWORD})
    assert response.status_code == 200
    assert SESSION_KEY not in client.session


@pytest.mark.django_db
def test_next_pointing_off_site_is_ignored(client, officer_olsen):
    response = client.post(LOGIN, {"username": "olsen", "password": PASSWORD, "next": "https://evil.example/"})
    assert response["Location"] == "/staff/account/verify/?next=%2Fstaff%2F"


@pytest.mark.django_db
def test_login_page_renders_a_labelled_form(client):
    response = client.get(reverse("account:login"))
    body = response.content.decode()
    assert response.status_code == 200
    assert body.count("<h1") == 1
    assert 'for="id_username"' in body and 'for="id_password"' in body
    assert 'autocomplete="current-password"' in body
    assert "style=" not in body and "<script>" not in body
    assert response["Cache-Control"].startswith("max-age=0")
