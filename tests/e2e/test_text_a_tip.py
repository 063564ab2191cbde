"""Text-a-tip end to end: a student's texts reach the webhook (Django's test client, signed
as Twilio signs them), a coordinator works the tip in Chromium and replies, the reply is
texted through Twilio's SDK to a local fake, and the student's answer by text shows on the
dashboard. The number never appears on a staff page; axe finds nothing on the page."""

from __future__ import annotations

import re
import secrets

import pytest
from django.test import Client
from playwright.sync_api import expect
from twilio.request_validator import RequestValidator

from reports.models import Category, TextingTipster
from reports.notifications.delivery import deliver_due
from tests import fake_twilio
from tests.e2e import axe
from tests.e2e.axe import audit

pytestmark = pytest.mark.e2e

STUDENT = "+13145550188"


def text(body: str) -> None:
    params = {"MessageSid": "SM" + secrets.token_hex(16), "From": STUDENT, "Body": body, "NumMedia": "0"}
    signature = RequestValidator(fake_twilio.AUTH_TOKEN).compute_signature(
        "https://tips.example.org/sms/inbound/", params
    )
    assert Client().post("/sms/inbound/", params, HTTP_X_TWILIO_SIGNATURE=signature).status_code == 200


def test_a_texted_tip_is_worked_and_answered_by_text(
    live_server, county, twilio, settings, coordinator_cole, laptop, sign_in
):
    settings.SITE_URL = "https://tips.example.org"
    Category.objects.create(name="Something else", description="Anything else.")
    text("Someone is selling vapes in the B hall bathroom.")
    thread = TextingTipster.objects.get()

    page = laptop
    sign_in(page, coordinator_cole)
    page.get_by_role("link", name=thread.tip.reference).click()
    expect(page.locator("#texting-tipster")).to_contain_text(f"texting tipster #{thread.pk}")
    expect(page.locator("#texting-tipster")).to_contain_text("Your replies are texted to them")
    assert "555-0188" not in page.content() and "5550188" not in page.content()
    problems = audit(page, "tip detail, texting tipster")

    page.get_by_label("Message to the tipster").fill("Thank you. Which school is this?")
    page.get_by_role("button", name="Send to tipster").click()
    expect(page.get_by_text("Message sent. It is being texted to the tipster.")).to_be_visible()
    deliver_due()
    assert twilio.texts_to(STUDENT) == [
        "Safe Schools Partnership: Thank you. Which school is this? (Reply to answer. STOP to stop texts.)"
    ]

    text("Clayton High, second floor.")
    page.reload()
    timeline = page.get_by_role("region", name="Timeline")
    expect(timeline.get_by_text(f"From texting tipster #{thread.pk}")).to_be_visible()
    expect(timeline.get_by_text("Clayton High, second floor.")).to_be_visible()
    assert not re.search(r"555.?0188", page.content())
    assert not problems, "\n".join(problems)
    assert sum(axe.findings["tip detail, texting tipster"].values()) == 0
