"""Coordinators re-route; the change takes effect on the next request, and is audited."""

import pytest
from django.urls import reverse

from partners.models import Agency
from reports.models import Routing
from safeschools.models import AuditEvent


@pytest.mark.django_db
def test_coordinator_adds_and_removes_agencies(staff_client, coordinator_cole, officer_kim, clayton_tip, client):
    kirkwood_pd = Agency.objects.get(name="Kirkwood Police Department")
    url = reverse("dashboard:tip-reroute", args=[clayton_tip.pk])
    detail = reverse("dashboard:tip-detail", args=[clayton_tip.pk])
    staff_client(officer_kim)
    assert client.get(detail).status_code == 404
    client.logout()

    coordinator = staff_client(coordinator_cole)
    response = coordinator.post(
        url, {"reroute-version": 1, "reroute-add_agency": kirkwood_pd.pk, "reroute-role": "responsible"}
    )
    assert response.status_code == 302
    assert Routing.objects.get(tip=clayton_tip, agency=kirkwood_pd).reason == "re-routed by cole"
    client.logout()
    assert staff_client(officer_kim).get(detail).status_code == 200
    client.logout()

    coordinator = staff_client(coordinator_cole)
    coordinator.post(url, {"reroute-version": 2, "reroute-remove": [kirkwood_pd.pk]})
    client.logout()
    assert staff_client(officer_kim).get(detail).status_code == 404
    actions = list(AuditEvent.objects.filter(action="tip.routed").values_list("detail", flat=True))
    assert {"added": "Kirkwood Police Department", "role": "responsible", "new": True} in actions
    assert {"removed": "Kirkwood Police Department"} in actions


@pytest.mark.django_db
def test_cannot_remove_every_responsible_agency(staff_client, coordinator_cole, clayton_tip):
    routed = list(Routing.objects.filter(tip=clayton_tip).values_list("agency_id", flat=True))
    response = staff_client(coordinator_cole).post(
        reverse("dashboard:tip-reroute", args=[clayton_tip.pk]), {"reroute-version": 1, "reroute-remove": routed}
    )
    assert response.status_code == 400
    assert Routing.objects.filter(tip=clayton_tip).count() == 2
