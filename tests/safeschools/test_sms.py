"""The SMS transport (safeschools.sms): Twilio's real SDK against a local fake Twilio, the
console backend of `make run`, errors sorted into "retry" and "never", and webhook
signatures checked with the SDK's RequestValidator."""

from __future__ import annotations

import socket

import pytest
from twilio.request_validator import RequestValidator

from safeschools import sms
from tests import fake_twilio


def test_a_text_goes_through_the_sdk_to_the_account_with_its_credentials(twilio):
    sid = sms.send(to="+13145550123", body="Safe Schools alert, URGENT: new tip T-ABC2345.")

    (request,) = twilio.requests
    assert request.path == f"/2010-04-01/Accounts/{fake_twilio.ACCOUNT_SID}/Messages.json"
    assert (request.username, request.password) == (fake_twilio.ACCOUNT_SID, fake_twilio.AUTH_TOKEN)
    assert request.form == {
        "To": "+13145550123",
        "From": fake_twilio.FROM_NUMBER,
        "Body": "Safe Schools alert, URGENT: new tip T-ABC2345.",
    }
    assert sid.startswith("SM") and len(sid) == 34


def test_a_4xx_answer_is_refused_for_good_with_the_number_redacted(twilio):
    twilio.answer(400, 21211, "The 'To' number +13145550123 is not a valid phone number.")

    with pytest.raises(sms.SmsRejected) as refused:
        sms.send(to="+13145550123", body="hello")

    assert refused.value.code == 21211
    assert str(refused.value) == (
        "Twilio error 21211 (HTTP 400): Unable to create record: "
        "The 'To' number [redacted] is not a valid phone number."
    )


@pytest.mark.parametrize(("status", "code"), [(500, 20500), (503, 20503), (429, 20429)])
def test_5xx_and_too_many_requests_are_worth_retrying(twilio, status, code):
    twilio.answer(status, code, "Service unavailable")

    with pytest.raises(sms.SmsError) as failed:
        sms.send(to="+13145550123", body="hello")

    assert not isinstance(failed.value, sms.SmsRejected)
    assert f"(HTTP {status})" in str(failed.value)


def test_a_provider_that_does_not_answer_is_a_timeout_worth_retrying(twilio, settings):
    settings.SMS_TIMEOUT_SECONDS = 0.3
    twilio.stall()

    with pytest.raises(sms.SmsError) as failed:
        sms.send(to="+13145550123", body="hello")

    assert not isinstance(failed.value, sms.SmsRejected)
    assert "did not answer within 0.3 s" in str(failed.value)


def test_a_provider_that_cannot_be_reached_is_worth_retrying(twilio, monkeypatch):
    with socket.socket() as closed:  # a port nobody listens on
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    monkeypatch.setattr(sms, "TwilioHttpClient", fake_twilio.local_http_client(f"127.0.0.1:{port}"))

    with pytest.raises(sms.SmsError) as failed:
        sms.send(to="+13145550123", body="hello")

    assert not isinstance(failed.value, sms.SmsRejected)
    assert str(failed.value) == "Could not reach Twilio (ConnectionError)."


def test_the_console_backend_prints_a_labelled_text_and_sends_nothing(settings, capsys, monkeypatch):
    settings.SMS_BACKEND = "console"
    settings.SMS_FROM_NUMBER = ""

    def no_network(*args, **kwargs):
        raise AssertionError("the console backend must not call Twilio")

    monkeypatch.setattr(sms, "Client", no_network)
    sid = sms.send(to="+13145550123", body="Your code is 123456.")

    printed = capsys.readouterr().out
    assert "SMS (console backend: printed here, NOT sent to any phone)" in printed
    assert "To: +13145550123" in printed and "Your code is 123456." in printed
    assert sid.startswith("console-")
    assert sms.enabled()


def test_texts_are_off_by_default(settings):
    settings.SMS_BACKEND = ""

    assert not sms.enabled()
    with pytest.raises(sms.SmsRejected, match="switched off"):
        sms.send(to="+13145550123", body="hello")


def test_a_webhook_signature_is_checked_with_the_auth_token(twilio):
    url = "https://tips.example.org/sms/inbound/"
    params = {"From": "+13145550123", "Body": "ACK 4821", "MessageSid": "SM" + "1" * 32}
    good = RequestValidator(fake_twilio.AUTH_TOKEN).compute_signature(url, params)
    forged = RequestValidator("another-account-token-123456").compute_signature(url, params)

    assert sms.signature_is_valid(url=url, params=params, signature=good)
    assert not sms.signature_is_valid(url=url, params=params, signature=forged)
    assert not sms.signature_is_valid(url=url, params=params, signature="")
    assert not sms.signature_is_valid(url=url, params={**params, "Body": "ACK 1234"}, signature=good)
    assert not sms.signature_is_valid(url="https://evil.example/sms/inbound/", params=params, signature=good)


def test_no_signature_is_valid_without_twilio(settings):
    settings.SMS_BACKEND = "console"
    settings.TWILIO_AUTH_TOKEN = fake_twilio.AUTH_TOKEN
    url = "https://tips.example.org/sms/inbound/"
    signature = RequestValidator(fake_twilio.AUTH_TOKEN).compute_signature(url, {})

    assert not sms.signature_is_valid(url=url, params={}, signature=signature)
