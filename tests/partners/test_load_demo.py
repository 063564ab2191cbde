from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

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
