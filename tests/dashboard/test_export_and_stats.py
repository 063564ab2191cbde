"""Export and stats include only visible tips; exports are audited; contact details only
for roles that may see them."""

import csv
import io

import pytest
from django.urls import reverse

from reports.triage import actions
from safeschools.models import AuditEvent


def exported(response) -> list[dict]:
    text = b"".join(response.streaming_content).decode()
    return list(csv.DictReader(io.StringIO(text)))


@pytest.mark.django_db
def test_export_has_only_visible_filtered_tips_and_is_audited(staff_client, officer_olsen, clayton_tip, kirkwood_tip):
    response = staff_client(officer_olsen).get(reverse("dashboard:export"), {"state": "new"})
    assert response["Content-Disposition"] == 'attachment; filename="tips.csv"'
    rows = exported(response)
    assert [r["reference"] for r in rows] == [clayton_tip.reference]
    assert "contact details" not in rows[0]
    assert "knife" not in str(rows).lower()  # no tip text in exports
    event = AuditEvent.objects.get(action="export")
    assert event.actor_label == "olsen" and event.detail["rows"] == 1 and event.detail["filters"] == {"state": "new"}
    assert rows[0]["agencies' parts"] == (
        "Clayton Police Department (responsible): new; Clayton School District (responsible): new"
    )


@pytest.mark.django_db
def test_contact_details_only_for_roles_that_may_see_them(
    staff_client, officer_olsen, principal_park, clayton_tip, client
):
    rows = exported(staff_client(officer_olsen).get(reverse("dashboard:export"), {"include_contact": "on"}))
    assert rows[0]["contact details"] == "555-0142"
    client.logout()
    rows = exported(staff_client(principal_park).get(reverse("dashboard:export"), {"include_contact": "on"}))
    assert "contact details" not in rows[0]
    assert AuditEvent.objects.filter(action="export", detail__with_contact=False).count() == 1


@pytest.mark.django_db
def test_stats_count_only_visible_tips(staff_client, officer_olsen, make_tip, clayton_high, kirkwood_high):
    for _ in range(3):
        make_tip(school=clayton_high)
    seen = make_tip(school=clayton_high, category="weapons").tip
    for _ in range(5):
        make_tip(school=kirkwood_high)
    actions.acknowledge(tip=seen, actor=officer_olsen, memberships=list(officer_olsen.memberships.all()))
    response = staff_client(officer_olsen).get(reverse("dashboard:stats"))
    body = response.content.decode()
    assert "received in the last 12 months: 4." in body
    assert "Kirkwood High School" not in body
    assert "1 of 1 life-safety tips were acknowledged before they escalated." in body
    assert "<svg" in body and "Bullying" in body


@pytest.mark.django_db
def test_stats_median_time_to_acknowledge(officer_olsen, make_tip, clayton_high):
    from datetime import timedelta

    from reports.models import Tip
    from reports.triage import stats

    for hours in (1, 2, 10):
        tip = make_tip(school=clayton_high).tip
        Tip.objects.filter(pk=tip.pk).update(first_acknowledged_at=tip.received_at + timedelta(hours=hours))
    assert stats.median_hours_to_acknowledge(Tip.objects.visible_to(officer_olsen)) == 2.0
