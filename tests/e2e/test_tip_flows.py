"""The tip line end to end, in Chromium: a student reports from a phone, officers work the
tip on a laptop, the student comes back with the receipt."""

from __future__ import annotations

import re

import pytest
from PIL import Image
from playwright.sync_api import Page, expect

from partners.models import Agency
from reports.intake.services import find_tip_by_receipt
from reports.models import Message, Routing, Tip
from reports.triage.actions import message_tipster
from tests.e2e.axe import audit
from tests.e2e.tip_form import BULLYING, THREAT, describe, to_what_is_happening

pytestmark = pytest.mark.e2e

EXIT_URL = "https://www.weather.gov/"


@pytest.fixture
def photo(tmp_path):
    path = tmp_path / "hallway.jpg"
    Image.new("RGB", (640, 480), (180, 40, 40)).save(path, "JPEG", quality=80)
    return path


def fill_steps(page: Page, *, description: str, about: str = BULLYING, school: str = "Clayton High School"):
    """Screens 1 to 4 of the form, one at a time, as a student taps through them."""
    to_what_is_happening(page, about=about, school=school)
    describe(page, description, where="Hallway by the gym")


def test_student_on_a_phone_reports_with_a_picture_and_saves_the_receipt(live_server, county, phone, photo):
    page = phone
    page.goto(f"{live_server.url}/report/")
    expect(page.locator("#step-progress")).to_have_text("Step 1 of 5")
    expect(page.get_by_role("heading", name="Which school?")).to_have_count(0)  # only this screen is drawn

    fill_steps(page, description="A group keeps shoving a sixth grader into the lockers.")
    page.get_by_label("Pictures (optional)").set_input_files(photo)
    page.get_by_role("button", name="Send report").tap()

    expect(page.get_by_role("heading", name="Your report was sent")).to_be_visible()
    receipt = page.locator("#receipt-code").inner_text().strip()
    assert re.fullmatch(r"[0-9A-Z]{4}(-[0-9A-Z]{4}){3}", receipt)
    page.get_by_label("I have written down or saved my receipt.").check()
    page.get_by_role("button", name="Done").tap()
    expect(page.get_by_role("heading", name="Thank you")).to_be_visible()

    tip = find_tip_by_receipt(receipt)
    assert tip is not None and Tip.objects.count() == 1
    assert tip.description == "A group keeps shoving a sixth grader into the lockers."
    assert tip.school == county["clayton_high"] and tip.category.name == "Bullying"
    assert tip.danger_now is False
    assert tip.attachments.count() == 1


def test_officer_signs_in_acknowledges_and_replies(live_server, county, make_tip, officer_olsen, laptop, sign_in):
    tip = make_tip(school=county["clayton_high"], description="Someone showed a knife behind the gym.").tip
    page = laptop
    sign_in(page, officer_olsen)

    page.get_by_role("link", name=tip.reference).click()
    expect(page.get_by_role("heading", name=f"Tip {tip.reference}")).to_be_visible()
    report = page.get_by_role("region", name="What the tipster reported")
    expect(report.get_by_text("Someone showed a knife behind the gym.")).to_be_visible()
    page.get_by_role("button", name="Acknowledge for my agency").click()
    expect(page.get_by_text(re.compile("Acknowledged by Oliver Olsen"))).to_be_visible()

    page.get_by_label("Message to the tipster").fill("Thank you. Was this before or after lunch?")
    page.get_by_role("button", name="Send to tipster").click()
    expect(page.get_by_text("Thank you. Was this before or after lunch?")).to_be_visible()

    police = Routing.objects.get(tip=tip, agency__name="Clayton Police Department")
    assert police.acknowledged_by == officer_olsen
    reply = Message.objects.get(tip=tip)
    assert reply.direction == "to_tipster" and reply.author == officer_olsen


