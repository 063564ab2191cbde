from base64 import b32encode
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django_otp.plugins.otp_totp.models import TOTPDevice

from partners.models import Agency, Membership, Page, Resource, School


@pytest.mark.django_db
def test_load_demo_is_idempotent_and_keeps_edits():
    out = StringIO()
    call_command("load_demo", stdout=out)
    assert "password: demo-only-passphrase" in out.getvalue()
    counts = (Agency.objects.count(), School.objects.count(), Page.objects.count(), Resource.objects.count())
    assert Agency.objects.filter(kind=Agency.Kind.DISTRICT).count() == 23
    assert Agency.objects.filter(kind=Agency.Kind.POLICE).count() == 25
    assert School.objects.count() == 35
    Page.objects.filter(slug="about").update(title="Edited by a coordinator")

    call_command("load_demo", stdout=StringIO())
    assert (Agency.objects.count(), School.objects.count(), Page.objects.count(), Resource.objects.count()) == counts
    assert Page.objects.get(slug="about").title == "Edited by a coordinator"


@pytest.mark.django_db
def test_load_demo_prints_each_staff_account_with_its_second_factor():
    out = StringIO()
    call_command("load_demo", stdout=out)
    printed = out.getvalue()
    for username, where in [
        ("officer.olsen", "Officer, Clayton Police Department"),
        ("officer.kim", "Officer, Kirkwood Police Department"),
        ("principal.park", "School administrator, Clayton School District"),
        ("principal.reyes", "School administrator, Kirkwood School District"),
        ("coordinator", "Coordinator, Safe Schools Partnership Office"),
    ]:
        device = TOTPDevice.objects.get(user__username=username, name="demo", confirmed=True)
        secret = b32encode(device.bin_key).decode()
        assert f"user: {username}  password: demo-only-passphrase  {where}" in printed
        assert f"TOTP secret (base32): {secret}" in printed
        assert f"otpauth://totp/Safe%20Schools%20Partnership%3A{username}?secret={secret}" in printed
    assert "manage.py demo_totp USERNAME" in printed


@pytest.mark.django_db
def test_load_demo_twice_creates_no_new_staff_and_keeps_the_secrets():
    call_command("load_demo", stdout=StringIO())
    keys = dict(TOTPDevice.objects.values_list("user__username", "key"))
    counts = (get_user_model().objects.count(), Membership.objects.count(), TOTPDevice.objects.count())

    call_command("load_demo", stdout=StringIO())

    assert dict(TOTPDevice.objects.values_list("user__username", "key")) == keys
    assert (get_user_model().objects.count(), Membership.objects.count(), TOTPDevice.objects.count()) == counts
    assert len(keys) == 5 and len(set(keys.values())) == 5


@pytest.mark.django_db
def test_only_the_coordinator_may_use_the_admin():
    call_command("load_demo", stdout=StringIO())
    staff = get_user_model().objects.filter(is_staff=True)
    assert list(staff.values_list("username", flat=True)) == ["coordinator"]
    assert not get_user_model().objects.filter(groups__name="Coordinators").exclude(username="coordinator").exists()


@pytest.mark.django_db
def test_demo_coordinator_account():
    call_command("load_demo", stdout=StringIO())
    coordinator = get_user_model().objects.get(username="coordinator")
    assert Membership.objects.get(user=coordinator).role == Membership.Role.COORDINATOR
    assert coordinator.check_password("demo-only-passphrase")
    assert coordinator.is_staff and coordinator.groups.filter(name="Coordinators").exists()


@pytest.mark.django_db
def test_demo_site_pages_render(client):
    call_command("load_demo", stdout=StringIO())
    for url in ["/", "/about/", "/partners/", "/districts/", "/resources/", "/contact/", "/p/how-reporting-works/"]:
        assert client.get(url).status_code == 200, url
    body = client.get("/districts/").content.decode()
    assert "Special School District of St. Louis County" in body
    assert 'href="https://ssdmo.org/"' in body


@pytest.mark.django_db
def test_load_demo_covers_every_district_and_police_agency_but_one():
    from partners.demo import UNSTAFFED_DEMO_AGENCY
    from reports.notifications.coverage import State, coverage

    out = StringIO()
    call_command("load_demo", stdout=out)
    assert f"{UNSTAFFED_DEMO_AGENCY} is left unstaffed on purpose" in out.getvalue()

    result = coverage()
    school_agencies = [a for a in result.agencies if a.agency.kind in (Agency.Kind.DISTRICT, Agency.Kind.POLICE)]
    assert len(school_agencies) == 48
    assert [a.agency.name for a in result.agencies if a.state == State.RED] == [UNSTAFFED_DEMO_AGENCY]
    for target in school_agencies:
        if target.agency.name != UNSTAFFED_DEMO_AGENCY:
            assert target.reachable_actors and target.on_call_now, target.agency.name
    assert {a.agency.name for a in result.agencies if a.state == State.INFO} == {
        "988 Suicide & Crisis Lifeline",
        "Courage2Report (Missouri State Highway Patrol)",
        "Missouri Department of Elementary and Secondary Education",
        "National School Safety Center",
    }
    duty = get_user_model().objects.filter(username__startswith="duty.")
    assert duty.count() == 44 and not any(user.has_usable_password() for user in duty)

    call_command("load_demo", stdout=StringIO())
    assert get_user_model().objects.filter(username__startswith="duty.").count() == 44
