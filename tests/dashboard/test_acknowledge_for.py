"""A coordinator acknowledges for an agency they reached another way: that agency's
escalation stops, and it is on the timeline and in the audit log."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse

from partners.models import Agency
from reports.models import Note, Routing
from reports.notifications.escalation import escalate_due
from safeschools.models import AuditEvent
from tests.reports.conftest import TUESDAY_10AM


def _post(client, tip, agency, note="Phoned their dispatch at 10:05; Sgt. Diaz is on it.", version=None):
    return client.post(
        reverse("dashboard:tip-acknowledge-for", args=[tip.pk]),
        {"ackfor-version": version or tip.version, "ackfor-agency": agency.pk, "ackfor-note": note},
    )


@pytest.mark.django_db
def test_coordinator_acknowledges_for_an_unstaffed_agency(
    time_machine, staff_client, coordinator_cole, officer_olsen, make_tip, clayton_high
):
    time_machine.move_to(TUESDAY_10AM, tick=False)
    tip = make_tip(school=clayton_high, category="weapons").tip
    district = Agency.objects.get(name="Clayton School District")
    client = staff_client(coordinator_cole)

    response = _post(client, tip, district)

    assert response.status_code == 302
    routing = Routing.objects.get(tip=tip, agency=district)
    assert routing.acknowledged_by == coordinator_cole and routing.acknowledged_on_behalf
    assert routing.escalation_due_at is None
    event = AuditEvent.objects.get(action="tip.acknowledged", tip_id=tip.pk)
    assert event.actor_label == "cole"
    assert event.detail["agency"] == "Clayton School District" and event.detail["on_behalf_by"] == "Partnership office"
    note = Note.objects.get(tip=tip)
    assert note.body.startswith("Acknowledged by the Partnership office for Clayton School District: Phoned")
    page = client.get(reverse("dashboard:tip-detail", args=[tip.pk])).content.decode()
    assert "Acknowledged by the Partnership office for Clayton School District" in page
    assert "Phoned their dispatch at 10:05" in page

    # Clayton PD, still silent, keeps escalating; the district does not.
    time_machine.move_to(TUESDAY_10AM + timedelta(minutes=10), tick=False)
    escalate_due()
    escalated = AuditEvent.objects.filter(action="escalation", tip_id=tip.pk, detail__level=1)
    assert [e.detail["agency"] for e in escalated] == ["Clayton Police Department"]


@pytest.mark.django_db
def test_a_note_is_required_and_an_acknowledged_agency_cannot_be_acknowledged_again(
    staff_client, coordinator_cole, principal_park, make_tip, clayton_high
):
    tip = make_tip(school=clayton_high, category="weapons").tip
    district = Agency.objects.get(name="Clayton School District")
    client = staff_client(coordinator_cole)

    assert _post(client, tip, district, note="   ").status_code == 400
    Routing.objects.get(tip=tip, agency=district).acknowledge(by=principal_park)
    response = _post(client, tip, district)
    assert response.status_code == 400
    assert Routing.objects.get(tip=tip, agency=district).acknowledged_by == principal_park
