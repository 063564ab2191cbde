"""Replies to alert texts (SECURITY.md 45): the webhook takes only requests signed by
Twilio over SITE_URL, acts on each message once, acknowledges a tip for the sender's
agency through the dashboard's own action ("via: SMS" in the audit), and answers STOP,
START, HELP and anything else as carriers expect."""

from __future__ import annotations

import logging
import re
import secrets

import pytest
from django.test import Client
from django.urls import reverse
from twilio.request_validator import RequestValidator

from partners.models import StaffMobile
from reports import sms_inbound
from reports.models import InboundSms, Routing, Tip
from reports.notifications.delivery import deliver_due
from safeschools.models import AuditEvent
from tests import fake_twilio

SITE = "https://tips.example.org"
PATH = "/sms/inbound/"
OLSEN = "+13145550101"
COLE = "+13145550104"
STRANGER = "+13145550177"


@pytest.fixture(autouse=True)
def _site(settings):
    settings.SITE_URL = SITE


def _params(sender: str, body: str, sid: str | None = None) -> dict[str, str]:
    return {
        "MessageSid": sid or "SM" + secrets.token_hex(16),
        "AccountSid": fake_twilio.ACCOUNT_SID,
        "From": sender,
        "To": fake_twilio.FROM_NUMBER,
        "Body": body,
        "NumMedia": "0",
    }


def _signed(params: dict, url: str = SITE + PATH) -> str:
    return RequestValidator(fake_twilio.AUTH_TOKEN).compute_signature(url, params)


def _text(client: Client, params: dict, signature: str | None = None):
    signature = _signed(params) if signature is None else signature
    return client.post(PATH, params, HTTP_X_TWILIO_SIGNATURE=signature)


def _answer(response) -> str:
    assert response.status_code == 200 and response["Content-Type"] == "text/xml"
    found = re.search(r"<Message>(.*)</Message>", response.content.decode(), re.DOTALL)
    return found.group(1) if found else ""


@pytest.fixture
def alerted(twilio, make_tip, clayton_high, officer_olsen, principal_park, give_mobile):
    """A life-safety tip for Clayton, texted to Officer Olsen with its reply code."""
    give_mobile(officer_olsen, OLSEN)
    tip = make_tip(school=clayton_high, danger_now=True).tip
    deliver_due()
    (text,) = twilio.texts_to(OLSEN)
    return tip, re.search(r"ACK (\d{4})", text).group(1)


def _acknowledged_by(tip) -> dict[str, str | None]:
    return {r.agency.name: getattr(r.acknowledged_by, "username", None) for r in Routing.objects.filter(tip=tip)}


# --- Signatures ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_ack_from_the_verified_number_acknowledges_for_the_senders_agency(client, alerted, officer_olsen):
    tip, code = alerted

    answer = _answer(_text(client, _params(OLSEN, f"ack {code}")))

    assert (
        answer == f"Acknowledged {tip.reference} for Clayton Police Department. Thank you. {SITE}/staff/tips/{tip.pk}/"
    )
    assert _acknowledged_by(tip) == {"Clayton Police Department": "olsen", "Clayton School District": None}
    tip.refresh_from_db()
    # The police's part is acknowledged; the district's is not yet (each agency its own part).
    assert tip.state == Tip.State.OPEN and tip.awaiting_acknowledgement
    assert Routing.objects.get(tip=tip, agency__name="Clayton Police Department").escalation_due_at is None
    event = AuditEvent.objects.get(action=AuditEvent.Action.TIP_ACKNOWLEDGED)
    assert (event.actor_label, event.tip_id, event.detail) == (
        "olsen",
        tip.pk,
        {"agency": "Clayton Police Department", "on_behalf": False, "via": "SMS"},
    )


@pytest.mark.django_db
def test_an_unsigned_request_is_refused_and_logged_without_the_number(client, alerted, caplog):
    tip, code = alerted
    caplog.set_level(logging.INFO)

    response = client.post(PATH, _params(OLSEN, f"ACK {code}"))

    assert response.status_code == 403
    assert _acknowledged_by(tip)["Clayton Police Department"] is None
    assert "Inbound SMS refused: no signature." in caplog.text
    assert OLSEN not in caplog.text and OLSEN[2:] not in caplog.text and code not in caplog.text
    assert not InboundSms.objects.exists()


@pytest.mark.django_db
def test_a_badly_signed_request_is_refused(client, alerted, caplog):
    tip, code = alerted
    params = _params(OLSEN, f"ACK {code}")
    forged = RequestValidator("not-our-auth-token-0123456789").compute_signature(SITE + PATH, params)
    tampered = {**params, "From": "+13145550999"}

    assert _text(client, params, signature=forged).status_code == 403
    assert _text(client, tampered, signature=_signed(params)).status_code == 403
    assert _acknowledged_by(tip)["Clayton Police Department"] is None
    assert "Inbound SMS refused: invalid signature." in caplog.text and OLSEN not in caplog.text


