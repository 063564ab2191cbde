"""Reachability as a computed fact (reports.notifications.coverage): for each agency, who
a life-safety tip sent there now would reach, and by which channels; red, amber, green."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from django.utils import timezone

from partners.models import Agency, Membership, OnCallShift
from reports.notifications import channels, coverage
from reports.notifications.coverage import State
from tests.conftest import finish_every_part


def _on_call(user, agency, *, weekday: int, start: int, end: int) -> OnCallShift:
    return OnCallShift.objects.create(agency=agency, user=user, weekday=weekday, start_hour=start, end_hour=end)


def _person_at(agency, username: str):
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.create_user(username=username, email=f"{username}@example.org")
    Membership.objects.create(user=user, agency=agency, role=Membership.Role.OFFICER)
    return user


class _Texting:
    """Gives the people named a confirmed mobile number, with text messages switched on
    (the console backend): a real SMS channel, as the sms tests set it up."""

    def __init__(self, give_mobile) -> None:
        self.give_mobile = give_mobile
        self.numbers = iter(range(100, 200))

    def add(self, username: str) -> None:
        from django.contrib.auth import get_user_model

        user = get_user_model().objects.get(username=username)
        self.give_mobile(user, f"+1314555{next(self.numbers):04d}")

    def update(self, usernames) -> None:
        for username in sorted(usernames):
            self.add(username)


@pytest.fixture
def texting(settings, give_mobile):
    settings.SMS_BACKEND = "console"
    return _Texting(give_mobile)


@pytest.mark.django_db
def test_states_red_amber_green_and_info_only(clock, clayton_pd, clayton_district, kirkwood_pd, officer_olsen, texting):
    lifeline = Agency.objects.create(name="Lifeline", slug="lifeline", kind=Agency.Kind.MENTAL_HEALTH, can_act=False)
    reach = coverage.agency_reach()
    # Tuesday 10:00: Olsen has e-mail only and nobody is on call.
    assert reach[clayton_pd.pk].state == State.AMBER
    assert reach[clayton_pd.pk].reasons == ["e-mail only", "nobody on call at this hour"]
    assert reach[clayton_district.pk].state == State.RED
    assert reach[clayton_district.pk].reasons == ["no one enrolled"]
    assert reach[lifeline.pk].state == State.INFO

    _on_call(officer_olsen, clayton_pd, weekday=1, start=8, end=16)
    assert coverage.agency_reach()[clayton_pd.pk].reasons == ["e-mail only"]
    stone = _person_at(clayton_pd, "stone")
    texting.add("stone")
    assert coverage.agency_reach()[clayton_pd.pk].reasons == ["the person on call has e-mail only"]
    stone.delete()
    texting.add("olsen")
    assert coverage.agency_reach()[clayton_pd.pk].state == State.GREEN
    clock.shift(timedelta(hours=6))  # 16:00: the shift has ended
    assert coverage.agency_reach()[clayton_pd.pk].reasons == ["nobody on call at this hour"]


@pytest.mark.django_db
def test_the_rota_is_read_in_chicago_time_across_a_daylight_saving_change(clayton_pd, officer_olsen, time_machine):
    _on_call(officer_olsen, clayton_pd, weekday=6, start=1, end=4)  # Sunday 01:00–04:00 local
    # 2026-03-08 is the spring change: 02:00 CST does not exist, 03:30 CDT does.
    inside = timezone.make_aware(datetime(2026, 3, 8, 3, 30))
    assert inside.utcoffset() == timedelta(hours=-5)
    time_machine.move_to(inside, tick=False)
    assert [p.user for p in coverage.agency_reach()[clayton_pd.pk].on_call_now] == [officer_olsen]
    time_machine.move_to(timezone.make_aware(datetime(2026, 3, 8, 4, 0)), tick=False)
    assert coverage.agency_reach()[clayton_pd.pk].on_call_now == []


@pytest.mark.django_db
def test_a_viewer_on_call_does_not_make_the_agency_reachable(clayton_pd, viewer_vega):
    OnCallShift.objects.bulk_create(
        [OnCallShift(agency=clayton_pd, user=viewer_vega, weekday=d, start_hour=0, end_hour=24) for d in range(7)]
    )
    target = coverage.agency_reach()[clayton_pd.pk]
    assert target.state == State.RED and target.on_call_now == []


@pytest.mark.django_db
def test_schools_are_red_when_neither_agency_can_be_reached_amber_when_one_is_not_green(
    clayton_high, kirkwood_high, officer_olsen, officer_kim, principal_park, texting, django_user_model
):
    from tests.conftest import _person

    kirkwood_district = kirkwood_high.district
    reyes = _person(django_user_model, "reyes", "Rosa", "Reyes", kirkwood_district, Membership.Role.SCHOOL_ADMIN)
    texting.update({"olsen", "park", "kim", "reyes"})
    for user, agency in [
        (officer_olsen, clayton_high.police_agency),
        (principal_park, clayton_high.district),
        (officer_kim, kirkwood_high.police_agency),
        (reyes, kirkwood_district),
    ]:
        OnCallShift.objects.bulk_create(
            [OnCallShift(agency=agency, user=user, weekday=d, start_hour=0, end_hour=24) for d in range(7)]
        )
    result = coverage.coverage()
    assert {row.school.name: row.state for row in result.schools} == {
        "Clayton High School": State.GREEN,
        "Kirkwood High School": State.GREEN,
    }
    Membership.objects.filter(user__in=[officer_olsen, principal_park]).delete()
    Membership.objects.filter(user=reyes).delete()
    result = coverage.coverage()
    assert {row.school.name: row.state for row in result.schools} == {
        "Clayton High School": State.RED,
        "Kirkwood High School": State.AMBER,
    }
    assert result.school_counts() == {"green": 0, "amber": 1, "red": 1, "info": 0}
    assert [s.school.name for s in result.schools] == ["Clayton High School", "Kirkwood High School"]  # red first


@pytest.mark.django_db
def test_the_fallback_uses_its_phones_only_while_texts_are_switched_on(settings):
    settings.ALERT_FALLBACK_EMAIL = "dispatch@example.org"
    settings.ALERT_FALLBACK_PHONES = ["+13145550199"]
    settings.SMS_BACKEND = ""
    assert channels.fallback().addresses == (channels.Address("email", "dispatch@example.org"),)
    settings.SMS_BACKEND = "console"
    assert channels.Address("sms", "+13145550199") in channels.fallback().addresses


@pytest.mark.django_db
def test_red_agencies_responsible_for_open_tips(make_tip, clayton_high, kirkwood_high, officer_olsen, officer_kim):
    clayton = make_tip(school=clayton_high).tip
    kirkwood = make_tip(school=kirkwood_high).tip
    assert {a.name for a in coverage.red_targets_of_open_tips()} == {
        "Clayton School District",
        "Kirkwood School District",
    }
    # Kirkwood's district found it unfounded (its part done; the police's part still open),
    # and every agency finished the Clayton tip.
    district = kirkwood.routings.get(agency__name="Kirkwood School District")
    district.finish(by=officer_kim, disposition="unfounded", note="A false report.")
    finish_every_part(clayton, by=officer_olsen)
    assert coverage.red_targets_of_open_tips() == []


@pytest.mark.django_db
def test_reach_takes_a_fixed_number_of_queries(
    clayton_high, kirkwood_high, officer_olsen, officer_kim, django_assert_num_queries
):
    # agencies, memberships with their users, the rota, the textable mobiles
    with django_assert_num_queries(4):
        reach = coverage.agency_reach()
        assert [p.name for target in reach.values() for p in target.people]
