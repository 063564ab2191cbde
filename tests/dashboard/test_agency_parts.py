"""Each agency's part of a tip: its own state, disposition, assignee and closed time; the
tip's state derived from the responsible parts; an agency changes only its own part;
coordinators may act for any agency, recorded as acting on its behalf."""

from __future__ import annotations

import html
import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from reports import case_state
from reports.models import Routing, RoutingRole, Tip
from safeschools.models import AuditEvent


def part_of(tip: Tip, agency_name: str) -> Routing:
    return Routing.objects.get(tip=tip, agency__name=agency_name)


def step(client, tip: Tip, routing: Routing, name: str, **fields):
    data = {f"part{routing.pk}-version": routing.version, f"part{routing.pk}-step": name}
    data.update({f"part{routing.pk}-{key}": value for key, value in fields.items()})
    return client.post(reverse("dashboard:part-step", args=[tip.pk, routing.pk]), data)


POLICE, DISTRICT = "Clayton Police Department", "Clayton School District"


def both_finish(staff_client, client, tip: Tip, officer, principal) -> None:
    """The police, then the district, each finish their own part through the page."""
    step(
        staff_client(officer), tip, part_of(tip, POLICE), "finish", disposition="resolved", note="Talked to the family."
    )
    client.logout()
    step(staff_client(principal), tip, part_of(tip, DISTRICT), "finish", disposition="no_action", note="Nothing to do.")


@pytest.mark.django_db
def test_police_finishing_their_part_leaves_the_tip_open_for_the_district(
    staff_client, officer_olsen, principal_park, clayton_tip, client
):
    police = part_of(clayton_tip, POLICE)
    response = step(
        staff_client(officer_olsen), clayton_tip, police, "finish", disposition="unfounded", note="Hoax; spoke to him."
    )
    assert response.status_code == 302
    police.refresh_from_db()
    assert (police.state, police.disposition, police.closed_by) == ("done", "unfounded", officer_olsen)
    assert police.closed_at is not None and police.acknowledged_by == officer_olsen  # done in one step from new
    tip = Tip.objects.get(pk=clayton_tip.pk)
    assert tip.state == "open" and tip.closed_at is None
    assert tip.awaiting_acknowledgement  # the district has not acknowledged
    assert part_of(tip, DISTRICT).state == "new"

    client.logout()
    page = staff_client(principal_park).get(reverse("dashboard:tip-detail", args=[tip.pk])).content.decode()
    assert "In progress" in page and "Your part: Clayton School District" in page
    assert "Unfounded — false report" in page  # how the police part ended is shared
    assert "Hoax; spoke to him." not in page  # its note stays with the police and coordinators
    assert "Your part: Clayton Police Department" not in page


@pytest.mark.django_db
def test_the_tip_closes_when_every_responsible_agency_is_done(
    staff_client, officer_olsen, principal_park, clayton_tip, client
):
    both_finish(staff_client, client, clayton_tip, officer_olsen, principal_park)
    tip = Tip.objects.get(pk=clayton_tip.pk)
    assert tip.state == "done" and tip.closed_at == part_of(tip, DISTRICT).closed_at
    assert not tip.awaiting_acknowledgement and tip.tipster_status == "Closed"
    assert case_state.disagreements() == []


@pytest.mark.django_db
def test_an_information_only_agency_never_holds_the_tip_open(
    staff_client, officer_olsen, principal_park, clayton_tip, client, kirkwood_pd
):
    Routing.objects.create(tip=clayton_tip, agency=kirkwood_pd, role=RoutingRole.INFO_ONLY, reason="for information")
    both_finish(staff_client, client, clayton_tip, officer_olsen, principal_park)
    tip = Tip.objects.get(pk=clayton_tip.pk)
    assert tip.state == "done"
    assert part_of(tip, "Kirkwood Police Department").state == "new"


@pytest.mark.django_db
def test_done_needs_how_it_ended_and_a_note(staff_client, officer_olsen, clayton_tip):
    client = staff_client(officer_olsen)
    police = part_of(clayton_tip, POLICE)
    response = step(client, clayton_tip, police, "finish")
    assert response.status_code == 400
    body = response.content.decode()
    assert 'id="problems"' in body and "Choose how it ended." in body
    assert "Write a short disposition note" in body
    response = step(client, clayton_tip, police, "finish", disposition="referred", note="Sent on.")
    assert "Say to whom it was referred." in response.content.decode()
    assert part_of(clayton_tip, POLICE).state == "new"
    step(client, clayton_tip, police, "finish", disposition="referred", note="Sent on.", referred_to="Family court")
    police.refresh_from_db()
    assert police.state == "done" and police.referred_to == "Family court"


