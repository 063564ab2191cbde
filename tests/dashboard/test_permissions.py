"""One rule per decision (reports.triage.permissions), checked over roles × agencies, people
with two memberships included, and through every place that applies it: the decision
functions, the tip page, the CSV export and the actions."""

from __future__ import annotations

import csv
import io

import pytest
from django.urls import reverse

from partners.models import Agency, Membership
from reports.models import RoutingRole, RoutingRule, Tip
from reports.triage import permissions
from tests.conftest import _person

CONTACT = "555-0199"


@pytest.fixture
def family_court(db) -> Agency:
    return Agency.objects.create(name="Family Court", slug="court", kind=Agency.Kind.COURT)


@pytest.fixture
def clayton_case(make_tip, clayton_high, categories, family_court) -> Tip:
    """Routed to Clayton schools and Clayton PD (responsible) and the court (information only)."""
    RoutingRule.objects.create(category=categories["bullying"], agency=family_court, role=RoutingRole.INFO_ONLY)
    return make_tip(school=clayton_high, contact_details=CONTACT).tip


@pytest.fixture
def people(
    django_user_model,
    coordinator_cole,
    officer_olsen,
    principal_park,
    viewer_vega,
    officer_kim,
    family_court,
    clayton_pd,
    kirkwood_pd,
):
    kirkwood_and_clayton = _person(
        django_user_model, "kerr", "Kit", "Kerr", kirkwood_pd, Membership.Role.OFFICER
    )  # a Kirkwood officer who is also a viewer at Clayton PD
    Membership.objects.create(user=kirkwood_and_clayton, agency=clayton_pd, role=Membership.Role.VIEWER)
    clerk = _person(django_user_model, "clerk", "Cam", "Clerk", family_court, Membership.Role.AGENCY_STAFF)
    olsen_twice = _person(django_user_model, "oak", "Oli", "Oak", clayton_pd, Membership.Role.OFFICER)
    Membership.objects.create(user=olsen_twice, agency=kirkwood_pd, role=Membership.Role.VIEWER)
    return {
        "coordinator": coordinator_cole,
        "officer of a routed agency": officer_olsen,
        "school admin of a routed district": principal_park,
        "viewer of a routed agency": viewer_vega,
        "officer of another agency": officer_kim,
        "officer elsewhere, viewer here": kirkwood_and_clayton,
        "staff of an information-only agency": clerk,
        "officer here, viewer elsewhere": olsen_twice,
    }


# who → (view, act, acknowledge, see contact, see notes, re-route), on the Clayton case
TABLE = {
    "coordinator": (True, True, False, True, True, True),
    "officer of a routed agency": (True, True, True, True, True, False),
    "school admin of a routed district": (True, True, True, True, True, False),
    "viewer of a routed agency": (True, False, False, False, True, False),
    "officer of another agency": (False, False, False, False, False, False),
    "officer elsewhere, viewer here": (True, False, False, False, True, False),
    "staff of an information-only agency": (True, True, True, False, True, False),
    "officer here, viewer elsewhere": (True, True, True, True, True, False),
}


@pytest.mark.django_db
@pytest.mark.parametrize("who", list(TABLE))
def test_the_decisions(people, clayton_case, who):
    user = people[who]
    staff = permissions.Staff.of(user)
    routings = list(clayton_case.routings.all())
    allowed = permissions.for_tip(staff, routings)
    view, act, acknowledge, contact, notes, reroute = TABLE[who]
    assert permissions.may_view(staff, routings) is view
    assert Tip.objects.visible_to(user).filter(pk=clayton_case.pk).exists() is view  # the door agrees
    assert (allowed.act, allowed.acknowledge, allowed.see_contact, allowed.see_notes, allowed.reroute) == (
        act,
        acknowledge,
        contact,
        notes,
        reroute,
    )
    # The memberships actions run with exist exactly when the person may act.
    assert bool(permissions.acting_memberships(user, clayton_case)) is act


@pytest.mark.django_db
@pytest.mark.parametrize("who", list(TABLE))
def test_the_door_below_an_id_is_the_door_cut_at_that_id(
    people, clayton_case, make_tip, clayton_high, kirkwood_high, who
):
    """``visible_to(user, below=…)``, the export's pages, is ``visible_to(user)`` cut at
    that id, and states the bound on the routings too (so PostgreSQL starts the agency's
    routings at the page, not at its newest one)."""
    user = people[who]
    tips = [clayton_case, *(make_tip(school=school).tip for school in (clayton_high, kirkwood_high, clayton_high))]
    for below in [*(tip.pk for tip in tips), max(tip.pk for tip in tips) + 1]:
        page = Tip.objects.visible_to(user, below=below)
        assert set(page) == set(Tip.objects.visible_to(user).filter(pk__lt=below))
    bounds = str(Tip.objects.visible_to(user, below=987654).query).count("< 987654")
    assert bounds == (1 if who == "coordinator" else 2)


def _export(client) -> list[dict]:
    response = client.get(reverse("dashboard:export"), {"include_contact": "on"})
    return list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))


@pytest.mark.django_db
@pytest.mark.parametrize("who", list(TABLE))
def test_the_tip_page_the_export_and_the_actions_apply_them(client, login_verified, people, clayton_case, who):
    view, act, _, contact, _, reroute = TABLE[who]
    login_verified(client, people[who])
    page = client.get(reverse("dashboard:tip-detail", args=[clayton_case.pk]))
    assert page.status_code == (200 if view else 404)
    if view:
        assert (CONTACT in page.content.decode()) is contact
    rows = [row for row in _export(client) if row["reference"] == clayton_case.reference]
    assert len(rows) == int(view)
    if view:
        assert rows[0]["contact details"] == (CONTACT if contact else "")
    note = client.post(
        reverse("dashboard:tip-note", args=[clayton_case.pk]), {"note-body": "Checked.", "note-audience": "all"}
    )
    assert note.status_code == (302 if act else 403 if view else 404)
    reroute_answer = client.post(
        reverse("dashboard:tip-reroute", args=[clayton_case.pk]), {"reroute-version": clayton_case.version}
    )
    assert reroute_answer.status_code == (400 if reroute else 403 if view else 404)  # 400: nothing chosen


@pytest.mark.django_db
def test_a_kirkwood_officer_viewing_at_clayton_acts_on_kirkwood_tips(people, make_tip, kirkwood_high, clayton_case):
    kerr = permissions.Staff.of(people["officer elsewhere, viewer here"])
    kirkwood_case = make_tip(school=kirkwood_high, contact_details=CONTACT).tip
    assert permissions.for_tip(kerr, list(kirkwood_case.routings.all())).see_contact
    assert not permissions.for_tip(kerr, list(clayton_case.routings.all())).see_contact


@pytest.mark.django_db
def test_only_coordinators_read_the_audit_log(people):
    for who, user in people.items():
        assert permissions.may_read_audit_log(permissions.Staff.of(user)) is (who == "coordinator")
