"""manage.py load_content: the Partnership's real content, safe on the real site."""

from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django_otp.plugins.otp_totp.models import TOTPDevice

from partners.models import Agency, Membership, Page, Resource, School
from reports.models import CannedReply, Category, RoutingRule


def counts() -> tuple[int, ...]:
    return tuple(
        model.objects.count() for model in (Agency, School, Page, Resource, Category, RoutingRule, CannedReply)
    )


@pytest.mark.django_db
def test_load_content_is_idempotent_and_keeps_edits(settings):
    settings.DEBUG = False  # as on the real site: no refusal, unlike load_demo
    out = StringIO()
    call_command("load_content", stdout=out)
    assert "Content loaded: 54 agencies, 35 schools" in out.getvalue()
    assert Agency.objects.filter(kind=Agency.Kind.DISTRICT).count() == 23
    assert Agency.objects.filter(kind=Agency.Kind.POLICE).count() == 25
    assert Agency.objects.filter(is_coordinating=True).count() == 1
    assert Category.objects.filter(is_life_safety=True).count() == 4
    assert RoutingRule.objects.count() == 5 and CannedReply.objects.count() == 3
    before = counts()
    Page.objects.filter(slug="about").update(title="Edited by a coordinator")
    Category.objects.filter(name="Bullying").update(description="Edited too.")

    call_command("load_content", stdout=StringIO())

    assert counts() == before
    assert Page.objects.get(slug="about").title == "Edited by a coordinator"
    assert Category.objects.get(name="Bullying").description == "Edited too."


@pytest.mark.django_db
def test_load_content_creates_no_account():
    call_command("load_content", stdout=StringIO())
    assert not get_user_model().objects.exists()
    assert not Membership.objects.exists() and not TOTPDevice.objects.exists()


@pytest.mark.django_db
def test_content_site_pages_render(client):
    call_command("load_content", stdout=StringIO())
    for url in ["/", "/about/", "/partners/", "/districts/", "/resources/", "/contact/", "/p/how-reporting-works/"]:
        assert client.get(url).status_code == 200, url
    body = client.get("/districts/").content.decode()
    assert "Special School District of St. Louis County" in body
    assert 'href="https://ssdmo.org/"' in body
    assert client.get("/report/").status_code == 200