@pytest.mark.django_db
def test_the_signed_address_is_site_url_not_the_requests_host(client, alerted):
    tip, code = alerted
    params = _params(OLSEN, f"ACK {code}")

    # Signed for the address the request arrived at (http://testserver/...): refused.
    assert _text(client, params, signature=_signed(params, "http://testserver" + PATH)).status_code == 403
    # Signed for SITE_URL, arriving through a proxy at another host name: accepted.
    response = client.post(PATH, params, HTTP_X_TWILIO_SIGNATURE=_signed(params), HTTP_HOST="127.0.0.1")
    assert "Acknowledged" in _answer(response)


@pytest.mark.django_db
def test_a_replayed_webhook_does_nothing_twice(client, alerted):
    tip, code = alerted
    params = _params(OLSEN, f"ACK {code}")

    first = _answer(_text(client, params))
    again = _text(client, params)

    assert first.startswith("Acknowledged")
    assert _answer(again) == ""  # an empty TwiML answer: no second text to the phone
    assert AuditEvent.objects.filter(action=AuditEvent.Action.TIP_ACKNOWLEDGED).count() == 1
    assert list(InboundSms.objects.values_list("message_sid", "outcome")) == [(params["MessageSid"], "acknowledged")]


@pytest.mark.django_db
def test_a_second_ack_says_it_is_already_done(client, alerted):
    tip, code = alerted
    _text(client, _params(OLSEN, f"ACK {code}"))

    answer = _answer(_text(client, _params(OLSEN, f"ACK {code}")))

    assert answer == f"{tip.reference} was already acknowledged for your agency. {SITE}/staff/tips/{tip.pk}/"
    assert AuditEvent.objects.filter(action=AuditEvent.Action.TIP_ACKNOWLEDGED).count() == 1


@pytest.mark.django_db
def test_a_code_that_is_not_the_senders_does_nothing(client, alerted, principal_park, give_mobile):
    tip, code = alerted
    give_mobile(principal_park, "+13145550102")  # Park got no text for this tip: no code

    answer = _answer(_text(client, _params("+13145550102", f"ACK {code}")))
    wrong = _answer(_text(client, _params(OLSEN, f"ACK {(int(code) - 999) % 9000 + 1000}")))

    assert answer.startswith(f"No alert to you has the code {code}.")
    assert wrong.startswith("No alert to you has the code")
    assert all(by is None for by in _acknowledged_by(tip).values())


@pytest.mark.django_db
def test_a_coordinators_ack_points_to_the_dashboard(
    client, twilio, make_tip, clayton_high, coordinator_cole, give_mobile
):
    give_mobile(coordinator_cole, COLE)
    tip = make_tip(school=clayton_high, danger_now=True).tip
    from reports.models import SmsReplyCode

    SmsReplyCode.objects.create(recipient=coordinator_cole, tip=tip, code="4821")

    answer = _answer(_text(client, _params(COLE, "ACK 4821")))

    assert answer == f"To act on {tip.reference}, open it on the dashboard: {SITE}/staff/tips/{tip.pk}/"
    assert all(by is None for by in _acknowledged_by(tip).values())


@pytest.mark.django_db
def test_with_text_a_tip_off_a_text_from_an_unknown_number_is_told_how_to_report(
    client, twilio, site_settings, settings
):
    settings.SMS_TIPS = False

    answer = _answer(_text(client, _params(STRANGER, "there is a kid with a knife")))

    assert "cannot take reports" in answer and f"{SITE}/report/" in answer
    assert "(314) 889-SAFE (7233)" in answer and "911" in answer


@pytest.mark.django_db
def test_anything_else_from_staff_gets_a_fixed_polite_answer(client, alerted):
    tip, code = alerted

    answer = _answer(_text(client, _params(OLSEN, f"on my way, {code}")))

    assert answer.startswith("Safe Schools Partnership: to acknowledge a tip, reply ACK and the code")
    assert _acknowledged_by(tip)["Clayton Police Department"] is None


@pytest.mark.django_db
def test_stop_ends_texts_to_that_person_and_says_so(client, alerted, officer_olsen, make_tip, clayton_high):
    answer = _answer(_text(client, _params(OLSEN, "Stop")))

    assert "no more alert texts" in answer and "START" in answer
    assert StaffMobile.objects.get(user=officer_olsen).stopped_at is not None
    tip = make_tip(school=clayton_high, danger_now=True).tip
    assert set(tip.notifications.filter(recipient=officer_olsen).values_list("channel", flat=True)) == {"email"}
    event = AuditEvent.objects.filter(action=AuditEvent.Action.STAFF_MOBILE).latest("id")
    assert (event.actor_label, event.detail["change"]) == ("olsen", "texts stopped by SMS reply")


