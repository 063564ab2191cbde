"""Hand-offs recorded on a tip: 911, Courage2Report, the Children's Division hotline, a
mental-health partner. On the tip's page and timeline, in the audit, in the stats."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from casework.models import HandOff
from safeschools.models import AuditEvent

pytestmark = pytest.mark.django_db


def _when(delta=timedelta(minutes=-20)) -> str:
    return (timezone.localtime() + delta).strftime("%Y-%m-%dT%H:%M")


def test_an_officer_records_a_911_call_with_the_incident_number(staff_client, officer_olsen, clayton_tip):
    client = staff_client(officer_olsen)
    response = client.post(
        reverse("casework:tip-hand-off", args=[clayton_tip.pk]),
        {"handoff-kind": "911", "handoff-happened_at": _when(), "handoff-external_reference": "CPD-26-004512"},
    )
    assert response.status_code == 302 and response["Location"].endswith(f"/staff/tips/{clayton_tip.pk}/#casework")
    hand_off = HandOff.objects.get()
    assert hand_off.kind == "911" and hand_off.external_reference == "CPD-26-004512"
    assert hand_off.agency.name == "Clayton Police Department"
    event = AuditEvent.objects.get(action=AuditEvent.Action.HANDOFF_RECORDED)
    assert event.tip_id == clayton_tip.pk and event.detail["reference"] == "CPD-26-004512"
    page = client.get(reverse("dashboard:tip-detail", args=[clayton_tip.pk])).content.decode()
    timeline = page[page.index('id="timeline-title"') : page.index('id="routing-title"')]
    assert "Officer Oliver Olsen recorded a hand-off: 911 called" in timeline and "CPD-26-004512" in timeline
    assert "911 called" in page[page.index('id="casework"') :]


def test_a_mental_health_referral_names_the_partner(staff_client, principal_park, clayton_tip, behavioral_health):
    client = staff_client(principal_park)
    url = reverse("casework:tip-hand-off", args=[clayton_tip.pk])
    client.post(url, {"handoff-kind": "mental_health", "handoff-happened_at": _when()})
    assert not HandOff.objects.exists()
    client.post(
        url, {"handoff-kind": "mental_health", "handoff-happened_at": _when(), "handoff-partner": behavioral_health.pk}
    )
    assert HandOff.objects.get().partner == behavioral_health


def test_a_hand_off_in_the_future_is_refused(staff_client, officer_olsen, clayton_tip):
    client = staff_client(officer_olsen)
    client.post(
        reverse("casework:tip-hand-off", args=[clayton_tip.pk]),
        {"handoff-kind": "c2r", "handoff-happened_at": _when(timedelta(hours=3))},
    )
    assert not HandOff.objects.exists()


def test_other_agencies_get_404_and_viewers_403(staff_client, officer_kim, viewer_vega, clayton_tip):
    data = {"handoff-kind": "911", "handoff-happened_at": _when()}
    url = reverse("casework:tip-hand-off", args=[clayton_tip.pk])
    assert staff_client(officer_kim).post(url, data).status_code == 404
    assert staff_client(viewer_vega).post(url, data).status_code == 403
    assert not HandOff.objects.exists()


def test_hand_offs_are_counted_in_the_stats(staff_client, officer_olsen, officer_kim, clayton_tip, clayton_pd):
    from casework import tip_work

    tip_work.record_hand_off(
        tip=clayton_tip, actor=officer_olsen, agency=clayton_pd, kind="cd_hotline", happened_at=timezone.now()
    )
    olsen_stats = staff_client(officer_olsen).get(reverse("dashboard:stats")).content.decode()
    row = olsen_stats[olsen_stats.index("Division hotline") :][:200]
    assert '<td class="text-end">1</td>' in row
    kim_stats = staff_client(officer_kim).get(reverse("dashboard:stats")).content.decode()
    row = kim_stats[kim_stats.index("Division hotline") :][:200]
    assert '<td class="text-end">0</td>' in row


def test_the_panel_read_with_the_tip_shows_what_the_models_hold(
    staff_client, principal_park, clayton_tip, behavioral_health, clayton_district
):
    """The panel's rows (``casework.tip_panel``): each hand-off with its time, partner,
    decrypted note and recorder in order, and the partners a new hand-off may name; the
    same whether the tip was read with the page's flag or without it."""
    from casework import tip_panel

    later = timezone.now() - timedelta(hours=1)
    HandOff.objects.create(
        tip=clayton_tip,
        kind="mental_health",
        happened_at=later,
        partner=behavioral_health,
        note="Counselor saw the student",
        agency=clayton_district,
        recorded_by=principal_park,
    )
    HandOff.objects.create(
        tip=clayton_tip, kind="911", happened_at=later - timedelta(hours=2), external_reference="R-1"
    )
    page = staff_client(principal_park).get(reverse("dashboard:tip-detail", args=[clayton_tip.pk])).content.decode()
    panel = page[page.index('id="casework"') :]
    first, second = panel.index("911 called"), panel.index("Referred to a mental-health partner")
    assert first < second
    when = timezone.localtime(later).strftime("%b %-d, %Y %-I:%M %p")
    assert when in panel and "County Behavioral Health" in panel and "Counselor saw the student" in panel
    assert f"Recorded by {principal_park.get_full_name()} ({clayton_district.name})" in panel
    assert "Recorded by a former user" in panel
    assert f'<option value="{behavioral_health.pk}">County Behavioral Health</option>' in panel

    annotated = tip_panel.panel_rows(
        type(clayton_tip).objects.annotate(**tip_panel.annotations(principal_park)).get(pk=clayton_tip.pk),
        principal_park,
    )
    plain = tip_panel.panel_rows(type(clayton_tip).objects.get(pk=clayton_tip.pk), principal_park)
    assert [(h.kind, h.happened_at, h.note, h.partner and h.partner.name) for h in annotated.hand_offs] == [
        (h.kind, h.happened_at, h.note, h.partner and h.partner.name)
        for h in HandOff.objects.filter(tip=clayton_tip).select_related("partner")
    ]
    assert [h.pk for h in plain.hand_offs] == [h.pk for h in annotated.hand_offs]
    assert annotated.partners == [(behavioral_health.pk, "County Behavioral Health")]


