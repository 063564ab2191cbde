"""Quick exit on every public page (Shift+Esc too), never covering the page's text; the
"How to stay safe while reporting" page; the school network notice. On a 390-pixel phone,
with axe on each new state."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from partners.models import NetworkRange, Page
from tests.e2e import axe

pytestmark = pytest.mark.e2e

EXIT_URL = "https://www.weather.gov/"
SCHOOL_ADDRESS = ".".join(["203", "0", "113", "77"])

# Text elements outside the emergency bar whose boxes overlap the quick exit's box.
OVERLAPS = """() => {
  const exit = document.querySelector('[data-quick-exit]').getBoundingClientRect();
  const hits = [];
  for (const el of document.querySelectorAll('main *, header *, footer *')) {
    if (!el.childNodes.length || ![...el.childNodes].some(n => n.nodeType === 3 && n.textContent.trim())) continue;
    const r = el.getBoundingClientRect();
    if (!r.width || !r.height) continue;
    if (r.left < exit.right && r.right > exit.left && r.top < exit.bottom && r.bottom > exit.top) {
      hits.push(el.tagName + ' ' + el.textContent.trim().slice(0, 30));
    }
  }
  return hits;
}"""


@pytest.fixture
def safety_page(county):
    Page.objects.create(
        slug="staying-safe",
        title="How to stay safe while reporting",
        summary="Your device, your connection, your receipt.",
        body="## Use a device you trust\n- Your own phone on mobile data is safest.\n\n## Leave in a hurry\n"
        "- The Quick exit button, or Shift and Escape together.\n\n## In an emergency\nCall 911. Call or text 988.",
    )


def audited(page, name: str) -> list[str]:
    problems = axe.audit(page, name)
    if sum(axe.findings[name].values()):
        problems.append(f"{name}: {dict(axe.findings[name])}")
    return problems


def test_shift_escape_leaves_the_home_page_at_once(live_server, safety_page, phone):
    page = phone
    page.route(
        f"{EXIT_URL}**", lambda route: route.fulfill(status=200, content_type="text/html", body="<h1>Forecast</h1>")
    )
    page.goto(f"{live_server.url}/about/")
    page.goto(f"{live_server.url}/")
    expect(
        page.get_by_role("link", name="Quick exit (leaves this site at once; Shift and Escape also work)")
    ).to_be_visible()

    page.keyboard.press("Shift+Escape")
    page.wait_for_url(EXIT_URL)
    page.go_back()
    assert page.url == f"{live_server.url}/about/"  # the home page was replaced, not kept


@pytest.mark.parametrize("path", ["/", "/about/", "/staying-safe/", "/report/", "/report/check/"])
def test_the_quick_exit_stays_in_reach_and_covers_no_text(live_server, safety_page, phone, path):
    page = phone
    page.emulate_media(reduced_motion="reduce")  # scrolls happen at once, not animated
    page.goto(f"{live_server.url}{path}")
    exit_link = page.locator("[data-quick-exit]")

    assert page.evaluate(OVERLAPS) == []
    box = exit_link.bounding_box()
    assert box["height"] >= 44 and box["y"] >= 0
    bar = page.locator(".emergency-bar").bounding_box()
    assert bar["height"] <= 56, "on a phone the bar is one line"
    page.mouse.wheel(0, 1500)
    page.wait_for_timeout(100)
    expect(exit_link).to_be_in_viewport()
    # Whatever is focused by keyboard is scrolled clear of the bar, never under it.
    bar_bottom = page.locator(".emergency-bar").bounding_box()
    bar_bottom = bar_bottom["y"] + bar_bottom["height"]
    page.locator("footer a").last.focus()
    focused = page.evaluate(
        """() => { const h = document.querySelector('main h1'); h.tabIndex = -1; h.focus();
                   return h.getBoundingClientRect().top; }"""
    )
    assert focused >= bar_bottom - 1


def test_the_safety_page_and_the_school_network_notice_on_a_phone(
    live_server, safety_page, phone, new_context, clayton_district
):
    page = phone
    problems = []
    page.goto(f"{live_server.url}/")
    page.get_by_role("link", name="How to stay safe while reporting").click()
    expect(page.get_by_role("heading", name="How to stay safe while reporting", level=1)).to_be_visible()
    problems += audited(page, "staying safe")
    page.screenshot(path="test-artifacts/screens/staying-safe-390.png", full_page=True)
    page.goto(f"{live_server.url}/")
    problems += audited(page, "home, with quick exit")
    page.screenshot(path="test-artifacts/screens/home-390.png")

    NetworkRange.objects.create(district=clayton_district, network="203.0.113.0/24")
    school = new_context(
        **{"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True, "extra_http_headers": {}}
    ).new_page()
    from django.conf import settings

    settings.CLIENT_ADDRESS_HEADER = "HTTP_X_REAL_IP"  # as behind nginx; the live server is in this process
    school.set_extra_http_headers({"X-Real-IP": SCHOOL_ADDRESS})
    school.goto(f"{live_server.url}/report/")
    notice = school.get_by_role("complementary", name="You seem to be on a school network")
    expect(notice).to_be_visible()
    expect(notice).to_contain_text("use your own phone on mobile data")
    problems += audited(school, "report form, school network")
    school.screenshot(path="test-artifacts/screens/report-school-network-390.png")
    school.set_extra_http_headers({"X-Real-IP": "198.51.100.9"})
    school.goto(f"{live_server.url}/report/")
    expect(school.locator("#school-network-notice")).to_have_count(0)
    assert not problems, "\n".join(problems)


# The visible links that dial the hotline, with their boxes.
HOTLINE_LINKS = """() => [...document.querySelectorAll('a[href^="tel:"]')]
  .filter(a => a.href.endsWith('+13148897233') && a.getClientRects().length)
  .map(a => { const r = a.getBoundingClientRect();
              return {where: a.closest('.emergency-bar') ? 'bar' : a.closest('header') ? 'header' : 'other',
                      top: r.top, bottom: r.bottom, height: r.height}; })"""


@pytest.mark.parametrize("width", [320, 360, 390, 1280])
def test_the_hotline_is_at_the_top_of_every_page_at_every_width(live_server, safety_page, new_context, width):
    """A student on a phone dials the hotline without scrolling to the footer: the bar
    keeps 911, 988 and the quick exit on one line there, so the hotline sits in the header
    beside the menu button; wider, it is in the bar. Either way one link, 44 pixels tall on
    a phone, and the header stays two rows (the name and the menu button took two rows at
    360 pixels and less already; the hotline shares the button's)."""
    phone = width < 576
    page = new_context(
        viewport={"width": width, "height": 700}, is_mobile=phone, has_touch=phone, device_scale_factor=2
    ).new_page()
    for path in ("/", "/report/", "/report/check/"):
        page.goto(f"{live_server.url}{path}")
        top = [link for link in page.evaluate(HOTLINE_LINKS) if link["where"] != "other"]
        assert [link["where"] for link in top] == ["header" if phone else "bar"], (path, top)
        header = page.locator("header").bounding_box()
        assert top[0]["bottom"] <= header["y"] + header["height"] + 1
        if phone:
            assert top[0]["height"] >= 44, f"{path}: the hotline is {top[0]['height']:.0f} pixels tall"
            menu = page.get_by_role("button", name="Show menu").bounding_box()
            assert menu["y"] < top[0]["bottom"] and menu["y"] + menu["height"] > top[0]["top"], "beside the menu button"
            assert header["height"] <= 130, f"{path}: the header is {header['height']:.0f} pixels tall"
