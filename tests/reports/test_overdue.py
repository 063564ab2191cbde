"""Overdue tips (reports.selectors): unacknowledged by a responsible agency for a business
day; weekends do not count."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from django.utils import timezone

from reports.models import Routing, Tip
from reports.selectors import business_day_before, overdue_routings, with_overdue


def _local(*args) -> datetime:
    return timezone.make_aware(datetime(*args))


@pytest.mark.parametrize(
    ("now", "cutoff"),
    [
        (_local(2026, 3, 4, 10, 0), _local(2026, 3, 3, 10, 0)),  # Wednesday → Tuesday
        (_local(2026, 3, 9, 15, 0), _local(2026, 3, 6, 15, 0)),  # Monday → Friday
        (_local(2026, 3, 7, 12, 0), _local(2026, 3, 6, 0, 0)),  # Saturday → start of Friday
        (_local(2026, 3, 8, 23, 0), _local(2026, 3, 6, 0, 0)),  # Sunday → start of Friday
        (_local(2026, 3, 10, 0, 30), _local(2026, 3, 9, 0, 30)),  # Tuesday 00:30 → Monday 00:30
        (_local(2026, 3, 9, 0, 30), _local(2026, 3, 6, 0, 30)),  # Monday 00:30 → Friday 00:30
        # Daylight saving time starts on Sunday 8 March 2026: still 24 real hours of weekday.
        (_local(2026, 3, 9, 12, 0), _local(2026, 3, 6, 12, 0)),
    ],
)
def test_business_day_before(now, cutoff):
    assert business_day_before(now) == cutoff


@pytest.fixture
def friday_tip(make_tip, clayton_high, time_machine):
    time_machine.move_to(_local(2026, 3, 6, 15, 20), tick=False)
    return make_tip(school=clayton_high).tip


@pytest.mark.django_db
def test_a_friday_afternoon_tip_is_overdue_on_monday_afternoon(friday_tip):
    routings = Routing.objects.filter(tip=friday_tip)

    assert not overdue_routings(_local(2026, 3, 9, 14, 59)).filter(tip=friday_tip).exists()
    # received_at keeps only the hour (15:00), so it is overdue from Monday 15:00.
    assert set(overdue_routings(_local(2026, 3, 9, 15, 0)).filter(tip=friday_tip)) == set(routings)


@pytest.mark.django_db
def test_acknowledged_closed_and_info_only_routings_are_not_overdue(friday_tip, officer_olsen):
    monday = _local(2026, 3, 10, 9, 0)
    police = Routing.objects.get(tip=friday_tip, agency__name="Clayton Police Department")
    police.acknowledge(by=officer_olsen)
    assert list(overdue_routings(monday).values_list("agency__name", flat=True)) == ["Clayton School District"]

    Routing.objects.filter(tip=friday_tip).update(role="info_only")
    assert not overdue_routings(monday).exists()

    Routing.objects.filter(tip=friday_tip).update(role="responsible")
    Tip.objects.filter(pk=friday_tip.pk).update(closed_at=monday - timedelta(hours=1), state="done")
    assert not overdue_routings(monday).exists()

    Tip.objects.filter(pk=friday_tip.pk).update(closed_at=None, state="open")
    district = Routing.objects.get(tip=friday_tip, agency__name="Clayton School District")
    district.finish(by=officer_olsen, disposition="unfounded", note="A prank.")
    assert not overdue_routings(monday).exists()


@pytest.mark.django_db
def test_tips_are_annotated_for_the_dashboard_in_one_query(
    friday_tip, make_tip, kirkwood_high, clayton_pd, kirkwood_pd, time_machine, django_assert_num_queries
):
    time_machine.move_to(_local(2026, 3, 10, 8, 0), tick=False)
    recent = make_tip(school=kirkwood_high).tip
    tuesday = _local(2026, 3, 10, 9, 0)

    with django_assert_num_queries(1):
        flags = dict(with_overdue(Tip.objects.all(), tuesday).values_list("reference", "is_overdue"))
    assert flags == {friday_tip.reference: True, recent.reference: False}

    mine = with_overdue(Tip.objects.all(), tuesday, agency_ids=[kirkwood_pd.pk])
    assert dict(mine.values_list("reference", "is_overdue")) == {friday_tip.reference: False, recent.reference: False}
    theirs = with_overdue(Tip.objects.all(), tuesday, agency_ids=[clayton_pd.pk])
    assert theirs.get(pk=friday_tip.pk).is_overdue
