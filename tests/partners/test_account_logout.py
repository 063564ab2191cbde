"""Signing out (/staff/account/logout/): POST only, and it ends the session."""

import pytest
from django.contrib.auth import SESSION_KEY

from safeschools.models import AuditEvent

LOGOUT = "/staff/account/logout/"


@pytest.mark.django_db
def test_logout_by_get_is_refused(client, officer_olsen, login_verified):
    login_verified(client, officer_olsen)
    assert client.get(LOGOUT).status_code == 405
    assert client.get("/staff/").status_code == 200


@pytest.mark.django_db
def test_logout_ends_the_session_and_is_audited(client, officer_olsen, login_verified):
    login_verified(client, officer_olsen)

    response = client.post(LOGOUT)

    assert response.status_code == 302 and response["Location"] == "/staff/account/login/"
    assert SESSION_KEY not in client.session
    assert client.get("/staff/").status_code == 302
    event = AuditEvent.objects.get(action=AuditEvent.Action.SIGN_OUT)
    assert event.actor_id == officer_olsen.pk and event.detail == {"reason": "user"}
    assert "You are signed out." in client.get("/staff/account/login/").content.decode()


@pytest.mark.django_db
def test_dashboard_offers_a_sign_out_form(client, officer_olsen, login_verified):
    login_verified(client, officer_olsen)
    body = client.get("/staff/").content.decode()
    assert f'<form method="post" action="{LOGOUT}">' in body


@pytest.mark.django_db
def test_admin_logout_goes_through_the_same_sign_out(client, coordinator_cole, login_verified):
    login_verified(client, coordinator_cole)
    response = client.post("/admin/logout/")
    assert response["Location"] == "/staff/account/login/"
    assert SESSION_KEY not in client.session
    assert AuditEvent.objects.filter(action=AuditEvent.Action.SIGN_OUT, actor_id=coordinator_cole.pk).exists()
