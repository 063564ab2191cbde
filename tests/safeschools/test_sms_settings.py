"""SMS configuration from the environment (safeschools.env.sms_settings): off by default,
console:// for `make run`, Twilio by SMS_URL or by Twilio's own three variables, and a
clear stop on anything half-set. Plus the deploy checks that go with it."""

from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured

from safeschools import checks
from safeschools.env import sms_settings

SID = "AC" + "a1" * 16
TOKEN = "0123456789abcdef0123456789abcdef"


def test_texts_are_off_without_any_variable():
    assert sms_settings(environ={}) == {
        "SMS_BACKEND": "",
        "TWILIO_ACCOUNT_SID": "",
        "TWILIO_AUTH_TOKEN": "",
        "SMS_FROM_NUMBER": "",
    }


def test_console_with_and_without_a_sender():
    assert sms_settings(environ={"SMS_URL": "console://"})["SMS_BACKEND"] == "console"
    shown = sms_settings(environ={"SMS_URL": "console://+13145550100"})
    assert (shown["SMS_BACKEND"], shown["SMS_FROM_NUMBER"]) == ("console", "+13145550100")


def test_twilio_by_url_with_an_encoded_token():
    settings = sms_settings(environ={"SMS_URL": f"twilio://{SID}:{TOKEN[:-2]}%2F%40@+13145550100"})
    assert settings == {
        "SMS_BACKEND": "twilio",
        "TWILIO_ACCOUNT_SID": SID,
        "TWILIO_AUTH_TOKEN": TOKEN[:-2] + "/@",
        "SMS_FROM_NUMBER": "+13145550100",
    }


def test_twilio_by_its_own_variables():
    environ = {"TWILIO_ACCOUNT_SID": SID, "TWILIO_AUTH_TOKEN": TOKEN, "TWILIO_FROM_NUMBER": "+13145550100"}
    assert sms_settings(environ=environ)["SMS_BACKEND"] == "twilio"


@pytest.mark.parametrize(
    ("environ", "message"),
    [
        ({"SMS_URL": "sms://x"}, "SMS_URL must be console://"),
        ({"SMS_URL": "console://555"}, "E.164 sender"),
        ({"SMS_URL": f"twilio://{SID}:{TOKEN}@3145550100"}, "sender must be an E.164 number"),
        ({"SMS_URL": f"twilio://XX123:{TOKEN}@+13145550100"}, "account SID"),
        ({"SMS_URL": f"twilio://{SID}:short@+13145550100"}, "auth token"),
        ({"TWILIO_ACCOUNT_SID": SID}, "also needs TWILIO_AUTH_TOKEN, TWILIO_FROM_NUMBER"),
        ({"SMS_URL": "console://", "TWILIO_AUTH_TOKEN": TOKEN}, "not both"),
    ],
)
def test_bad_or_half_set_configuration_stops_the_process(environ, message):
    with pytest.raises(ImproperlyConfigured, match=message):
        sms_settings(environ=environ)


def test_deploy_check_warns_about_printed_texts(settings):
    settings.SMS_BACKEND = "console"
    assert [w.id for w in checks.sms_settings_for_production(None)] == ["safeschools.W002"]


def test_deploy_check_warns_when_twilio_signs_a_plain_http_address(settings):
    settings.SMS_BACKEND = "twilio"
    settings.SITE_URL = "http://tips.example.org"
    assert [w.id for w in checks.sms_settings_for_production(None)] == ["safeschools.W003"]
    settings.SITE_URL = "https://tips.example.org"
    assert checks.sms_settings_for_production(None) == []
    settings.SMS_BACKEND = ""
    assert checks.sms_settings_for_production(None) == []