@pytest.mark.django_db
def test_a_tip_without_casework_has_an_empty_panel_without_a_query(
    make_tip, clayton_high, principal_park, behavioral_health, django_assert_num_queries
):
    """The tip page reads one flag with the tip; a tip nothing was handed off from, on no
    case and with no state-report mark, shows the panel (with the partners a hand-off may
    name) without asking for its rows; once it has a mark, the rows are read."""
    from casework import tip_panel
    from casework.models import StateReportEntry, StateReportKind
    from partners.models import memberships_of

    tip = make_tip(school=clayton_high).tip
    flagged = type(tip).objects.annotate(**tip_panel.annotations(principal_park))
    tip_panel.mental_health_partners()  # in the cache, as for any page after the first
    memberships_of(principal_park)  # read once per request, as the page has by then
    read = flagged.get(pk=tip.pk)
    with django_assert_num_queries(0):
        panel = tip_panel.panel_rows(read, principal_park)
    assert (panel.hand_offs, panel.cases, panel.state_kind) == ([], [], "")
    assert panel.partners == [(behavioral_health.pk, "County Behavioral Health")]
    kind = StateReportKind.values[0]
    StateReportEntry.objects.create(
        district=clayton_high.district, school=clayton_high, tip=tip, kind=kind, occurred_on=tip.received_at.date()
    )
    read = flagged.get(pk=tip.pk)
    with django_assert_num_queries(1):
        panel = tip_panel.panel_rows(read, principal_park)
    assert panel.state_kind == kind