def test_officer_sees_a_picture_in_a_sandboxed_page_and_downloads_the_file(
    live_server, county, categories, officer_olsen, laptop, sign_in, tmp_path
):
    """SECURITY.md 25: the picture shows in a page that runs nothing; the file downloads."""
    from io import BytesIO

    from reports.intake import receipts
    from reports.intake.services import CleanImage, TipReport, submit_tip

    out = BytesIO()
    Image.new("RGB", (640, 480), (40, 90, 160)).save(out, "JPEG", quality=80)
    image = CleanImage(content=out.getvalue(), content_type="image/jpeg", width=640, height=480)
    report = TipReport(category=categories["bullying"], school=county["clayton_high"], description="See the photo.")
    tip = submit_tip(
        report=TipReport(**{**report.__dict__, "images": [image]}), receipt=receipts.generate(), form_token="e2e-pic"
    ).tip
    page = laptop
    sign_in(page, officer_olsen)
    page.goto(f"{live_server.url}/staff/tips/{tip.pk}/")
    with page.expect_popup() as popup:
        page.get_by_role("link", name="Open").click()
    viewer = popup.value
    viewer.wait_for_load_state()
    picture = viewer.get_by_role("img", name=re.compile("Picture sent by the tipster"))
    expect(picture).to_be_visible()
    assert picture.evaluate("img => img.naturalWidth") == 640
    assert picture.evaluate("img => getComputedStyle(img).maxWidth") == "100%"  # the site's CSS applies
    assert viewer.evaluate("() => window.origin") == "null"  # sandboxed: an origin of its own
    with viewer.expect_download() as download:
        viewer.get_by_role("link", name="Download the file").click()
    saved = tmp_path / "download.jpg"
    download.value.save_as(saved)
    assert saved.read_bytes() == tip.attachments.get().content
    # The sandbox runs no script, axe's included: the same page again, for axe only, with
    # the sandbox taken out of its policy (the rest of the policy and the page unchanged).
    problems = audit(_unsandboxed(viewer.context.new_page(), viewer.url), "picture page (sandbox lifted for axe)")
    assert not problems, "\n".join(problems)


def _unsandboxed(page: Page, url: str) -> Page:
    def lift(route) -> None:
        response = route.fetch()
        policy = response.headers["content-security-policy"]
        lifted = policy.removeprefix("sandbox allow-downloads; ")
        assert lifted != policy, policy
        route.fulfill(response=response, headers={**response.headers, "content-security-policy": lifted})

    page.route(url, lift)
    page.goto(url)
    assert page.evaluate("() => window.origin") != "null"
    return page


def test_student_returns_with_the_receipt_reads_the_reply_and_answers(
    live_server, county, make_tip, officer_olsen, phone
):
    submitted = make_tip(school=county["clayton_high"])
    message_tipster(
        tip=submitted.tip, author=officer_olsen, agency=None, body="Thank you. Was this before or after lunch?"
    )
    page = phone
    page.goto(f"{live_server.url}/report/check/")
    page.get_by_label("Your receipt").fill(submitted.receipt.lower())
    page.get_by_role("button", name="Open my report").tap()

    expect(page.get_by_role("heading", name="Your report", exact=True)).to_be_visible()
    expect(page.get_by_text("Thank you. Was this before or after lunch?")).to_be_visible()
    page.get_by_label("Your message or more information").fill("After lunch, by the gym doors.")
    page.get_by_role("button", name="Send", exact=True).tap()
    expect(page.get_by_text("Sent. Staff will see your message.")).to_be_visible()
    expect(page.get_by_text("After lunch, by the gym doors.")).to_be_visible()

    answer = Message.objects.get(tip=submitted.tip, direction="from_tipster")
    assert answer.body == "After lunch, by the gym doors."


def test_officer_of_another_agency_does_not_see_the_tip(live_server, county, make_tip, officer_kim, laptop, sign_in):
    clayton = make_tip(school=county["clayton_high"], description="Someone showed a knife behind the gym.").tip
    kirkwood = make_tip(school=county["kirkwood_high"], description="Fight planned at the bus loop.").tip
    page = laptop
    sign_in(page, officer_kim)

    expect(page.get_by_role("link", name=kirkwood.reference)).to_be_visible()
    expect(page.get_by_role("link", name=clayton.reference)).to_have_count(0)
    response = page.goto(f"{live_server.url}/staff/tips/{clayton.pk}/")
    assert response.status == 404
    expect(page.get_by_text("Someone showed a knife")).to_have_count(0)


