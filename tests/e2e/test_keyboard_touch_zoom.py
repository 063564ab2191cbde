"""The tip form by keyboard alone, by thumb on a phone, and at 200 % zoom."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from reports.intake.services import find_tip_by_receipt
from tests.e2e.tip_form import BULLYING, THREAT, describe, to_what_is_happening

pytestmark = pytest.mark.e2e

FOCUSED = """() => {
  const el = document.activeElement;
  const style = getComputedStyle(el);
  return {
    id: el.id, tag: el.tagName.toLowerCase(), name: el.getAttribute("name"), text: el.textContent.trim().slice(0, 40),
    outline: style.outlineStyle !== "none" && parseFloat(style.outlineWidth) >= 2 ? style.outlineWidth : "",
  };
}"""


def tab(page: Page) -> dict:
    """Press Tab; return what has focus, having checked that the focus can be seen."""
    page.keyboard.press("Tab")
    focused = page.evaluate(FOCUSED)
    assert focused["outline"], f"no visible focus outline on {focused}"
    return focused


def tab_to(page: Page, *, limit: int = 40, **wanted) -> list[dict]:
    """Tab until the focused element matches ``wanted``; return every stop on the way."""
    stops = []
    for _ in range(limit):
        stops.append(tab(page))
        if all(stops[-1][key] == value for key, value in wanted.items()):
            return stops
    raise AssertionError(f"never reached {wanted}; stops: {stops}")


def test_keyboard_only_through_the_tip_form(live_server, county, laptop):
    page = laptop
    page.goto(f"{live_server.url}/report/")

    first = tab(page)
    assert first["text"] == "Skip to main content"
    stops = tab_to(page, name="danger_now")
    assert [s["text"] for s in stops[:3]] == ["911", "988", "(314) 889-SAFE (7233)"]
    assert stops[3]["text"].startswith("Quick exit")
    assert stops[-1]["text"] == "Yes, someone is in danger"
    assert tab(page)["text"] == "No"
    page.keyboard.press("Enter")  # an answer is a button: it answers and moves on

    expect(page.get_by_role("heading", name="What is this about?")).to_be_focused()
    expect(page.locator("#call-911")).to_have_count(0)
    tab_to(page, name="card", text=f"{BULLYING}Someone is picked on, threatened, shamed or left out, at s"[:40])
    page.keyboard.press("Enter")

    expect(page.get_by_role("heading", name="Which school?")).to_be_focused()
    assert tab(page)["id"] == "school-search"
    page.keyboard.type("clayton")
    result = page.locator("#school-results").get_by_role("button", name="Clayton High School")
    expect(result).to_be_visible()  # the list follows the typing
    assert [s["name"] for s in tab_to(page, name="school")] == ["go", "school"]
    page.keyboard.press("Enter")

    expect(page.get_by_role("heading", name="What is happening?")).to_be_focused()
    assert tab(page)["id"] == "id_description"
    page.keyboard.type("Someone keeps taking a kid's phone in the locker room.")
    order = [s["name"] or s["id"] for s in tab_to(page, text="Next")]
    assert order == ["when", "location", "people_involved", "go"]
    page.keyboard.press("Enter")

    expect(page.get_by_role("heading", name="Pictures and staying anonymous")).to_be_focused()
    assert tab(page)["name"] == "images"
    assert tab(page)["name"] == "contact_choice"
    page.keyboard.press("ArrowDown")  # "Yes, I will leave a way to reach me", then leave it empty
    assert tab(page)["name"] == "contact_details"
    assert tab(page)["id"] == "send-report"
    page.keyboard.press("Enter")

    # The error summary takes the focus and is announced; each error names its field.
    summary = page.locator("#error-summary")
    expect(summary).to_be_focused()
    expect(summary).to_have_attribute("role", "alert")
    contact = page.get_by_role("textbox", name="Phone number or e-mail")
    expect(contact).to_have_attribute("aria-invalid", "true")
    described = contact.get_attribute("aria-describedby").split()
    assert "id_contact_details_error" in described
    expect(page.locator("#id_contact_details_error")).to_have_text(
        "Add a phone number or e-mail, or choose to stay anonymous."
    )
    for invalid in page.locator('[aria-invalid="true"]').all():
        for ref in invalid.get_attribute("aria-describedby").split():
            expect(page.locator(f"#{ref}")).not_to_be_empty()

    link = tab(page)
    assert link["tag"] == "a" and link["text"].startswith("Phone number or e-mail")
    page.keyboard.press("Enter")
    expect(contact).to_be_focused()
    page.keyboard.type("314-555-0199")
    tab_to(page, id="send-report")
    page.keyboard.press("Enter")

    expect(page.get_by_role("heading", name="Your report was sent")).to_be_visible()
    tip = find_tip_by_receipt(page.locator("#receipt-code").inner_text())
    assert tip.contact_details == "314-555-0199" and tip.school == county["clayton_high"]


def _small_targets(page: Page, selector: str) -> list[str]:
    small = []
    for element in page.locator(selector).all():
        if not element.is_visible():
            continue
        box = element.bounding_box()
        if box["width"] < 44 or box["height"] < 44:
            small.append(f"{element.inner_text().strip()[:30]!r} {box['width']:.0f}×{box['height']:.0f}")
    return small


def test_touch_targets_on_a_phone_are_at_least_44_pixels(live_server, county, phone):
    page = phone
    targets = ".choice-cards .form-check, .choice-button, .btn, .quick-exit"
    page.goto(f"{live_server.url}/report/")
    small = _small_targets(page, targets)
    page.get_by_role("button", name="Yes, someone is in danger").tap()
    small += _small_targets(page, targets)  # the cards, and the Call 911 button
    page.get_by_role("button", name=BULLYING).tap()
    page.get_by_label("Type part of the school's name").fill("clay")
    expect(page.locator("#school-results").get_by_role("button")).to_have_count(1)
    small += _small_targets(page, targets)
    page.locator("#school-results").get_by_role("button").tap()
    page.get_by_label("Tell us what you saw, heard or read").fill("Someone keeps taking a kid's lunch.")
    small += _small_targets(page, targets)
    page.get_by_role("button", name="Next").tap()
    expect(page.get_by_role("button", name="Send report")).to_be_visible()
    small += _small_targets(page, targets)
    assert not small, small


@pytest.mark.parametrize("width", [640, 320])
def test_form_reflows_at_zoom_without_sideways_scrolling(live_server, county, new_context, width):
    """640 CSS pixels is a 1280-pixel laptop screen at 200 % zoom; 320 is WCAG's 400 %."""
    page = new_context(viewport={"width": width, "height": 720}, device_scale_factor=2).new_page()
    overflow = "document.documentElement.scrollWidth > document.documentElement.clientWidth"
    for path in ("/", "/es/", "/partners/", "/report/check/"):
        page.goto(f"{live_server.url}{path}")
        assert not page.evaluate(overflow), f"{path} scrolls sideways at {width}px"

    page.goto(f"{live_server.url}/report/")
    to_what_is_happening(page, about=THREAT)
    assert not page.evaluate(overflow), f"the form scrolls sideways at {width}px"
    describe(page, "A knife in a backpack.")
    send = page.get_by_role("button", name="Send report")
    send.scroll_into_view_if_needed()
    box = send.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= width
    assert not page.evaluate(overflow), f"the form scrolls sideways at {width}px"
    send.click()
    expect(page.get_by_role("heading", name="Your report was sent")).to_be_visible()
    assert not page.evaluate(overflow), f"the receipt scrolls sideways at {width}px"
