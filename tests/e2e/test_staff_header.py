"""The staff header on the screens staff use, from a tablet to a laptop: a coordinator's ten
links and the account never push "Sign out" off the screen (at 1,024 px it used to be cut
off at the right edge, with the name and "Change password")."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e


def test_a_coordinators_header_keeps_its_account_on_the_screen(live_server, new_context, sign_in, coordinator_cole):
    page = new_context(viewport={"width": 1366, "height": 800}).new_page()
    sign_in(page, coordinator_cole)
    for width in (1366, 1280, 1024, 768):
        page.set_viewport_size({"width": width, "height": 800})
        page.goto(f"{live_server.url}/staff/coverage/")
        header = page.get_by_role("navigation", name="Staff")
        for control in (
            header.get_by_role("link", name="Administration"),
            header.get_by_role("link", name="Change password"),
            header.get_by_role("button", name="Sign out"),
        ):
            expect(control).to_be_visible()
            box = control.bounding_box()
            assert box["x"] >= 0 and box["x"] + box["width"] <= width, f"{control} off the screen at {width}px"
        assert not page.evaluate("document.documentElement.scrollWidth > document.documentElement.clientWidth")
        # The name is shown; "Signed in as" is said to screen readers only.
        expect(header.get_by_text("Signed in as")).to_have_count(1)


def test_on_a_phone_the_staff_header_is_one_row(live_server, new_context, sign_in, coordinator_cole):
    """The public header gives the hotline a row under the site's name on a phone; the staff
    header has no hotline there and keeps its name and menu button on one row."""
    page = new_context(viewport={"width": 390, "height": 800}, is_mobile=True, has_touch=True).new_page()
    sign_in(page, coordinator_cole)
    header = page.get_by_role("navigation", name="Staff")
    name = header.get_by_role("link", name="Tip line · Staff").bounding_box()
    menu = header.get_by_role("button", name="Show menu").bounding_box()
    assert menu["y"] < name["y"] + name["height"] and name["y"] < menu["y"] + menu["height"], (name, menu)
    expect(page.locator(".nav-hotline")).to_have_count(0)