def test_coordinator_reroutes_the_tip(live_server, county, make_tip, coordinator_cole, laptop, sign_in):
    tip = make_tip(school=county["clayton_high"]).tip
    page = laptop
    sign_in(page, coordinator_cole)
    page.goto(f"{live_server.url}/staff/tips/{tip.pk}/")

    page.get_by_text("Re-route (coordinators)").click()
    # The choice shows each agency's coverage: nobody is enrolled at Kirkwood PD here.
    page.get_by_label("Add agency").select_option(label="Kirkwood Police Department (red: no one enrolled)")
    page.get_by_role("button", name="Change routing").click()

    routed = page.get_by_role("region", name="Agencies on this tip").get_by_role("listitem")
    expect(routed.filter(has_text="Kirkwood Police Department")).to_contain_text("re-routed by cole")
    kirkwood_pd = Agency.objects.get(name="Kirkwood Police Department")
    assert Routing.objects.get(tip=tip, agency=kirkwood_pd).reason == "re-routed by cole"


def test_danger_now_yes_shows_call_911_before_anything_is_sent(live_server, county, phone):
    page = phone
    page.goto(f"{live_server.url}/report/")
    call_911 = page.locator("#call-911")
    expect(call_911).to_have_count(0)

    page.get_by_role("button", name="Yes, someone is in danger").tap()
    expect(call_911).to_be_visible()  # first on the next screen, above the cards
    assert call_911.bounding_box()["y"] < page.get_by_role("button", name=BULLYING).bounding_box()["y"]
    expect(call_911.get_by_role("link", name="Call 911")).to_have_attribute("href", "tel:911")
    page.get_by_role("button", name=BULLYING).tap()
    expect(call_911).to_be_visible()  # and on every screen after
    page.get_by_role("button", name="Back").tap()
    page.get_by_role("button", name="Back").tap()
    page.get_by_role("button", name="No", exact=True).tap()
    expect(call_911).to_have_count(0)
    assert Tip.objects.count() == 0


def test_quick_exit_leaves_at_once_and_is_not_kept_in_history(live_server, county, phone):
    page = phone
    asked_for = []

    def neutral_site(route):
        asked_for.append(route.request.url)
        route.fulfill(status=200, content_type="text/html", body="<title>Weather</title><h1>Forecast</h1>")

    page.route(f"{EXIT_URL}**", neutral_site)
    page.goto(f"{live_server.url}/")
    page.goto(f"{live_server.url}/report/")
    depth = page.evaluate("history.length")

    page.get_by_role("link", name=re.compile("^Quick exit")).tap()
    page.wait_for_url(EXIT_URL)
    assert asked_for == [EXIT_URL]
    assert page.evaluate("history.length") == depth  # replaced, not added
    page.go_back()
    assert page.url == f"{live_server.url}/"  # the page before the form, not the form


def test_form_works_without_javascript(live_server, county, new_context):
    page = new_context(**{"java_script_enabled": False, "viewport": {"width": 390, "height": 844}}).new_page()
    page.goto(f"{live_server.url}/report/")
    # One screen at a time, each drawn by the server: the same screens as with JavaScript.
    page.get_by_role("button", name="No", exact=True).click()
    page.get_by_role("button", name=THREAT).click()
    page.get_by_label("Type part of the school's name").fill("Kirkwood")
    page.get_by_role("button", name="Search").click()
    page.get_by_role("button", name=re.compile("^Kirkwood High School")).click()
    page.get_by_role("textbox", name="Tell us what you saw, heard or read").fill(
        "Someone said they will bring a knife tomorrow."
    )
    page.get_by_role("button", name="Next").click()
    page.get_by_role("button", name="Send report").click()

    expect(page.get_by_role("heading", name="Your report was sent")).to_be_visible()
    receipt = page.locator("#receipt-code").inner_text().strip()
    page.get_by_role("button", name="Done").click()  # not ticked: asked again, receipt still shown
    expect(page.get_by_text("Tick the box once your receipt is saved somewhere safe.")).to_be_visible()
    expect(page.locator("#receipt-code")).to_have_text(receipt)
    page.get_by_label("I have written down or saved my receipt.").check()
    page.get_by_role("button", name="Done").click()
    expect(page.get_by_role("heading", name="Thank you")).to_be_visible()
    assert find_tip_by_receipt(receipt).school == county["kirkwood_high"]
