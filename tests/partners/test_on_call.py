"""The weekly on-call rota (partners.OnCallShift), edited by coordinators in the admin."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from partners.models import OnCallShift


@pytest.mark.django_db
def test_only_members_who_can_act_are_on_call(clayton_pd, officer_olsen, officer_kim, viewer_vega):
    OnCallShift(agency=clayton_pd, user=officer_olsen, weekday=0, start_hour=8, end_hour=17).full_clean()
    for outsider in (officer_kim, viewer_vega):
        with pytest.raises(ValidationError, match="Only a member of this agency"):
            OnCallShift(agency=clayton_pd, user=outsider, weekday=0, start_hour=8, end_hour=17).full_clean()


@pytest.mark.django_db
def test_a_shift_ends_after_it_starts_and_by_midnight(clayton_pd, officer_olsen):
    with pytest.raises(ValidationError, match="must end after it starts"):
        OnCallShift(agency=clayton_pd, user=officer_olsen, weekday=0, start_hour=22, end_hour=6).full_clean()
    for start, end in [(22, 6), (0, 25)]:
        with pytest.raises(IntegrityError), transaction.atomic():
            OnCallShift.objects.create(agency=clayton_pd, user=officer_olsen, weekday=0, start_hour=start, end_hour=end)


@pytest.mark.django_db
def test_covering_reads_the_local_weekday_and_hour(clayton_pd, officer_olsen, time_machine):
    night = OnCallShift.objects.create(agency=clayton_pd, user=officer_olsen, weekday=0, start_hour=22, end_hour=24)
    # Monday 23:30 in St. Louis is Tuesday 05:30 UTC: the Monday shift covers it.
    moment = timezone.make_aware(datetime(2026, 3, 2, 23, 30))
    assert moment.astimezone(UTC).weekday() == 1
    assert list(OnCallShift.objects.covering(moment)) == [night]
    assert list(OnCallShift.objects.covering(timezone.make_aware(datetime(2026, 3, 2, 21, 59)))) == []


@pytest.mark.django_db
def test_a_coordinator_edits_the_rota_in_the_admin(client, login_verified, coordinator_cole, clayton_pd, officer_olsen):
    login_verified(client, coordinator_cole)
    url = reverse("admin:partners_agency_change", args=[clayton_pd.pk])
    page = client.get(url)
    assert page.status_code == 200 and b"On-call rota (local time" in page.content
    data = {
        "name": clayton_pd.name,
        "slug": clayton_pd.slug,
        "kind": clayton_pd.kind,
        "can_act": "on",
        "is_partner": "on",
        "display_order": 100,
        "on_call_shifts-TOTAL_FORMS": 1,
        "on_call_shifts-INITIAL_FORMS": 0,
        "on_call_shifts-MIN_NUM_FORMS": 0,
        "on_call_shifts-MAX_NUM_FORMS": 1000,
        "on_call_shifts-0-user": officer_olsen.pk,
        "on_call_shifts-0-weekday": 5,
        "on_call_shifts-0-start_hour": 18,
        "on_call_shifts-0-end_hour": 24,
    }
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:3000]
    shift = OnCallShift.objects.get()
    assert (shift.agency, shift.user, shift.weekday, shift.start_hour, shift.end_hour) == (
        clayton_pd,
        officer_olsen,
        5,
        18,
        24,
    )
