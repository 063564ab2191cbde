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


# --- Re-routing is a new routing with the full treatment -----------------------------------


def _reroute(client, tip, **data):
    payload = {"reroute-version": tip.version, "reroute-role": "responsible"}
    payload.update({f"reroute-{key}": value for key, value in data.items()})
    return client.post(reverse("dashboard:tip-reroute", args=[tip.pk]), payload)


@pytest.mark.django_db
def test_the_newly_routed_agency_is_alerted_as_for_a_new_tip(
    staff_client, coordinator_cole, officer_kim, make_tip, partnership_office
):
    from reports.models import Notification

    tip = make_tip(school=None).tip  # "not sure": routed to the coordinators
    kirkwood_pd = Agency.objects.get(name="Kirkwood Police Department")

    assert _reroute(staff_client(coordinator_cole), tip, add_agency=kirkwood_pd.pk).status_code == 302

    alert = Notification.objects.get(tip=tip, recipient=officer_kim)
    assert (alert.kind, alert.agency, alert.reason) == ("rerouted", kirkwood_pd, "immediate")
    from django.core import mail

    from reports.notifications.delivery import deliver_due

    deliver_due()
    (message,) = [m for m in mail.outbox if m.to == ["kim@example.org"]]
    assert message.subject == f"Normal: tip {tip.reference} re-routed to Kirkwood Police Department"


@pytest.mark.django_db
def test_a_life_safety_tip_rerouted_gets_its_own_clock_and_removing_an_agency_stops_it(
    time_machine, staff_client, coordinator_cole, officer_kim, officer_olsen, make_tip, clayton_high
):
    from datetime import timedelta

    from reports.notifications.escalation import escalate_due
    from tests.reports.conftest import TUESDAY_10AM

    time_machine.move_to(TUESDAY_10AM, tick=False)
    tip = make_tip(school=clayton_high, danger_now=True).tip
    kirkwood_pd = Agency.objects.get(name="Kirkwood Police Department")
    client = staff_client(coordinator_cole)
    time_machine.move_to(TUESDAY_10AM + timedelta(minutes=3), tick=False)

    _reroute(client, tip, add_agency=kirkwood_pd.pk)

    routing = Routing.objects.get(tip=tip, agency=kirkwood_pd)
    assert routing.escalation_due_at == TUESDAY_10AM + timedelta(minutes=13)
    assert routing.ladder_rung == Routing.Rung.MEMBERS
    tip.refresh_from_db()
    _reroute(client, tip, add_agency="", remove=[kirkwood_pd.pk])
    assert not Routing.objects.filter(tip=tip, agency=kirkwood_pd).exists()
    time_machine.move_to(TUESDAY_10AM + timedelta(minutes=20), tick=False)
    escalate_due()
    assert not AuditEvent.objects.filter(action="escalation", detail__agency="Kirkwood Police Department").exists()


@pytest.mark.django_db
def test_rerouting_to_an_agency_nobody_can_be_reached_at_tells_the_coordinators_and_shows_it(
    settings, staff_client, coordinator_cole, officer_olsen, principal_park, make_tip, clayton_high
):
    from reports.models import Notification

    settings.ALERT_FALLBACK_EMAIL = "dispatch@example.org"
    tip = make_tip(school=clayton_high, danger_now=True).tip
    empty = Agency.objects.create(name="Empty Town Police Department", slug="empty", kind=Agency.Kind.POLICE)
    client = staff_client(coordinator_cole)

    form_page = client.get(reverse("dashboard:tip-detail", args=[tip.pk])).content.decode()
    assert "Empty Town Police Department (red: no one enrolled)" in form_page

    _reroute(client, tip, add_agency=empty.pk)

    routing = Routing.objects.get(tip=tip, agency=empty)
    assert routing.unreachable and routing.ladder_rung == Routing.Rung.COORDINATORS
    assert Notification.objects.filter(tip=tip, kind="unreachable", recipient=coordinator_cole).exists()
    # Others at the tip can act, so the fallback is not woken.
    assert not Notification.objects.filter(tip=tip, address="dispatch@example.org").exists()


@pytest.mark.django_db
def test_making_an_agency_information_only_stops_its_clock_and_responsible_starts_one(
    staff_client, coordinator_cole, officer_olsen, principal_park, make_tip, clayton_high
):
    tip = make_tip(school=clayton_high, danger_now=True).tip
    district = Agency.objects.get(name="Clayton School District")
    client = staff_client(coordinator_cole)

    _reroute(client, tip, add_agency=district.pk, role="info_only")
    routing = Routing.objects.get(tip=tip, agency=district)
    assert (routing.role, routing.escalation_due_at) == ("info_only", None)

    tip.refresh_from_db()
    _reroute(client, tip, add_agency=district.pk, role="responsible")
    assert Routing.objects.get(tip=tip, agency=district).escalation_due_at is not None


@pytest.mark.django_db
def test_an_agency_that_cannot_act_is_added_for_information_only(staff_client, coordinator_cole, clayton_tip):
    lifeline = Agency.objects.create(name="Lifeline", slug="lifeline", kind=Agency.Kind.MENTAL_HEALTH, can_act=False)
    client = staff_client(coordinator_cole)

    response = _reroute(client, clayton_tip, add_agency=lifeline.pk)
    assert response.status_code == 400 and b"cannot act on tips" in response.content
    assert _reroute(client, clayton_tip, add_agency=lifeline.pk, role="info_only").status_code == 302
    assert Routing.objects.get(tip=clayton_tip, agency=lifeline).role == "info_only"
