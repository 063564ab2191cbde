"""The outbox in the admin: coordinators see pending, sent and failed alerts with the error,
and can retry failed ones; nobody can add, edit or delete them; other staff see nothing."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission
from django.core import mail
from django.urls import reverse

from reports.models import Notification
from reports.notifications.delivery import deliver_due
from safeschools.models import AuditEvent

CHANGELIST = reverse("admin:reports_notification_changelist")


@pytest.fixture
def failed_alert(make_tip, clayton_high, officer_olsen, smtp):
    smtp.down = True
    tip = make_tip(school=clayton_high).tip
    Notification.objects.filter(tip=tip).update(attempts=24)
    deliver_due()
    smtp.down = False
    row = Notification.objects.get(tip=tip)
    assert row.status == Notification.Status.FAILED
    return row


@pytest.mark.django_db
def test_coordinator_sees_failed_alert_with_its_error(client, login_verified, coordinator_cole, failed_alert):
    login_verified(client, coordinator_cole)

    response = client.get(CHANGELIST, {"status__exact": "failed"})

    assert response.status_code == 200
    page = response.content.decode()
    assert failed_alert.tip.reference in page
    assert "SMTPServerDisconnected: Connection unexpectedly closed" in page
    assert "Retry the selected failed alerts" in page


@pytest.mark.django_db
def test_alert_detail_is_read_only(client, login_verified, coordinator_cole, failed_alert):
    login_verified(client, coordinator_cole)
    url = reverse("admin:reports_notification_change", args=[failed_alert.pk])

    assert client.get(url).status_code == 200
    assert client.post(url, {"status": "sent"}).status_code == 403
    assert client.get(reverse("admin:reports_notification_add")).status_code == 403
    assert client.get(reverse("admin:reports_notification_delete", args=[failed_alert.pk])).status_code == 403
    failed_alert.refresh_from_db()
    assert failed_alert.status == Notification.Status.FAILED


@pytest.mark.django_db
def test_retry_action_requeues_failed_alerts_only(
    client, login_verified, coordinator_cole, failed_alert, principal_park, smtp
):
    login_verified(client, coordinator_cole)
    sent = Notification.objects.create(kind="new_tip", tip=failed_alert.tip, recipient=principal_park, status="sent")

    response = client.post(CHANGELIST, {"action": "retry", "_selected_action": [failed_alert.pk, sent.pk]}, follow=True)

    assert response.status_code == 200
    messages = [str(m) for m in response.context["messages"]]
    assert messages == ["1 failed alert queued again.", "1 selected alert was not failed and was left alone."]
    failed_alert.refresh_from_db()
    assert (failed_alert.status, failed_alert.attempts) == ("pending", 0)
    retry = AuditEvent.objects.get(detail__outcome="retry requested")
    assert (retry.actor_label, retry.tip_id, retry.detail["channel"]) == ("cole", failed_alert.tip_id, "email")

    deliver_due()
    failed_alert.refresh_from_db()
    assert failed_alert.status == Notification.Status.SENT
    assert [m.to for m in mail.outbox] == [["olsen@example.org"]]


@pytest.mark.django_db
def test_staff_who_are_not_coordinators_cannot_see_the_outbox(client, login_verified, officer_olsen, failed_alert):
    officer_olsen.is_staff = True
    officer_olsen.save()
    officer_olsen.user_permissions.add(
        *Permission.objects.filter(codename__in=["view_notification", "change_notification"])
    )
    login_verified(client, officer_olsen)

    assert client.get(CHANGELIST).status_code == 403
    response = client.post(CHANGELIST, {"action": "retry", "_selected_action": [failed_alert.pk]})
    assert response.status_code == 403
    failed_alert.refresh_from_db()
    assert failed_alert.status == Notification.Status.FAILED


@pytest.mark.django_db
def test_superuser_sees_the_outbox(client, login_verified, django_user_model, failed_alert):
    admin = django_user_model.objects.create_superuser("root", "root@example.org", "a long passphrase here")
    login_verified(client, admin)

    assert client.get(CHANGELIST).status_code == 200


@pytest.mark.django_db
def test_anonymous_is_sent_to_log_in(client):
    response = client.get(CHANGELIST)

    assert response.status_code == 302 and response.url.startswith("/staff/account/login/")
