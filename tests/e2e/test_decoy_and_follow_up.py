"""A student on a phone takes a decoy code after reporting; the decoy opens a harmless
conversation, the receipt the real one, whose page explains itself. axe finds nothing on
any of these states."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from reports.intake import decoy
from reports.models import Tip
from reports.triage.actions import message_tipster
from safeschools.models import AuditEvent
from tests.e2e import axe
from tests.e2e.tip_form import THREAT, describe, to_what_is_happening

pytestmark = pytest.mark.e2e

CODE = re.compile(r"[0-9A-Z]{4}(-[0-9A-Z]{4}){3}")


def audited(page, name: str) -> list[str]:
    problems = axe.audit(page, name)
    if sum(axe.findings[name].values()):
        problems.append(f"{name}: {dict(axe.findings[name])}")
    return problems


def test_a_student_takes_a_decoy_code_and_each_code_opens_its_conversation(
    live_server, county, make_tip, officer_olsen, phone
):
    page = phone
    problems = []
    sent = make_tip(school=county["clayton_high"], description="My stepdad hits me when he drinks.")
    message_tipster(tip=sent.tip, author=officer_olsen, agency=None, body="Are you safe at home tonight?")

    # The receipt page as a student sees it after sending (rendered by the decoy view too).
    page.goto(f"{live_server.url}/report/check/")
    page.evaluate(
        """receipt => { const f = document.createElement('form'); f.method = 'post'; f.action = '/report/receipt/';
        f.innerHTML = '<input name="receipt" value="' + receipt + '">' +
          '<input name="csrfmiddlewaretoken" value="' + document.querySelector('[name=csrfmiddlewaretoken]').value + '">';
        document.body.appendChild(f); f.submit(); }""",
        sent.receipt,
    )
    expect(page.get_by_role("heading", name="Your report was sent")).to_be_visible()
    page.get_by_text("If someone may make you show your reports").tap()
    problems += audited(page, "receipt, decoy offered")
    page.get_by_role("button", name="Get a decoy code").tap()
    code = page.locator("#decoy-code").inner_text().strip()
    assert CODE.fullmatch(code) and code != sent.receipt
    expect(page.locator("#receipt-code")).to_have_text(re.compile(sent.receipt.replace("-", "-\\s*")))
    problems += audited(page, "receipt, decoy taken")
    page.screenshot(path="test-artifacts/screens/receipt-decoy-390.png", full_page=True)

    page.goto(f"{live_server.url}/report/check/")
    page.get_by_label("Your receipt").fill(code)
    page.get_by_role("button", name="Open my report").tap()
    expect(page.get_by_role("heading", name="Your report", exact=True)).to_be_visible()
    expect(page.get_by_text("Are you safe at home tonight?")).to_have_count(0)
    stories = [str(asked) for asked, _ in decoy.STORIES]
    assert any(story in page.content().replace("&#x27;", "'") for story in stories)
    problems += audited(page, "decoy conversation")
    page.screenshot(path="test-artifacts/screens/decoy-conversation-390.png", full_page=True)
    assert AuditEvent.objects.filter(action=AuditEvent.Action.DECOY_USED, tip_id=sent.tip.pk).count() == 1

    page.get_by_role("button", name="Leave").tap()
    page.get_by_label("Your receipt").fill(sent.receipt)
    page.get_by_role("button", name="Open my report").tap()
    expect(page.get_by_text("Are you safe at home tonight?")).to_be_visible()
    expect(page.locator("#status-explanation")).to_have_text(
        "Your report reached the staff who handle it. They will read it soon."
    )
    expect(page.get_by_text(re.compile(r"· (early )?in the (morning|afternoon|evening)|· at night on"))).to_be_visible()
    problems += audited(page, "conversation, explained")
    page.screenshot(path="test-artifacts/screens/conversation-390.png", full_page=True)
    assert not problems, "\n".join(problems)


def test_after_a_life_safety_report_the_student_is_told_to_check_again_in_an_hour(live_server, county, phone):
    page = phone
    page.goto(f"{live_server.url}/report/")
    to_what_is_happening(page, danger=True, about=THREAT)
    describe(page, "A student showed a gun in the parking lot.")
    page.get_by_role("button", name="Send report").tap()
    page.get_by_label("I have written down or saved my receipt.").check()
    page.get_by_role("button", name="Done").tap()

    expect(page.get_by_text(re.compile("check again in an hour", re.IGNORECASE))).to_be_visible()
    problems = audited(page, "thank you, life safety")
    assert Tip.objects.get().is_life_safety
    assert not problems, "\n".join(problems)
