"""manage.py demo_totp: the current code of a demo account, for trying the demo without a phone."""

from datetime import UTC, datetime
from io import StringIO

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from partners.demo import DEMO_PASSWORD


@pytest.mark.django_db
def test_printed_code_signs_the_demo_officer_in(client, demo_loaded):
    with time_machine.travel(datetime(2025, 3, 4, 12, 0, 5, tzinfo=UTC), tick=False):
        out = StringIO()
        call_command("demo_totp", "officer.olsen", stdout=out, stderr=StringIO())
        code = out.getvalue().strip()
        assert len(code) == 6 and code.isdigit()

        client.post("/staff/account/login/", {"username": "officer.olsen", "password": DEMO_PASSWORD})
        response = client.post("/staff/account/verify/", {"code": code})

        assert response.status_code == 302 and response["Location"] == "/staff/"
        assert client.session[DEVICE_ID_SESSION_KEY].startswith("otp_totp.totpdevice/")


@pytest.mark.django_db
def test_refuses_an_account_the_demo_loader_did_not_make(demo_loaded, django_user_model):
    real = django_user_model.objects.create_user(username="olsen", password="correct horse battery staple")
    TOTPDevice.objects.create(user=real, name="authenticator", confirmed=True)
    out = StringIO()
    with pytest.raises(CommandError, match="not a demo account"):
        call_command("demo_totp", "olsen", stdout=out)
    assert out.getvalue() == ""


@pytest.mark.django_db
def test_refuses_a_device_named_demo_with_a_secret_of_its_own(demo_loaded):
    TOTPDevice.objects.filter(user__username="officer.kim").update(key="ab" * 20)
    out = StringIO()
    with pytest.raises(CommandError):
        call_command("demo_totp", "officer.kim", stdout=out)
    assert out.getvalue() == ""


@pytest.mark.django_db
def test_refuses_an_unknown_username(demo_loaded):
    with pytest.raises(CommandError):
        call_command("demo_totp", "nobody", stdout=StringIO())
