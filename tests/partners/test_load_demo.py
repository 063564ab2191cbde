"""manage.py load_demo: demo staff (public secrets) and demo tips, for a local run only."""

from base64 import b32encode
from io import StringIO
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django_otp.plugins.otp_totp.models import TOTPDevice

from partners.models import Agency, Membership
from reports.models import Tip


@pytest.mark.django_db
def test_refuses_to_run_with_debug_off(settings):
    call_command("load_content", stdout=StringIO())
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG is off") as refused:
        call_command("load_demo", stdout=StringIO())
    assert "--i-know-this-is-not-production" in str(refused.value)
    assert not get_user_model().objects.exists() and not Tip.objects.exists()


@pytest.mark.django_db
def test_runs_with_debug_off_when_told_it_is_not_production(settings):
    call_command("load_content", stdout=StringIO())
    settings.DEBUG = False
    call_command("load_demo", "--i-know-this-is-not-production", stdout=StringIO())
    assert get_user_model().objects.filter(username="officer.olsen").exists()


@pytest.mark.django_db
def test_needs_the_content_first(settings):
    settings.DEBUG = True
    with pytest.raises(CommandError, match="load_content"):
        call_command("load_demo", stdout=StringIO())


def test_prints_each_staff_account_with_its_second_factor(demo_loaded):
    for username, where in [
        ("officer.olsen", "Officer, Clayton Police Department"),
        ("officer.kim", "Officer, Kirkwood Police Department"),
        ("principal.park", "School administrator, Clayton School District"),
        ("principal.reyes", "School administrator, Kirkwood School District"),
        ("coordinator", "Coordinator, Safe Schools Partnership Office"),
    ]:
        device = TOTPDevice.objects.get(user__username=username, name="demo", confirmed=True)
        secret = b32encode(device.bin_key).decode()
        assert f"user: {username}  password: demo-only-passphrase  {where}" in demo_loaded
        assert f"TOTP secret (base32): {secret}" in demo_loaded
        assert f"otpauth://totp/Safe%20Schools%20Partnership%3A{username}?secret={secret}" in demo_loaded


def test_prints_the_command_for_codes_with_this_interpreter(demo_loaded, monkeypatch, tmp_path):
    from reports.management.commands.load_demo import python_command

    assert f"{python_command()} manage.py demo_totp USERNAME" in demo_loaded
    checkout = tmp_path / "checkout"
    (checkout / ".venv/bin").mkdir(parents=True)
    monkeypatch.chdir(checkout)
    monkeypatch.setattr("sys.executable", str(checkout / ".venv/bin/python"))
    assert python_command() == ".venv/bin/python"
    monkeypatch.setattr("sys.executable", "/usr/bin/python3")
    assert python_command() == "/usr/bin/python3"
    assert Path(python_command()).name == "python3"


def test_twice_creates_no_new_staff_and_keeps_the_secrets(demo_loaded, settings):
    keys = dict(TOTPDevice.objects.values_list("user__username", "key"))
    counts = (get_user_model().objects.count(), Membership.objects.count(), TOTPDevice.objects.count())

    settings.DEBUG = True
    call_command("load_demo", stdout=StringIO())

    assert dict(TOTPDevice.objects.values_list("user__username", "key")) == keys
    assert (get_user_model().objects.count(), Membership.objects.count(), TOTPDevice.objects.count()) == counts
    assert len(keys) == 5 and len(set(keys.values())) == 5


def test_only_the_coordinator_may_use_the_admin(demo_loaded):
    staff = get_user_model().objects.filter(is_staff=True)
    assert list(staff.values_list("username", flat=True)) == ["coordinator"]
    assert not get_user_model().objects.filter(groups__name="Coordinators").exclude(username="coordinator").exists()


def test_demo_coordinator_account(demo_loaded):
    coordinator = get_user_model().objects.get(username="coordinator")
    assert Membership.objects.get(user=coordinator).role == Membership.Role.COORDINATOR
    assert coordinator.check_password("demo-only-passphrase")
    assert coordinator.is_staff and coordinator.groups.filter(name="Coordinators").exists()


def test_demo_site_pages_render(client, demo_loaded):
    for url in ["/", "/about/", "/partners/", "/districts/", "/resources/", "/contact/", "/p/how-reporting-works/"]:
        assert client.get(url).status_code == 200, url
    body = client.get("/districts/").content.decode()
    assert "Special School District of St. Louis County" in body
    assert 'href="https://ssdmo.org/"' in body


def test_load_demo_covers_every_district_and_police_agency_but_one(demo_loaded, settings):
    from partners.demo import UNSTAFFED_DEMO_AGENCY
    from reports.notifications.coverage import State, coverage

    assert f"{UNSTAFFED_DEMO_AGENCY} is left unstaffed on purpose" in demo_loaded

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

    call_command("load_demo", "--i-know-this-is-not-production", stdout=StringIO())
    assert get_user_model().objects.filter(username__startswith="duty.").count() == 44
