"""partners.access: ``staff_required`` on the dashboard and the verified admin site."""

import pytest

from safeschools.models import AuditEvent


@pytest.mark.django_db
def test_verified_member_reaches_the_dashboard(client, officer_olsen, login_verified):
    login_verified(client, officer_olsen)
    response = client.get("/staff/")
    assert response.status_code == 200
    assert ">Tips</h1>" in response.content.decode()


@pytest.mark.django_db
def test_anonymous_visitor_is_sent_to_sign_in(client):
    response = client.get("/staff/")
    assert response["Location"] == "/staff/account/login/?next=/staff/"


@pytest.mark.django_db
def test_password_only_session_is_sent_to_the_code_step(client, officer_olsen, totp_device):
    totp_device(officer_olsen)
    client.force_login(officer_olsen)
    response = client.get("/staff/")
    assert response["Location"] == "/staff/account/verify/?next=%2Fstaff%2F"


@pytest.mark.django_db
def test_verified_user_who_left_every_agency_is_refused_and_audited(client, officer_olsen, login_verified):
    login_verified(client, officer_olsen)
    officer_olsen.memberships.all().delete()

    response = client.get("/staff/")

    assert response.status_code == 403
    event = AuditEvent.objects.get(action=AuditEvent.Action.ACCESS_DENIED)
    assert event.actor_id == officer_olsen.pk and event.detail == {"path": "/staff/"}


@pytest.mark.django_db
def test_admin_is_open_to_a_verified_coordinator(client, coordinator_cole, login_verified):
    login_verified(client, coordinator_cole)
    assert client.get("/admin/").status_code == 200
    assert client.get("/admin/login/?next=/admin/partners/")["Location"] == "/admin/partners/"


@pytest.mark.django_db
def test_admin_is_closed_to_a_coordinator_with_a_password_only(client, coordinator_cole, totp_device):
    totp_device(coordinator_cole)
    client.force_login(coordinator_cole)
    assert (
        client.get("/admin/partners/page/")["Location"] == "/staff/account/verify/?next=%2Fadmin%2Fpartners%2Fpage%2F"
    )


@pytest.mark.django_db
def test_admin_login_page_is_the_staff_sign_in(client):
    response = client.get("/admin/login/?next=/admin/partners/")
    assert response["Location"] == "/staff/account/login/?next=/admin/partners/"


@pytest.mark.django_db
def test_admin_is_closed_to_verified_dashboard_staff(client, officer_olsen, login_verified):
    login_verified(client, officer_olsen)
    assert client.get("/admin/login/").status_code == 403
    assert client.get("/admin/", follow=True).status_code == 403
