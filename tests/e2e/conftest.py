"""Browser tests: Playwright drives Debian's Chromium against pytest-django's live server.

Never `playwright install`: the browser is the system's (`apt-get install chromium`, which
`.ci/run` does). Without it these tests skip with a message saying so.
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest
from playwright.sync_api import sync_playwright

from tests.e2e import axe

CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
ARTIFACTS = Path("test-artifacts") / "e2e"
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True, "device_scale_factor": 2}
LAPTOP = {"viewport": {"width": 1280, "height": 800}}


@pytest.fixture(scope="session")
def browser_type_launch_args() -> dict:
    """pytest-playwright's launch options, pointed at the system's Chromium."""
    if not Path(CHROMIUM).is_file():
        pytest.skip(f"no Chromium at {CHROMIUM}: install it (apt-get install chromium) to run the browser tests")
    return {"executable_path": CHROMIUM, "args": CHROMIUM_ARGS, "headless": True}


# pytest-playwright starts Playwright once per session, and Playwright's sync API keeps an
# asyncio loop running in the main thread until it stops; Django refuses ORM calls while a
# loop runs. These overrides stop Playwright after the browser tests, so the rest of the
# suite runs as without it, and the browser tests allow the ORM (they have no async code).


@pytest.fixture(scope="package")
def playwright():
    with sync_playwright() as pw:
        yield pw


@pytest.fixture(scope="package")
def browser(playwright, browser_type_launch_args):
    chromium = playwright.chromium.launch(**browser_type_launch_args)
    yield chromium
    chromium.close()


@pytest.fixture(scope="package")
def browser_context_args() -> dict:
    return {}


@pytest.fixture(scope="package", autouse=True)
def _orm_beside_playwright():
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        yield


@pytest.fixture(autouse=True)
def _instant_tip_form(settings):
    """The form refuses tips sent faster than a human types; a test types instantly. The
    live server runs in a thread of this process, so the override reaches it."""
    settings.TIP_FORM_MIN_SECONDS = 0


@pytest.fixture
def phone(new_context):
    """A student's phone: a small touch screen."""
    return new_context(**PHONE).new_page()


@pytest.fixture
def laptop(new_context):
    """An officer's laptop."""
    return new_context(**LAPTOP).new_page()


@pytest.fixture
def county(site_settings, categories, clayton_high, kirkwood_high, partnership_office, about_page):
    """The public site with its pages, two schools and the tip categories."""
    from partners.models import Page, Resource

    Page.objects.create(slug="home", title="Every student safe at school", summary="Together.", body="Say something.")
    Page.objects.create(slug="contact", title="Contact", body="Write to the office.")
    Page.objects.create(
        slug="how-reporting-works",
        title="How reporting works",
        summary="What you can report.",
        body="## Who reads it\nStaff of the school district.",
        show_in_nav=True,
    )
    Resource.objects.create(
        title="988 Suicide & Crisis Lifeline", kind=Resource.Kind.LINK, url="https://988lifeline.org/"
    )
    return {"clayton_high": clayton_high, "kirkwood_high": kirkwood_high, "categories": categories}


@pytest.fixture
def sign_in(live_server, totp_device, totp_code):
    """``sign_in(page, user)``: password, then a fresh code from the person's authenticator,
    the way staff sign in. Ends on the queue."""

    def go(page, user):
        device = totp_device(user)
        page.goto(f"{live_server.url}/staff/account/login/")
        page.get_by_label("Username").fill(user.username)
        page.get_by_label("Password").fill("correct horse battery staple")
        page.get_by_role("button", name="Continue").click()
        page.wait_for_url("**/staff/account/verify/**")
        page.get_by_label("6-digit code from your authenticator app").fill(totp_code(device))
        page.get_by_role("button", name="Sign in", exact=True).click()
        page.wait_for_url(re.compile(r".*/staff/$"))
        return device

    return go


# --- Artifacts of a failed browser test -------------------------------------------------


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if report.when == "call":
        report.user_properties += [(axe.REPORT_KEY, audited) for audited in axe.unreported]
        axe.unreported.clear()
    if report.when == "call" and report.failed:
        folder = _save_artifacts(item)
        if folder is not None:
            report.sections.append(("browser artifacts", f"screenshots and HTML in {folder}"))
            reporter = item.config.pluginmanager.get_plugin("terminalreporter")
            if reporter is not None:
                reporter.write_line(f"\n{item.nodeid}: browser artifacts saved in {folder}")
    return report


def _save_artifacts(item) -> Path | None:
    """A screenshot and the HTML of every page the failed test had open."""
    browser = item.funcargs.get("browser")
    if browser is None:
        return None
    folder = Path(item.config.rootpath) / ARTIFACTS / re.sub(r"[^\w.-]+", "-", item.name).strip("-")
    folder.mkdir(parents=True, exist_ok=True)
    for c, context in enumerate(browser.contexts):
        for p, page in enumerate(context.pages):
            stem = folder / f"context{c}-page{p}"
            try:
                page.screenshot(path=f"{stem}.png", full_page=True, timeout=5000)
                Path(f"{stem}.html").write_text(f"<!-- {page.url} -->\n{page.content()}", encoding="utf-8")
            except Exception as error:  # noqa: BLE001 — a closed page must not hide the real failure
                Path(f"{stem}.txt").write_text(f"{page.url}\n{error}", encoding="utf-8")
    return folder