@pytest.mark.django_db
def test_a_duplicate_names_its_original(staff_client, officer_olsen, make_tip, clayton_high, clayton_tip):
    original = make_tip(school=clayton_high).tip
    client = staff_client(officer_olsen)
    police = part_of(clayton_tip, POLICE)
    response = step(client, clayton_tip, police, "finish", disposition="duplicate", note="Same as before.")
    assert "Give the reference of the original tip" in response.content.decode()
    step(
        client,
        clayton_tip,
        police,
        "finish",
        disposition="duplicate",
        note="Same.",
        duplicate_of=original.reference.lower(),
    )
    tip = Tip.objects.get(pk=clayton_tip.pk)
    assert tip.duplicate_of == original and part_of(tip, POLICE).disposition == "duplicate"
    assert AuditEvent.objects.filter(action="tip.updated", detail__field="duplicate_of").count() == 1


@pytest.mark.django_db
def test_an_agency_cannot_change_another_agencys_part(staff_client, principal_park, clayton_tip):
    police = part_of(clayton_tip, POLICE)
    client = staff_client(principal_park)
    response = step(client, clayton_tip, police, "finish", disposition="unfounded", note="Not true.")
    assert response.status_code == 403
    response = client.post(
        reverse("dashboard:part-assign", args=[clayton_tip.pk, police.pk]),
        {f"assign{police.pk}-version": 1, f"assign{police.pk}-assignee": principal_park.pk},
    )
    assert response.status_code == 403
    police.refresh_from_db()
    assert police.state == "new" and police.assigned_to is None and police.version == 1


@pytest.mark.django_db
def test_coordinator_acts_for_an_agency_and_it_says_so(staff_client, coordinator_cole, clayton_tip):
    district = part_of(clayton_tip, DISTRICT)
    client = staff_client(coordinator_cole)
    page = client.get(reverse("dashboard:tip-detail", args=[clayton_tip.pk])).content.decode()
    assert "Acknowledge for Clayton School District" in page
    step(client, clayton_tip, district, "acknowledge")
    district.refresh_from_db()
    assert district.acknowledged_by == coordinator_cole and district.acknowledged_on_behalf
    event = AuditEvent.objects.get(action="tip.acknowledged")
    assert event.detail == {"agency": DISTRICT, "on_behalf": True}
    page = client.get(reverse("dashboard:tip-detail", args=[clayton_tip.pk])).content.decode()
    assert "Coordinator Casey Cole acknowledged on behalf of Clayton School District" in page
    assert "Acknowledged by the Partnership office for Clayton School District" in page


@pytest.mark.django_db
def test_an_agency_name_is_text_on_the_coordinators_button(staff_client, coordinator_cole, clayton_tip):
    """crispy-forms renders a button's label as a template: a name with HTML or template
    syntax must reach the page as the text it is (names are coordinators' own edits)."""
    from partners.models import Agency

    name = "Clayton <i>Schools</i> {{ request.path }} {% now 'Y' %}"
    Agency.objects.filter(name=DISTRICT).update(name=name)
    page = staff_client(coordinator_cole).get(reverse("dashboard:tip-detail", args=[clayton_tip.pk])).content.decode()
    buttons = [html.unescape(b) for b in re.findall(r"<button[^>]*>(.*?)</button>", page, re.S)]
    assert f"Acknowledge for {name}" in [b.strip() for b in buttons]
    assert "<i>Schools</i>" not in page


@pytest.mark.django_db
def test_reopening_a_finished_part_reopens_the_tip(staff_client, officer_olsen, coordinator_cole, clayton_tip, client):
    for name in (POLICE, DISTRICT):
        routing = part_of(clayton_tip, name)
        routing.finish(by=coordinator_cole, disposition="resolved", note="done")
    case_state.refresh_tip_state(clayton_tip)
    assert Tip.objects.get(pk=clayton_tip.pk).state == "done"
    police = part_of(clayton_tip, POLICE)
    response = step(staff_client(officer_olsen), clayton_tip, police, "reopen")
    assert response.status_code == 302
    police.refresh_from_db()
    assert police.state == "working" and police.disposition == "" and police.closed_at is None
    tip = Tip.objects.get(pk=clayton_tip.pk)
    assert tip.state == "open" and tip.closed_at is None
    page = html.unescape(client.get(reverse("dashboard:tip-detail", args=[tip.pk])).content.decode())
    assert "Officer Oliver Olsen (Clayton Police Department) reopened their agency's part" in page


