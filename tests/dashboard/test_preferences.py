import pytest
from django.urls import reverse

from partners.models import Membership


@pytest.mark.django_db
def test_staff_choose_their_alerts(staff_client, officer_olsen):
    membership = Membership.objects.get(user=officer_olsen)
    client = staff_client(officer_olsen)
    page = client.get(reverse("dashboard:preferences")).content.decode()
    assert "Clayton Police Department" in page and "Life-safety tips always alert you" in page
    response = client.post(reverse("dashboard:preferences"), {f"m{membership.pk}-new_tip_alerts": "digest"})
    assert response.status_code == 302
    membership.refresh_from_db()
    assert membership.new_tip_alerts == "digest" and membership.tipster_message_alerts is False


@pytest.mark.django_db
def test_escalation_contact_flag_cannot_be_set_here(staff_client, officer_olsen):
    membership = Membership.objects.get(user=officer_olsen)
    staff_client(officer_olsen).post(
        reverse("dashboard:preferences"),
        {
            f"m{membership.pk}-new_tip_alerts": "immediately",
            f"m{membership.pk}-is_escalation_contact": "on",
            f"m{membership.pk}-role": "coordinator",
        },
    )
    membership.refresh_from_db()
    assert membership.is_escalation_contact is False and membership.role == "officer"
