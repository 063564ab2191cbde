"""Texts on PostgreSQL, with real concurrency (each call on its own connection, released
together): the same webhook delivered twice at once is acted on once (SECURITY.md 45), and
two workers giving one person reply codes at once never give the same code twice."""

from __future__ import annotations

import re
import secrets

import pytest
from django.test import Client
from twilio.request_validator import RequestValidator

from reports.models import InboundSms, SmsReplyCode
from reports.notifications.delivery import deliver_due
from reports.notifications.sms import reply_code
from safeschools.models import AuditEvent
from tests import fake_twilio
from tests.reports.test_concurrency import at_once

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

OLSEN = "+13145550101"


def test_one_webhook_delivered_twice_at_once_acknowledges_once(
    twilio, settings, make_tip, clayton_high, officer_olsen, give_mobile
):
    settings.SITE_URL = "https://tips.example.org"
    give_mobile(officer_olsen, OLSEN)
    tip = make_tip(school=clayton_high, danger_now=True).tip
    deliver_due()
    code = re.search(r"ACK (\d{4})", twilio.texts_to(OLSEN)[0]).group(1)
    params = {"MessageSid": "SM" + secrets.token_hex(16), "From": OLSEN, "Body": f"ACK {code}"}
    signature = RequestValidator(fake_twilio.AUTH_TOKEN).compute_signature(
        "https://tips.example.org/sms/inbound/", params
    )

    def deliver():
        return Client().post("/sms/inbound/", params, HTTP_X_TWILIO_SIGNATURE=signature)

    first, second = at_once(deliver, deliver)

    assert first.status_code == second.status_code == 200
    answers = sorted(b"Acknowledged" in r.content for r in (first, second))
    assert answers == [False, True]  # one real answer, one empty TwiML
    assert AuditEvent.objects.filter(action=AuditEvent.Action.TIP_ACKNOWLEDGED, tip_id=tip.pk).count() == 1
    assert InboundSms.objects.count() == 1


def test_codes_given_at_once_to_one_person_differ(make_tip, clayton_high, officer_olsen):
    tips = [make_tip(school=clayton_high).tip for _ in range(8)]

    codes = at_once(*[(lambda t=t: reply_code(recipient_id=officer_olsen.pk, tip_id=t.pk)) for t in tips])

    assert len(set(codes)) == 8
    assert SmsReplyCode.objects.filter(recipient=officer_olsen).count() == 8


def test_two_first_texts_from_one_number_at_once_make_one_tip(twilio, settings, partnership_office, categories):
    """Text-a-tip: a student's two first texts arrive together. One becomes the tip, the
    other waits on the number's unique hash and becomes a message on it."""
    from reports.models import Category, Message, TextingTipster, Tip

    settings.SITE_URL = "https://tips.example.org"
    Category.objects.create(name="Something else", description="Anything else.")
    student = "+13145550188"

    def text(body):
        params = {"MessageSid": "SM" + secrets.token_hex(16), "From": student, "Body": body}
        signature = RequestValidator(fake_twilio.AUTH_TOKEN).compute_signature(
            "https://tips.example.org/sms/inbound/", params
        )
        return lambda: Client().post("/sms/inbound/", params, HTTP_X_TWILIO_SIGNATURE=signature)

    first, second = at_once(text("A fight is planned behind the gym."), text("It is at 3 pm today."))

    assert first.status_code == second.status_code == 200
    assert Tip.objects.count() == 1 and TextingTipster.objects.count() == 1
    tip = Tip.objects.get()
    texts = sorted([tip.description, *(m.body for m in Message.objects.filter(tip=tip))])
    assert texts == ["A fight is planned behind the gym.", "It is at 3 pm today."]