@pytest.mark.django_db
def test_start_turns_texts_on_again(client, alerted, officer_olsen):
    _text(client, _params(OLSEN, "STOP"))

    answer = _answer(_text(client, _params(OLSEN, "start")))

    assert "on again" in answer
    assert StaffMobile.objects.get(user=officer_olsen).stopped_at is None


@pytest.mark.django_db
def test_help_gives_the_hotline_and_how_to_turn_texts_back_on(client, alerted, site_settings):
    answer = _answer(_text(client, _params(OLSEN, "HELP")))

    assert "(314) 889-SAFE (7233)" in answer and "START" in answer and "STOP" in answer
    assert f"{SITE}{reverse('dashboard:preferences')}" in answer


@pytest.mark.django_db
def test_the_webhook_is_csrf_exempt_and_post_only(alerted):
    tip, code = alerted
    client = Client(enforce_csrf_checks=True)

    assert client.get(PATH).status_code == 405
    assert "Acknowledged" in _answer(_text(client, _params(OLSEN, f"ACK {code}")))


@pytest.mark.django_db
def test_without_twilio_the_webhook_does_not_exist(client, settings):
    settings.SMS_BACKEND = "console"
    assert client.post(PATH, _params(OLSEN, "ACK 1234")).status_code == 404


@pytest.mark.django_db
def test_nothing_a_sender_texts_is_stored_with_its_id(client, alerted):
    """The ids of handled texts keep no words and no number (a texting tipster's words
    become their tip, encrypted: tests/reports/test_sms_tips.py)."""
    tip, code = alerted
    _text(client, _params(OLSEN, f"ACK {code}"))
    _text(client, _params(STRANGER, "secret words about a student"))

    stored = str(list(InboundSms.objects.values()))
    assert "secret words" not in stored and OLSEN not in stored and STRANGER not in stored


@pytest.mark.django_db
def test_a_concurrent_change_to_the_tip_does_not_stop_the_acknowledgement(alerted, officer_olsen):
    """Acknowledging names no version (the first acknowledgement stands, serialised on the
    tip's row), so a colleague saving the tip meanwhile changes nothing; a second ACK is
    told it was already done."""
    tip, code = alerted
    Tip.objects.filter(pk=tip.pk).update(version=tip.version + 1, priority=4)  # someone saved meanwhile

    answer = sms_inbound.handle(message_sid="SM" + "2" * 32, sender=OLSEN, body=f"ACK {code}")
    again = sms_inbound.handle(message_sid="SM" + "3" * 32, sender=OLSEN, body=f"ACK {code}")

    assert answer.outcome == "acknowledged" and again.outcome == "already acknowledged"
    assert AuditEvent.objects.filter(action=AuditEvent.Action.TIP_ACKNOWLEDGED).count() == 1


@pytest.mark.django_db
def test_old_inbound_ids_and_reply_codes_are_forgotten(client, alerted, officer_olsen, time_machine):
    from datetime import timedelta

    from django.utils import timezone

    from reports.models import SmsReplyCode
    from reports.retention import prune_sms_records

    tip, code = alerted
    _text(client, _params(OLSEN, "HELP"))
    now = timezone.now()

    assert prune_sms_records(now=now + timedelta(days=6)) == 0
    assert prune_sms_records(now=now + timedelta(days=8)) == 1  # the inbound id
    assert SmsReplyCode.objects.filter(recipient=officer_olsen).exists()
    assert prune_sms_records(now=now + timedelta(days=31)) == 1  # the reply code
    time_machine.move_to(now + timedelta(days=31))
    answer = _answer(_text(client, _params(OLSEN, f"ACK {code}")))
    assert answer.startswith(f"No alert to you has the code {code}.")


@pytest.mark.django_db
def test_a_reply_can_be_played_locally_with_a_command(alerted, settings):
    from io import StringIO

    from django.core.management import CommandError, call_command

    tip, code = alerted
    settings.DEBUG = False
    with pytest.raises(CommandError, match="local runs"):
        call_command("sms_reply", "--from", "(314) 555-0101", f"ACK {code}")
    settings.DEBUG = True
    out = StringIO()

    call_command("sms_reply", "--from", "(314) 555-0101", f"ACK {code}", stdout=out)

    assert out.getvalue().startswith(f"[acknowledged] Acknowledged {tip.reference} for Clayton Police Department.")