@pytest.mark.django_db
def test_only_a_finished_part_can_be_reopened_and_a_working_one_not_started_again(
    staff_client, officer_olsen, clayton_tip
):
    client = staff_client(officer_olsen)
    police = part_of(clayton_tip, POLICE)
    assert step(client, clayton_tip, police, "reopen").status_code == 400
    step(client, clayton_tip, part_of(clayton_tip, POLICE), "start")
    response = step(client, clayton_tip, part_of(clayton_tip, POLICE), "start")
    assert "already being worked on" in response.content.decode()
    assert part_of(clayton_tip, POLICE).state == "working"


@pytest.mark.django_db
def test_a_stale_part_form_gets_a_conflict(staff_client, officer_olsen, django_user_model, clayton_pd, clayton_tip):
    from partners.models import Membership
    from tests.conftest import _person

    officer_ortiz = _person(django_user_model, "ortiz", "Olga", "Ortiz", clayton_pd, Membership.Role.OFFICER)
    seen = part_of(clayton_tip, POLICE)
    step(staff_client(officer_olsen), clayton_tip, seen, "start")
    response = step(staff_client(officer_ortiz), clayton_tip, seen, "finish", disposition="resolved", note="x")
    assert response.status_code == 409
    assert part_of(clayton_tip, POLICE).state == "working"


@pytest.mark.django_db
def test_assign_a_part_only_to_members_of_its_agency(
    staff_client, officer_olsen, officer_kim, viewer_vega, principal_park, clayton_tip
):
    police = part_of(clayton_tip, POLICE)
    url = reverse("dashboard:part-assign", args=[clayton_tip.pk, police.pk])
    client = staff_client(officer_olsen)
    for outsider in (officer_kim, viewer_vega, principal_park):
        response = client.post(url, {f"assign{police.pk}-version": 1, f"assign{police.pk}-assignee": outsider.pk})
        assert response.status_code == 400
    client.post(url, {f"assign{police.pk}-version": 1, f"assign{police.pk}-assignee": officer_olsen.pk})
    assert part_of(clayton_tip, POLICE).assigned_to == officer_olsen
    assert part_of(clayton_tip, DISTRICT).assigned_to is None


@pytest.mark.django_db
def test_unfounded_stops_escalation_for_that_agency(make_tip, clayton_high, officer_olsen, staff_client):
    from reports.models import Notification
    from reports.notifications.escalation import escalate_due

    tip = make_tip(school=clayton_high, category="weapons").tip
    police = part_of(tip, POLICE)
    step(staff_client(officer_olsen), tip, police, "finish", disposition="unfounded", note="A prank.")
    police.refresh_from_db()
    assert police.escalation_due_at is None and police.is_settled
    escalate_due(now=timezone.now() + timedelta(hours=1))
    assert not Notification.objects.filter(kind="escalation", agency=police.agency).exists()


@pytest.mark.django_db
def test_the_tipster_sees_one_coarse_status(
    staff_client, officer_olsen, principal_park, make_tip, clayton_high, client
):
    submitted = make_tip(school=clayton_high)
    tip = submitted.tip

    def tipster_status() -> str:
        return Tip.objects.get(pk=tip.pk).tipster_status

    assert tipster_status() == "Received"
    staff = staff_client(officer_olsen)
    step(staff, tip, part_of(tip, POLICE), "finish", disposition="resolved", note="Done.")
    assert tipster_status() == "Being looked at"
    staff.logout()
    step(staff_client(principal_park), tip, part_of(tip, DISTRICT), "finish", disposition="resolved", note="Done.")
    assert tipster_status() == "Closed"
    client.logout()
    client.post("/report/check/", {"receipt": submitted.receipt})
    page = client.get("/report/conversation/").content.decode()
    assert "Closed" in page and "Resolved" not in page and "Done." not in page
