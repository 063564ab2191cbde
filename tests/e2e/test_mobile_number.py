"""A staff member adds a mobile number for text alerts and confirms it with the texted
code, in a real browser; axe-core on the page in each state. Texts go through the real
Twilio SDK to the local fake Twilio of the tests."""

from __future__ import annotations

import os
import re

import pytest
from playwright.sync_api import expect

from partners.models import StaffMobile
from tests.e2e.axe import audit

pytestmark = pytest.mark.e2e


def test_adding_and_confirming_a_mobile_number(live_server, county, twilio, officer_olsen, laptop, sign_in):
    page = laptop
    sign_in(page, officer_olsen)
    page.get_by_role("link", name="My alerts").click()
    problems = audit(page, "my alerts (no mobile)")

    page.get_by_label("Mobile number").fill("(314) 555-0123")
    page.get_by_role("button", name="Text me a code").click()
    expect(page.get_by_text("We texted a 6-digit code to (314) 555-0123.").first).to_be_visible()
    problems += audit(page, "my alerts (confirming a mobile)")
    if folder := os.environ.get("E2E_SCREENSHOTS"):
        page.screenshot(path=f"{folder}/preferences-confirming-mobile.png", full_page=True)

    code = re.search(r"\b(\d{6})\b", twilio.texts_to("+13145550123")[-1]).group(1)
    page.get_by_label("6-digit code from the text").fill(code)
    page.get_by_role("button", name="Confirm number").click()
    expect(page.get_by_text("(314) 555-0123 is confirmed")).to_be_visible()
    problems += audit(page, "my alerts (mobile confirmed)")
    if folder := os.environ.get("E2E_SCREENSHOTS"):
        page.screenshot(path=f"{folder}/preferences-mobile-confirmed.png", full_page=True)

    assert StaffMobile.objects.get(user=officer_olsen).number == "+13145550123"
    assert not problems, "\n".join(problems)
