"""The tip form's screens as a student taps through them (one screen at a time, drawn by
the server): shared by the browser tests."""

from __future__ import annotations

from playwright.sync_api import Page, expect

BULLYING = "Bullying, in person or online"
THREAT = "A weapon, or a threat to hurt people"


def card(page: Page, title: str):
    return page.get_by_role("button", name=title)


def answer_danger(page: Page, *, yes: bool = False) -> None:
    expect(page.get_by_role("heading", name="Is someone in danger right now?")).to_be_visible()
    page.get_by_role("button", name="Yes, someone is in danger" if yes else "No", exact=True).click()
    expect(page.get_by_role("heading", name="What is this about?")).to_be_visible()


def choose_school(page: Page, school: str) -> None:
    """Type part of the name; the matching schools appear as buttons; tap one."""
    expect(page.get_by_role("heading", name="Which school?")).to_be_visible()
    page.get_by_label("Type part of the school's name").fill(school.split()[0][:5])
    page.locator("#school-results").get_by_role("button", name=school).click()
    expect(page.get_by_role("heading", name="What is happening?")).to_be_visible()


def to_what_is_happening(
    page: Page, *, danger: bool = False, about: str = BULLYING, school: str = "Clayton High School"
):
    answer_danger(page, yes=danger)
    card(page, about).click()
    choose_school(page, school)


def describe(page: Page, text: str, *, where: str = "") -> None:
    page.get_by_label("Tell us what you saw, heard or read").fill(text)
    if where:
        page.get_by_label("Where?").fill(where)
    page.get_by_role("button", name="Next").click()
    expect(page.get_by_role("heading", name="Pictures and staying anonymous")).to_be_visible()
