"""Could this identify you? in Chromium: the browser module points out, as the student
types, what could show who they are, with the same patterns as the server; each piece can
be removed or kept, and sending is never blocked. Without JavaScript the server does it."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from reports.intake.identifying import find
from reports.models import Message, Tip
from tests.e2e import axe
from tests.e2e.tip_form import BULLYING, to_what_is_happening

pytestmark = pytest.mark.e2e

SAMPLES = [
    "My name is Jordan Park, text me at 314-555-0199 or jordan.p@example.org",
    "my snap is jpark_2009 and he is @kidd_x on there",
    "only 3 of us were in the band room, my student ID 2049913",
    "it was by my house at 1432 Elm Street",
    "Someone brought a knife to 3rd period, room 214, at 3:15 on 11/28.",
]


def audited(page, name: str) -> list[str]:
    problems = axe.audit(page, name)
    if sum(axe.findings[name].values()):
        problems.append(f"{name}: {dict(axe.findings[name])}")
    return problems


def open_follow_up(page, live_server, receipt: str) -> None:
    page.goto(f"{live_server.url}/report/check/")
    page.get_by_label("Your receipt").fill(receipt)
    page.get_by_role("button", name="Open my report").tap()


def to_step_3(page):
    to_what_is_happening(page)


def test_the_browser_finds_what_the_server_finds(live_server, county, phone):
    page = phone
    page.goto(f"{live_server.url}/report/")
    to_step_3(page)
    box = page.get_by_role("textbox", name="Tell us what you saw, heard or read")
    for sample in SAMPLES:
        box.fill(sample)
        expected = [
            f"“{f.text}” looks like {f.label}. If it is about you, it could show who sent this." for f in find(sample)
        ]
        if expected:
            expect(page.locator("#identify-live li p")).to_have_text(expected)
        else:
            page.wait_for_timeout(600)
            expect(page.locator("#identify-live li")).to_have_count(0)


def test_a_student_removes_one_piece_keeps_another_and_sends(live_server, county, phone):
    page = phone
    problems = []
    page.goto(f"{live_server.url}/report/")
    to_step_3(page)
    page.get_by_role("textbox", name="Tell us what you saw, heard or read").fill(
        "My name is Jordan Park, text me at 314-555-0199. A kid sells vapes in the B hall."
    )

    check = page.locator("#identify-live")  # on the screen where the text is typed
    expect(check.get_by_role("heading", name="Could this identify you?")).to_be_visible()
    expect(check.locator("li")).to_have_count(2)
    problems += audited(page, "report step 4, could this identify you")
    page.screenshot(path="test-artifacts/screens/identify-check-390.png", full_page=True)

    phone_item = check.locator("li", has_text="314-555-0199")
    phone_item.get_by_role("button", name="Remove it").tap()
    expect(check.locator("li")).to_have_count(1)
    expect(check.get_by_role("button", name="Remove it")).to_be_focused()  # the next piece
    check.get_by_role("button", name="Keep it").tap()
    expect(check.get_by_text("Nothing here looks like it could identify you.")).to_be_focused()
    problems += audited(page, "report step 4, all decided")

    page.get_by_role("button", name="Next").tap()
    page.get_by_role("button", name="Send report").tap()
    expect(page.get_by_role("heading", name="Your report was sent")).to_be_visible()
    assert Tip.objects.get().description == "My name is Jordan Park, text me at . A kid sells vapes in the B hall."
    assert not problems, "\n".join(problems)


def test_the_follow_up_page_checks_as_the_student_types(live_server, county, make_tip, phone):
    sent = make_tip(school=county["clayton_high"])
    page = phone
    open_follow_up(page, live_server, sent.receipt)
    page.get_by_label("Your message or more information").fill("It's me again, my snap is jpark_2009")

    expect(page.locator("#identify-live li p")).to_have_text(
        ["“snap is jpark_2009” looks like a social media account. If it is about you, it could show who sent this."]
    )
    problems = audited(page, "conversation, could this identify you")
    page.get_by_role("button", name="Send", exact=True).tap()  # never blocked
    expect(page.get_by_text("Sent. Staff will see your message.")).to_be_visible()
    assert Message.objects.get().body == "It's me again, my snap is jpark_2009"
    assert not problems, "\n".join(problems)


def test_without_javascript_the_server_points_it_out(live_server, county, new_context):
    page = new_context(java_script_enabled=False, viewport={"width": 390, "height": 844}).new_page()
    page.goto(f"{live_server.url}/report/")
    page.get_by_role("button", name="No", exact=True).click()
    page.get_by_role("button", name=BULLYING).click()
    page.get_by_label("Type part of the school's name").fill("clay")
    page.get_by_role("button", name="Search").click()  # the server answers the search
    page.get_by_role("button", name="Clayton High School").click()
    page.get_by_role("textbox", name="Tell us what you saw, heard or read").fill(
        "I'm @jordan_p on insta. They push a kid daily."
    )
    page.get_by_role("button", name="Next").click()
    page.get_by_role("button", name="Send report").click()

    found = page.locator("#identify-server")
    expect(found).to_contain_text("“@jordan_p” looks like a user name.")
    assert not Tip.objects.exists()
    # axe needs JavaScript: it audits this page's markup in a browser that has it.
    markup = page.locator("body").inner_html()
    audit_page = new_context(viewport={"width": 390, "height": 844}).new_page()
    audit_page.goto(f"{live_server.url}/report/")
    audit_page.evaluate("html => { document.body.innerHTML = html; }", markup)
    problems = audited(audit_page, "report, could this identify you (no JavaScript)")
    page.get_by_role("button", name="Send it as it is").click()
    expect(page.get_by_role("heading", name="Your report was sent")).to_be_visible()
    assert Tip.objects.get().description == "I'm @jordan_p on insta. They push a kid daily."
    assert not problems, "\n".join(problems)


def test_the_request_to_close_is_checked_on_its_own_as_the_student_types(live_server, county, make_tip, phone):
    """The follow-up page has two checks: the request to close gets its own, beside it."""
    sent = make_tip(school=county["clayton_high"])
    page = phone
    open_follow_up(page, live_server, sent.receipt)
    page.get_by_label("Why should we close it? (optional)").fill("My name is Jordan Park, it was a joke.")

    expect(page.locator("#close-identify-live li p")).to_have_text(
        ["“My name is Jordan Park” looks like your name. If it is about you, it could show who sent this."]
    )
    expect(page.locator("#identify-live li")).to_have_count(0)  # the message box found nothing
    problems = audited(page, "conversation, could this identify you (request to close)")
    page.locator("#close-identify-live").get_by_role("button", name="Remove it").tap()
    page.get_by_role("button", name="Ask to close my report").tap()  # never blocked
    expect(page.get_by_text("Thank you for telling us.")).to_be_visible()
    assert Message.objects.get().body == ", it was a joke."
    assert not problems, "\n".join(problems)
