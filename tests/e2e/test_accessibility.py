"""axe-core on every public page, each step and state of the tip form, and the main staff
pages: no serious or critical findings. The counts by impact go to the CI log."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from reports.triage.actions import message_tipster
from tests.e2e.axe import audit
from tests.e2e.tip_form import BULLYING

pytestmark = pytest.mark.e2e

PUBLIC_PAGES = {
    "home": "/",
    "about": "/about/",
    "partners": "/partners/",
    "districts": "/districts/",
    "resources": "/resources/",
    "contact": "/contact/",
    "nav page": "/p/how-reporting-works/",
    "receipt check": "/report/check/",
    "not found": "/no-such-page/",
    "home (es)": "/es/",
    "report form (es)": "/es/report/",
}


def test_public_pages(live_server, county, laptop):
    problems = []
    for name, path in PUBLIC_PAGES.items():
        laptop.goto(f"{live_server.url}{path}")
        problems += audit(laptop, name)
    assert not problems, "\n".join(problems)


def test_tip_form_steps_errors_receipt_and_conversation(live_server, county, phone, officer_olsen):
    page = phone
    problems = []
    page.goto(f"{live_server.url}/report/")
    problems += audit(page, "report step 1, danger question")
    page.get_by_role("button", name="Yes, someone is in danger").tap()
    expect(page.locator("#call-911")).to_be_visible()
    problems += audit(page, "report step 2, cards, danger now")
    page.get_by_role("button", name="Back").tap()
    page.get_by_role("button", name="No", exact=True).tap()
    expect(page.locator("#step-progress")).to_have_text("Step 2 of 5")
    problems += audit(page, "report step 2, cards")
    page.get_by_role("button", name=BULLYING).tap()
    expect(page.locator("#step-progress")).to_have_text("Step 3 of 5")
    problems += audit(page, "report step 3, school")
    page.get_by_label("Type part of the school's name").fill("zzz")
    expect(page.get_by_text("0 schools match.")).to_be_visible()
    problems += audit(page, "report step 3, no school matches")
    page.get_by_label("Type part of the school's name").fill("clay")
    expect(page.locator("#school-results").get_by_role("button", name="Clayton High School")).to_be_visible()
    problems += audit(page, "report step 3, schools match")
    page.locator("#school-results").get_by_role("button", name="Clayton High School").tap()
    expect(page.locator("#step-progress")).to_have_text("Step 4 of 5")
    problems += audit(page, "report step 4, what is happening")
    page.get_by_label("Tell us what you saw, heard or read").fill("Someone keeps taking a kid's lunch.")
    page.get_by_role("button", name="Next").tap()
    expect(page.locator("#step-progress")).to_have_text("Step 5 of 5")
    problems += audit(page, "report step 5, sending")

    page.get_by_role("radio", name="Yes, I will leave a way to reach me").check()
    page.get_by_role("button", name="Send report").tap()
    expect(page.locator("#error-summary")).to_be_visible()
    problems += audit(page, "report with errors")

    page.get_by_role("radio", name="No, I want to stay anonymous").check()
    page.get_by_role("button", name="Send report").tap()
    expect(page.get_by_role("heading", name="Your report was sent")).to_be_visible()
    problems += audit(page, "receipt")
    receipt = page.locator("#receipt-code").inner_text().strip()
    page.get_by_label("I have written down or saved my receipt.").check()
    page.get_by_role("button", name="Done").tap()
    expect(page.get_by_role("heading", name="Thank you")).to_be_visible()
    problems += audit(page, "thank you")

    from reports.models import Tip

    message_tipster(tip=Tip.objects.get(), author=officer_olsen, agency=None, body="Which lunch period?")
    page.goto(f"{live_server.url}/report/check/")
    page.get_by_label("Your receipt").fill(receipt)
    page.get_by_role("button", name="Open my report").tap()
    expect(page.get_by_text("Which lunch period?")).to_be_visible()
    problems += audit(page, "conversation")
    page.get_by_role("button", name="Send", exact=True).tap()
    expect(page.get_by_text("Write a message before sending.")).to_be_visible()
    problems += audit(page, "conversation with errors")
    assert not problems, "\n".join(problems)


def test_staff_pages(live_server, county, make_tip, officer_olsen, laptop, totp_device, totp_code):
    tip = make_tip(school=county["clayton_high"], description="Someone showed a knife behind the gym.").tip
    page = laptop
    problems = []
    device = totp_device(officer_olsen)
    page.goto(f"{live_server.url}/staff/account/login/")
    problems += audit(page, "staff sign-in")
    page.get_by_label("Username").fill(officer_olsen.username)
    page.get_by_label("Password").fill("correct horse battery staple")
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url("**/staff/account/verify/**")
    problems += audit(page, "staff verify")
    page.get_by_label("6-digit code from your authenticator app").fill(totp_code(device))
    page.get_by_role("button", name="Sign in", exact=True).click()
    page.wait_for_url(re.compile(r".*/staff/$"))
    problems += audit(page, "queue")
    page.get_by_role("link", name=tip.reference).click()
    problems += audit(page, "tip detail")
    page.goto(f"{live_server.url}/staff/stats/")
    problems += audit(page, "stats")
    assert not problems, "\n".join(problems)


def test_coordinator_reach_pages(live_server, county, make_tip, officer_olsen, coordinator_cole, laptop, sign_in):
    """The coverage page, the queue with its banner and the "new information after closing"
    list, and a life-safety tip with its alert ladder and the acknowledge-for form."""
    from reports.intake.services import add_tipster_message
    from reports.models import Tip

    urgent = make_tip(school=county["clayton_high"], danger_now=True).tip
    closed = make_tip(school=county["clayton_high"]).tip
    from tests.conftest import finish_every_part

    finish_every_part(closed, by=coordinator_cole)
    add_tipster_message(tip=Tip.objects.get(pk=closed.pk), body="It started again.")
    page = laptop
    sign_in(page, coordinator_cole)
    expect(page.locator("#coverage-banner")).to_contain_text("Clayton School District")
    expect(page.locator("#reopened")).to_contain_text(closed.reference)
    problems = audit(page, "queue (coordinator)")
    page.goto(f"{live_server.url}/staff/tips/{urgent.pk}/")
    expect(page.locator("#ladder")).to_contain_text("Every member of the agency")
    page.get_by_text("Acknowledge for an agency (coordinators)").click()
    problems += audit(page, "tip with ladder")
    page.goto(f"{live_server.url}/staff/coverage/")
    expect(page.locator("#coverage-agencies")).to_contain_text("no one enrolled")
    problems += audit(page, "coverage")
    assert not problems, "\n".join(problems)
