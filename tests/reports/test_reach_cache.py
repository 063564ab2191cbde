"""Who an alert can reach is kept in the shared cache (``ladder.Reach.load``) while nothing
it is read from changes (``partners.reach_changes``): every change to an agency, a
membership, a person, an on-call shift or a mobile shows on the very next alert, and the
next hour's rota at the next hour. A tip must never go to a person who left, nor miss one
who just enrolled."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from partners import mobiles, reach_changes
from partners.models import Agency, Membership, OnCallShift, StaffMobile
from reports.models import Notification
from reports.notifications import coverage, ladder

OLSEN_MOBILE = "+13145550101"


def summary(agencies, coordinators) -> tuple:
    """Everything an alert uses from a reach, comparable."""

    def person(p: coverage.Person) -> tuple:
        user = p.user
        return (
            user.pk,
            user.get_full_name(),
            user.email,
            p.role,
            tuple(sorted(p.channels)),
            p.new_tip_alerts,
            p.escalation_contact,
            p.on_call,
            p.tipster_message_alerts,
            p.texts,
        )

    return (
        {
            pk: (a.agency.name, a.agency.can_act, a.agency.phone, [person(p) for p in a.people])
            for pk, a in agencies.items()
        },
        [person(p) for p in coordinators],
    )


def loaded(agency_ids) -> tuple:
    reach = ladder.Reach.load(agency_ids)
    return summary(reach.agencies, reach.coordinators)


def from_database(agency_ids) -> tuple:
    return summary(*coverage.reach_with_coordinators(Agency.objects.filter(pk__in=agency_ids), now=timezone.now()))


def cached_now(agency_ids) -> tuple:
    """Load twice: the second must come from the cache without a query."""
    loaded(agency_ids)
    with CaptureQueriesContext(connection) as queries:
        seen = loaded(agency_ids)
    assert len(queries) == 0, [q["sql"] for q in queries.captured_queries]
    return seen


# --- Each change, by every way our code makes it ---------------------------------------------


def enrol_someone_new(c):
    user = c["users"].objects.create_user("nash", "nash@example.org", "x" * 20, first_name="Nia", last_name="Nash")
    Membership.objects.create(user=user, agency=c["clayton_pd"], role=Membership.Role.OFFICER)


def make_a_viewer(c):
    membership = Membership.objects.get(user=c["olsen"])
    membership.role = Membership.Role.VIEWER
    membership.save()


def choose_no_alerts_in_bulk(c):
    Membership.objects.filter(user=c["olsen"]).update(new_tip_alerts=Membership.NewTipAlerts.NONE)


def end_a_membership(c):
    Membership.objects.filter(user=c["park"]).delete()


def make_an_escalation_contact(c):
    membership = Membership.objects.get(user=c["park"])
    membership.is_escalation_contact = True
    membership.save()


def deactivate_a_person(c):
    c["olsen"].is_active = False
    c["olsen"].save()


def clear_an_email(c):
    c["park"].email = ""
    c["park"].save()


def rename_a_person(c):
    c["olsen"].last_name = "Olsen-Reyes"
    c["olsen"].save()


def put_someone_on_call(c):
    OnCallShift.objects.create(agency=c["clayton_pd"], user=c["olsen"], weekday=1, start_hour=0, end_hour=24)


def end_a_shift_in_bulk(c):
    OnCallShift.objects.filter(user=c["olsen"]).delete()


def confirm_a_mobile(c):
    mobiles.enrol_verified(user=c["olsen"], number=OLSEN_MOBILE)


def text_every_alert(c):
    mobiles.set_sms_for_all_alerts(user=c["olsen"], value=True)  # a QuerySet.update


def reply_stop(c):
    mobiles.stop(StaffMobile.objects.get(user=c["olsen"]), how="by a test")  # a QuerySet.update


def reply_start(c):
    mobiles.resume(StaffMobile.objects.get(user=c["olsen"]), how="by a test")


def remove_a_mobile(c):
    StaffMobile.objects.get(user=c["olsen"]).delete()


def change_an_agency_phone(c):
    c["clayton_pd"].phone = "314-555-0199"
    c["clayton_pd"].save()


def change_agencies_in_bulk(c):
    Agency.objects.filter(pk=c["clayton_pd"].pk).update(name="Clayton Police")


def make_a_coordinator_want_the_digest(c):
    Membership.objects.filter(user=c["cole"]).update(new_tip_alerts=Membership.NewTipAlerts.DAILY_DIGEST)


def stop_then(c):
    confirm_a_mobile(c)
    reply_stop(c)


# (what is there first, the change)
CHANGES = [
    (None, enrol_someone_new),
    (None, make_a_viewer),
    (None, choose_no_alerts_in_bulk),
    (None, end_a_membership),
    (None, make_an_escalation_contact),
    (None, deactivate_a_person),
    (None, clear_an_email),
    (None, rename_a_person),
    (None, put_someone_on_call),
    (put_someone_on_call, end_a_shift_in_bulk),
    (None, confirm_a_mobile),
    (confirm_a_mobile, text_every_alert),
    (confirm_a_mobile, reply_stop),
    (stop_then, reply_start),
    (confirm_a_mobile, remove_a_mobile),
    (None, change_an_agency_phone),
    (None, change_agencies_in_bulk),
    (None, make_a_coordinator_want_the_digest),
]


@pytest.fixture
def county_staff(clock, twilio, django_user_model, clayton_high, officer_olsen, principal_park, coordinator_cole):
    ids = [clayton_high.district_id, clayton_high.police_agency_id]
    return {
        "users": django_user_model,
        "olsen": officer_olsen,
        "park": principal_park,
        "cole": coordinator_cole,
        "clayton_pd": clayton_high.police_agency,
        "ids": ids,
    }


@pytest.mark.django_db
@pytest.mark.parametrize(("first", "change"), CHANGES, ids=[change.__name__ for _, change in CHANGES])
def test_every_change_shows_on_the_next_reach(county_staff, first, change):
    ids = county_staff["ids"]
    if first:
        first(county_staff)
    before = cached_now(ids)
    assert before == from_database(ids)

    change(county_staff)

    after = loaded(ids)
    assert after == from_database(ids)
    assert after != before, "the change is one an alert would see"


@pytest.mark.django_db
def test_the_rota_of_the_next_hour_is_read_at_the_next_hour(county_staff, clock):
    ids = county_staff["ids"]
    local = timezone.localtime()
    OnCallShift.objects.create(
        agency=county_staff["clayton_pd"],
        user=county_staff["olsen"],
        weekday=local.weekday(),
        start_hour=local.hour + 1,
        end_hour=local.hour + 2,
    )
    police = county_staff["clayton_pd"].pk
    assert not ladder.Reach.load(ids).agency(police).on_call_now
    cached_now(ids)
    clock.shift(timedelta(hours=1))
    assert [p.user for p in ladder.Reach.load(ids).agency(police).on_call_now] == [county_staff["olsen"]]


@pytest.mark.django_db
def test_turning_texts_off_for_the_site_is_seen_at_once(county_staff, settings):
    confirm_a_mobile(county_staff)
    ids = county_staff["ids"]
    with_texts = cached_now(ids)
    settings.SMS_BACKEND = "disabled"
    assert loaded(ids) != with_texts
    assert loaded(ids) == from_database(ids)


@pytest.mark.django_db
def test_when_the_cache_is_down_reach_is_read_from_the_database(county_staff, monkeypatch):
    ids = county_staff["ids"]
    cached_now(ids)

    def down(*args, **kwargs):
        raise ConnectionError("redis is down")

    monkeypatch.setattr(cache, "get_many", down)
    monkeypatch.setattr(cache, "set", down)
    enrol_someone_new(county_staff)  # its generation cannot even be recorded
    assert loaded(ids) == from_database(ids)


@pytest.mark.django_db
def test_an_officer_who_enrols_after_a_tip_is_alerted_about_the_next(
    make_tip, clayton_high, principal_park, coordinator_cole, django_user_model
):
    first = make_tip(school=clayton_high, category="weapons").tip
    assert not Notification.objects.filter(tip=first, agency=clayton_high.police_agency, kind="new_tip").exists()

    olsen = django_user_model.objects.create_user("olsen", "olsen@example.org", "x" * 20)
    Membership.objects.create(user=olsen, agency=clayton_high.police_agency, role=Membership.Role.OFFICER)
    second = make_tip(school=clayton_high, category="weapons").tip
    assert Notification.objects.filter(tip=second, recipient=olsen, kind="new_tip").exists()

    olsen.is_active = False
    olsen.save()
    third = make_tip(school=clayton_high, category="weapons").tip
    assert not Notification.objects.filter(tip=third, recipient=olsen).exists()
    assert Notification.objects.filter(tip=third, kind="unreachable", recipient=coordinator_cole).exists()


@pytest.mark.django_db(transaction=True)
def test_the_generation_changes_again_when_the_change_commits(clayton_pd, django_user_model):
    user = django_user_model.objects.create_user("nash", "nash@example.org", "x" * 20)
    seen = []
    with transaction.atomic():
        Membership.objects.create(user=user, agency=clayton_pd, role=Membership.Role.OFFICER)
        seen.append(cache.get(reach_changes.GENERATION_KEY))
    seen.append(cache.get(reach_changes.GENERATION_KEY))
    assert None not in seen and seen[0] != seen[1]


def test_every_model_reach_is_read_from_writes_in_bulk_through_the_reach_queryset():
    from django.apps import apps

    for label in reach_changes.READ_BY_REACH:
        model = apps.get_model(label)
        for manager in model._meta.managers:
            assert isinstance(manager.all(), reach_changes.ReachQuerySet), f"{label}.{manager.name}"
