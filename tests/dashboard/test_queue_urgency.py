"""The queue tells urgency at a glance, for every viewer: life-safety and "danger right now"
badges, the age from the hour a tip arrived, the escalation clock or the acknowledgement
deadline, "not acknowledged by a responsible agency" highlighted for coordinators too;
tab counts that agree with the rows; a pinned number of queries."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from reports.models import Routing
from reports.triage import actions, queue, urgency

QUEUE = "/staff/"
TUESDAY_9_40 = timezone.make_aware(datetime(2026, 3, 3, 9, 40))


def row_of(body: str, reference: str) -> str:
    return next(row for row in body.split("<tr") if reference in row)


def test_age_is_known_to_the_hour():
    arrived = TUESDAY_9_40.replace(minute=0)
    assert urgency.age(arrived, TUESDAY_9_40) == "< 1 h"
    assert urgency.age(arrived, TUESDAY_9_40 + timedelta(hours=5)) == "5 h"
    assert urgency.age(arrived, TUESDAY_9_40 + timedelta(days=3)) == "3 d"


def test_clocks_say_how_long_is_left_or_how_late():
    due = TUESDAY_9_40 + timedelta(minutes=10)
    assert urgency.escalation_clock(due, 0, TUESDAY_9_40) == urgency.Clock("Escalates in 10 min", overdue=False)
    assert urgency.escalation_clock(due, 0, due + timedelta(minutes=2)).label == "Escalation due 2 min ago"
    assert urgency.escalation_clock(due, 2, TUESDAY_9_40).label == "Escalated (level 2); again in 10 min"
    assert urgency.escalation_clock(None, 0, TUESDAY_9_40) is None
    arrived = TUESDAY_9_40.replace(minute=0)
    assert urgency.acknowledge_clock(arrived, TUESDAY_9_40).label == "Acknowledge within 23 h"
    friday = timezone.make_aware(datetime(2026, 2, 27, 15, 0))
    saturday = friday + timedelta(hours=20)
    assert urgency.acknowledge_clock(friday, saturday).label == "Acknowledge within 2 d"  # the weekend does not count
    assert urgency.acknowledge_clock(arrived, arrived + timedelta(hours=26)) == urgency.Clock("Overdue by 2 h", True)


@pytest.mark.django_db
def test_coordinator_sees_a_tip_highlighted_until_every_responsible_agency_acknowledges(
    staff_client, coordinator_cole, officer_olsen, principal_park, make_tip, clayton_high
):
    clock = time_machine.travel(TUESDAY_9_40, tick=False)
    traveller = clock.start()
    tip = make_tip(school=clayton_high, category="weapons", danger_now=True).tip
    client = staff_client(coordinator_cole)
    traveller.shift(timedelta(minutes=4))
    row = row_of(client.get(QUEUE).content.decode(), tip.reference)
    assert 'class="table-danger"' in row
    assert "Life safety" in row and "Danger right now" in row
    assert "Not acknowledged: Clayton Police Department, Clayton School District" in row
    assert "Escalates in 6 min" in row and "&lt; 1 h" in row

    actions.acknowledge(tip=tip, actor=officer_olsen, memberships=list(officer_olsen.memberships.all()))
    row = row_of(client.get(QUEUE).content.decode(), tip.reference)
    assert 'class="table-danger"' in row and "Not acknowledged: Clayton School District" in row

    actions.acknowledge(tip=tip, actor=principal_park, memberships=list(principal_park.memberships.all()))
    row = row_of(client.get(QUEUE).content.decode(), tip.reference)
    assert "table-danger" not in row and "Not acknowledged" not in row and "Escalat" not in row
    clock.stop()


@pytest.mark.django_db
def test_an_agency_sees_its_own_acknowledgement_and_the_deadline(staff_client, officer_olsen, make_tip, clayton_high):
    with time_machine.travel(TUESDAY_9_40, tick=False) as traveller:
        tip = make_tip(school=clayton_high).tip
        client = staff_client(officer_olsen)
        traveller.shift(timedelta(hours=3))
        row = row_of(client.get(QUEUE).content.decode(), tip.reference)
        assert 'class="table-warning"' in row and "Not acknowledged</span>" in row
        assert "Acknowledge within 20 h" in row and ">3 h<" in row  # 9 AM hour + 24 h, at 12:40
        actions.acknowledge(tip=tip, actor=officer_olsen, memberships=list(officer_olsen.memberships.all()))
        row = row_of(client.get(QUEUE).content.decode(), tip.reference)
    assert "table-warning" not in row and "Acknowledge within" not in row
    assert 'Clayton Police Department: <span class="fw-semibold">acknowledged</span>' in row
    assert 'Clayton School District: <span class="fw-semibold">not acknowledged</span>' in row


@pytest.mark.django_db
@pytest.mark.parametrize("reader", ["officer_olsen", "coordinator_cole"])
def test_tab_counts_agree_with_the_rows(
    reader, request, staff_client, officer_olsen, make_tip, clayton_high, kirkwood_high
):
    from tests.conftest import finish_every_part

    tips = [make_tip(school=school).tip for school in (clayton_high, clayton_high, clayton_high, kirkwood_high)]
    actions.acknowledge(tip=tips[0], actor=officer_olsen, memberships=list(officer_olsen.memberships.all()))
    finish_every_part(tips[1], by=officer_olsen)
    client = staff_client(request.getfixturevalue(reader))
    body = client.get(QUEUE).content.decode()
    tabs = re.findall(r'href="\?([^"]*)"[^>]*>([^<]+) <span class="badge text-bg-light">([\d,+]+)</span>', body)
    assert len(tabs) == 5
    for params, label, count in tabs:
        listed = re.findall(
            r'href="/staff/tips/\d+/">(T-[0-9A-Z]+)</a>',
            client.get(QUEUE + "?" + params.replace("&amp;", "&")).content.decode(),
        )
        assert int(count) == len(listed), label


@pytest.mark.django_db
def test_counts_above_the_cap_say_so(staff_client, officer_olsen, make_tip, clayton_high, monkeypatch):
    monkeypatch.setattr(queue, "COUNT_CAP", 2)
    for _ in range(3):
        make_tip(school=clayton_high)
    body = staff_client(officer_olsen).get(QUEUE).content.decode()
    assert "2+ matching" in body and 'All <span class="badge text-bg-light">2+</span>' in body


# Olsen's page is found in order on his agency's routings, then read by key: one more.
QUEUE_QUERIES = {"officer_olsen": 10, "coordinator_cole": 9}


@pytest.mark.django_db
@pytest.mark.parametrize("reader", sorted(QUEUE_QUERIES))
def test_queue_query_count_is_pinned(
    reader, request, staff_client, make_tip, clayton_high, kirkwood_high, officer_olsen
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = staff_client(request.getfixturevalue(reader))
    client.get(QUEUE)
    counts = []
    for batch in range(2):
        for _ in range(4 + 10 * batch):
            make_tip(school=clayton_high, category="weapons")
            tip = make_tip(school=kirkwood_high).tip
        Routing.objects.filter(tip=tip).first().assign(officer_olsen)
        with CaptureQueriesContext(connection) as queries:
            assert client.get(QUEUE).status_code == 200
        counts.append(len([q for q in queries if "SAVEPOINT" not in q["sql"]]))
    assert counts == [QUEUE_QUERIES[reader]] * 2


@pytest.mark.django_db
def test_queue_link_of_each_row_is_the_tip_page(staff_client, officer_olsen, clayton_tip):
    body = staff_client(officer_olsen).get(QUEUE).content.decode()
    assert f'href="{reverse("dashboard:tip-detail", args=[clayton_tip.pk])}"' in body
