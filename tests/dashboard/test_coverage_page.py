"""The coverage page and the coordinators' banner: every agency and school with its state."""

from __future__ import annotations

import pytest
from django.urls import reverse

from partners.models import Agency, OnCallShift

COVERAGE = reverse("dashboard:coverage")
QUEUE = reverse("dashboard:queue")


@pytest.mark.django_db
def test_coverage_lists_every_agency_and_school_with_state_counts_and_rota(
    staff_client, coordinator_cole, clayton_high, kirkwood_high, officer_olsen, settings
):
    settings.ALERT_FALLBACK_NAME = "County dispatch"
    settings.ALERT_FALLBACK_EMAIL = "dispatch@example.org"
    OnCallShift.objects.create(
        agency=clayton_high.police_agency, user=officer_olsen, weekday=0, start_hour=8, end_hour=17
    )
    Agency.objects.create(name="Lifeline", slug="lifeline", kind=Agency.Kind.MENTAL_HEALTH, can_act=False)

    page = staff_client(coordinator_cole).get(COVERAGE).content.decode()

    agencies = page.split('id="coverage-agencies"')[1].split("</table>")[0]
    rows = {row.split('<th scope="row">')[1].split("<")[0]: row for row in agencies.split("<tr")[2:]}
    assert "Red" in rows["Clayton School District"] and "no one enrolled" in rows["Clayton School District"]
    assert "Amber" in rows["Clayton Police Department"] and "e-mail only" in rows["Clayton Police Department"]
    assert "Mon, 08–17: Oliver Olsen" in rows["Clayton Police Department"]
    assert "Info only" in rows["Lifeline"]
    assert "1 of 1" in rows["Clayton Police Department"]
    schools = page.split('id="coverage-schools"')[1]
    assert "Clayton High School" in schools and "Kirkwood High School" in schools
    assert "County dispatch: dispatch@example.org (email)" in page
    assert '<span class="badge text-bg-danger">3 red</span>' in page  # the two districts and Kirkwood PD


@pytest.mark.django_db
def test_coverage_page_says_when_there_is_no_fallback(staff_client, coordinator_cole):
    page = staff_client(coordinator_cole).get(COVERAGE).content.decode()
    assert "Not configured" in page and "ALERT_FALLBACK_EMAIL" in page


@pytest.mark.django_db
def test_coverage_page_query_count_does_not_grow_with_agencies(
    staff_client, coordinator_cole, clayton_high, officer_olsen, django_assert_num_queries
):
    client = staff_client(coordinator_cole)
    client.get(COVERAGE)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        client.get(COVERAGE)
    for number in range(20):
        Agency.objects.create(name=f"Town {number} Police", slug=f"town-{number}", kind=Agency.Kind.POLICE)
    with django_assert_num_queries(len(few)):
        client.get(COVERAGE)


@pytest.mark.django_db
def test_banner_while_an_agency_responsible_for_an_open_tip_is_red(
    staff_client, coordinator_cole, officer_olsen, make_tip, clayton_high, client
):
    tip = make_tip(school=clayton_high).tip  # the Clayton district has nobody

    page = staff_client(coordinator_cole).get(QUEUE).content.decode()
    assert 'id="coverage-banner"' in page and "Clayton School District" in page
    client.logout()
    assert 'id="coverage-banner"' not in staff_client(officer_olsen).get(QUEUE).content.decode()

    from safeschools.cache import forget
    from tests.conftest import finish_every_part

    finish_every_part(tip, by=coordinator_cole, disposition="unfounded")
    forget("queue-red-targets")  # the banner is kept 30 seconds
    client.logout()
    assert 'id="coverage-banner"' not in staff_client(coordinator_cole).get(QUEUE).content.decode()
