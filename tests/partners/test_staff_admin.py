"""SECURITY.md 40: coordinators manage staff accounts in the admin without being able to
grant superuser, staff, groups or raw permissions, or to touch a superuser's account; a
password or authenticator reset by someone else is audited and makes the person enrol a
new authenticator."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group, Permission
from django.urls import reverse
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from safeschools.models import AuditEvent


@pytest.fixture
def root(django_user_model):
    return django_user_model.objects.create_superuser("root", "root@example.org", "correct horse battery staple")


def change_url(user) -> str:
    return reverse("admin:auth_user_change", args=[user.pk])


def form_data(user, **extra) -> dict:
    return {
        "username": user.username,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "email": user.email,
        "is_active": "on",
        **extra,
    }


@pytest.mark.django_db
def test_a_coordinator_cannot_grant_superuser_staff_groups_or_permissions(
    staff_client, coordinator_cole, officer_olsen
):
    client = staff_client(coordinator_cole)
    page = client.get(change_url(officer_olsen)).content.decode()
    for field in ("is_superuser", "is_staff", "groups", "user_permissions"):
        assert f'name="{field}"' not in page
    everything = list(Permission.objects.values_list("pk", flat=True))
    response = client.post(
        change_url(officer_olsen),
        form_data(
            officer_olsen,
            first_name="Olivia",
            is_superuser="on",
            is_staff="on",
            groups=[Group.objects.get(name="Coordinators").pk],
            user_permissions=everything,
        ),
    )
    assert response.status_code == 302
    officer_olsen.refresh_from_db()
    assert officer_olsen.first_name == "Olivia"  # the allowed change was made…
    assert not (officer_olsen.is_superuser or officer_olsen.is_staff)  # …and nothing else
    assert not officer_olsen.groups.exists() and not officer_olsen.user_permissions.exists()
    event = AuditEvent.objects.get(action="account.changed")
    assert event.actor_label == "cole" and event.detail == {"account": "olsen", "fields": ["first_name"]}


@pytest.mark.django_db
def test_a_coordinator_cannot_reach_a_superusers_account(staff_client, coordinator_cole, root):
    client = staff_client(coordinator_cole)
    assert root.username not in client.get(reverse("admin:auth_user_changelist")).content.decode()
    assert client.get(change_url(root)).status_code == 302  # "does not exist", back to the list
    response = client.post(
        reverse("admin:auth_user_password_change", args=[root.pk]),
        {"password1": "a brand new passphrase 42", "password2": "a brand new passphrase 42"},
    )
    assert response.status_code == 404
    root.refresh_from_db()
    assert root.check_password("correct horse battery staple")


@pytest.mark.django_db
def test_a_superuser_still_has_the_full_form(staff_client, root, officer_olsen):
    page = staff_client(root).get(change_url(officer_olsen)).content.decode()
    assert 'name="is_superuser"' in page and 'name="groups"' in page


@pytest.mark.django_db
def test_a_password_set_by_a_coordinator_is_audited_and_forces_a_new_authenticator(
    client, staff_client, coordinator_cole, officer_olsen, totp_device, login_verified
):
    from django.test import Client

    olsen_browser = Client()
    login_verified(olsen_browser, officer_olsen)
    StaticDevice.objects.create(user=officer_olsen, name="recovery codes", confirmed=True)
    assert olsen_browser.get(reverse("dashboard:queue")).status_code == 200

    response = staff_client(coordinator_cole).post(
        reverse("admin:auth_user_password_change", args=[officer_olsen.pk]),
        {"password1": "a brand new passphrase 42", "password2": "a brand new passphrase 42"},
    )

    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=officer_olsen).exists()
    assert not StaticDevice.objects.filter(user=officer_olsen).exists()
    event = AuditEvent.objects.get(action="account.reset")
    assert event.actor_label == "cole"
    assert event.detail == {"account": "olsen", "password_set": True, "devices_removed": 2}
    assert "a brand new passphrase" not in str(event.detail)
    # Olsen's open session is over; signing in again leads to enrolling a new authenticator.
    assert olsen_browser.get(reverse("dashboard:queue")).status_code == 302
    olsen_browser.post(reverse("account:login"), {"username": "olsen", "password": "a brand new passphrase 42"})
    assert olsen_browser.get(reverse("account:verify")).url.startswith(reverse("account:setup"))


@pytest.mark.django_db
def test_an_authenticator_reset_is_audited_and_the_session_loses_its_second_factor(
    staff_client, coordinator_cole, officer_olsen, principal_park, login_verified
):
    from django.test import Client

    olsen_browser = Client()
    login_verified(olsen_browser, officer_olsen)
    login_verified(Client(), principal_park)
    client = staff_client(coordinator_cole)
    response = client.post(
        reverse("admin:auth_user_changelist"),
        {"action": "reset_authenticator", "_selected_action": [officer_olsen.pk, coordinator_cole.pk]},
    )
    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=officer_olsen).exists()
    assert TOTPDevice.objects.filter(user=principal_park).exists()  # not selected
    assert TOTPDevice.objects.filter(user=coordinator_cole).exists()  # not oneself
    events = AuditEvent.objects.filter(action="account.reset")
    assert [e.detail["account"] for e in events] == ["olsen"]
    assert olsen_browser.get(reverse("dashboard:queue")).url.startswith(reverse("account:verify"))


@pytest.mark.django_db
def test_a_coordinator_cannot_delete_a_device_behind_the_audit(
    staff_client, coordinator_cole, officer_olsen, totp_device
):
    device = totp_device(officer_olsen)
    client = staff_client(coordinator_cole)
    response = client.post(reverse("admin:otp_totp_totpdevice_delete", args=[device.pk]), {"post": "yes"})
    assert response.status_code == 403
    assert TOTPDevice.objects.filter(pk=device.pk).exists()
