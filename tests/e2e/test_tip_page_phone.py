"""The tip page on a phone at 2 a.m. (the link in an alert): no sideways scroll at 360 px,
the summary and "Acknowledge" in the first screen, the actions before the whole report,
problems announced at the top and focused; and the multi-agency flow in which the police
finish their part while the district has still to acknowledge. Screenshots of each screen
are kept in test-artifacts/e2e/screens/ for people to look at."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from reports.models import Routing, Tip
from tests.e2e import axe

pytestmark = pytest.mark.e2e

SMALL_PHONE = {
    "viewport": {"width": 360, "height": 740},
    "is_mobile": True,
    "has_touch": True,
    "device_scale_factor": 2,
}
SCREENS = Path("test-artifacts") / "e2e" / "screens"

LONG_REPORT = (
    "A student in the third lunch period said in the group chat that he would bring his father's gun on Friday "
    "and that everybody who laughed at him would be sorry. Several people saw the message before it was deleted; "
    "one of them took a screenshot. He has been missing classes and says nobody at school listens to him. "
) * 4


def screenshot(page: Page, name: str, *, full_page: bool = False) -> None:
    SCREENS.mkdir(parents=True, exist_ok=True)
    # A screenshot taken while a tap's navigation is still committing fails in Chromium
    # ("Unable to capture screenshot"); wait until the new document has loaded.
    page.wait_for_load_state("load")
    page.screenshot(path=str(SCREENS / f"{name}.png"), full_page=full_page)


def horizontal_overflow(page: Page) -> int:
    return page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")


def box(page: Page, locator) -> dict:
    found = locator.bounding_box()
    assert found is not None
    return {**found, "bottom": found["y"] + found["height"], "scroll": page.evaluate("window.scrollY")}


@pytest.fixture
def urgent_tip(county, make_tip):
    tip = make_tip(
        school=county["clayton_high"],
        category="weapons",
        danger_now=True,
        description=LONG_REPORT,
        location="Cafeteria, third lunch period; then the group chat called lunch-crew-2027",
        people_involved="A junior who sits by the windows; two friends who saw the message",
    ).tip
    return tip


def test_tip_page_fits_a_small_phone_and_puts_the_work_first(
    live_server, urgent_tip, officer_olsen, new_context, sign_in
):
    page = new_context(**SMALL_PHONE).new_page()
    sign_in(page, officer_olsen)  # ends on the queue
    screenshot(page, "queue-360")
    assert horizontal_overflow(page) <= 0  # the table scrolls in its own box, not the page
    page.get_by_role("link", name=urgent_tip.reference).tap()
    expect(page.get_by_role("heading", name="Summary")).to_be_visible()
    screenshot(page, "tip-page-360-first-screen")
    screenshot(page, "tip-page-360-whole", full_page=True)

    assert horizontal_overflow(page) <= 0
    summary = page.get_by_role("heading", name="Summary")
    acknowledge = page.get_by_role("button", name="Acknowledge for my agency")
    assert box(page, summary)["bottom"] <= 740
    assert box(page, acknowledge)["bottom"] <= 740, "Acknowledge must be in the first screen"
    report = page.get_by_role("heading", name="What the tipster reported")
    done = page.get_by_text("Done…")
    assert box(page, done)["y"] < box(page, report)["y"], "the actions come before the whole report"
    jump = page.get_by_role("navigation", name="On this page")
    assert box(page, jump)["y"] < box(page, report)["y"]
    assert not axe.audit(page, "tip detail, 360 px phone")

    acknowledge.tap()
    expect(page.get_by_text("Acknowledged for your agency.")).to_be_visible()
    assert horizontal_overflow(page) <= 0
    jump.get_by_role("link", name="Message the tipster").tap()
    expect(page.get_by_label("Message to the tipster")).to_be_in_viewport()
    screenshot(page, "tip-page-360-message")


def test_a_refused_done_is_announced_at_the_top_and_focused(
    live_server, urgent_tip, officer_olsen, new_context, sign_in
):
    page = new_context(**SMALL_PHONE).new_page()
    sign_in(page, officer_olsen)
    page.goto(f"{live_server.url}/staff/tips/{urgent_tip.pk}/")
    page.get_by_text("Done…").tap()
    page.get_by_role("button", name="Mark our part done").tap()

    problems = page.locator("#problems")
    expect(problems).to_be_focused()
    expect(problems).to_contain_text("How did it end?: Choose how it ended.")
    expect(problems).to_contain_text("Write a short disposition note")
    assert box(page, problems)["y"] + box(page, problems)["scroll"] < 740
    assert horizontal_overflow(page) <= 0
    screenshot(page, "tip-page-360-refused-done")
    assert not axe.audit(page, "tip detail with errors, 360 px phone")

    problems.get_by_role("link", name=re.compile("How did it end")).tap()
    page.get_by_role("radio", name="Unfounded — false report").check()
    page.get_by_label("Disposition note").fill("The screenshot was edited; the student never wrote it.")
    page.get_by_role("button", name="Mark our part done").tap()
    expect(page.get_by_text("Done. The tip stays open for any other agency still working on it.")).to_be_visible()
    police = Routing.objects.get(tip=urgent_tip, agency__name="Clayton Police Department")
    assert (police.state, police.disposition) == ("done", "unfounded")


def test_police_finish_while_the_district_has_not_acknowledged(
    live_server, urgent_tip, officer_olsen, principal_park, coordinator_cole, new_context, sign_in
):
    tip = urgent_tip
    police_page = new_context(viewport={"width": 1280, "height": 900}).new_page()
    sign_in(police_page, officer_olsen)
    police_page.goto(f"{live_server.url}/staff/tips/{tip.pk}/")
    police_page.get_by_text("Done…").click()
    police_page.get_by_role("radio", name="Resolved").check()
    police_page.get_by_label("Disposition note").fill("Spoke with the family; no weapon in the home.")
    police_page.get_by_role("button", name="Mark our part done").click()
    expect(police_page.get_by_text("Done. The tip stays open")).to_be_visible()
    screenshot(police_page, "flow-1-police-done")

    coordinator = new_context(viewport={"width": 1280, "height": 900}).new_page()
    sign_in(coordinator, coordinator_cole)
    row = coordinator.get_by_role("row").filter(has=coordinator.get_by_role("link", name=tip.reference))
    expect(row).to_have_class(re.compile("table-danger"))
    expect(row).to_contain_text("Not acknowledged: Clayton School District")
    expect(row).to_contain_text("Clayton Police Department: done (resolved)")
    screenshot(coordinator, "flow-2-coordinator-queue-highlighted")
    assert not axe.audit(coordinator, "queue, coordinator")

    district = new_context(**SMALL_PHONE).new_page()
    sign_in(district, principal_park)
    district.get_by_role("link", name=tip.reference).tap()
    expect(district.locator(".tip-head")).to_contain_text("In progress")
    expect(district.get_by_role("heading", name="Your part: Clayton School District")).to_be_visible()
    expect(district.get_by_text("Spoke with the family")).to_have_count(0)  # the police's note stays theirs
    screenshot(district, "flow-3-district-phone-tip-open")
    district.get_by_role("button", name="Acknowledge for my agency").tap()
    expect(district.get_by_text("Acknowledged for your agency.")).to_be_visible()

    coordinator.reload()
    row = coordinator.get_by_role("row").filter(has=coordinator.get_by_role("link", name=tip.reference))
    expect(row).not_to_have_class(re.compile("table-danger"))
    expect(row).not_to_contain_text("Not acknowledged")
    screenshot(coordinator, "flow-4-coordinator-queue-settled")
    assert Tip.objects.get(pk=tip.pk).state == "open"
