"""Casework in Chromium: a tip becomes a threat assessment case, the team classifies it
serious substantive and plans two actions, one goes overdue and alerts its owner; a police
notice reaches the district's designee, who acknowledges it; the public figures page shows
"fewer than 10" and passes axe."""

from __future__ import annotations

import re
import secrets
from datetime import date, datetime, time, timedelta

import pytest
from django.core import mail
from django.utils import timezone
from playwright.sync_api import expect

from casework import jobs, offences
from casework.models import Notice, Offence, SafetyAction, ThreatCase
from partners.models import Membership
from reports.models import Tip
from reports.notifications.delivery import deliver_due
from tests.e2e import axe
from tests.e2e.axe import audit

pytestmark = pytest.mark.e2e
STUDENT = "Quentin Marlowe-Zed"


def test_tip_to_case_to_an_overdue_action_that_alerts_its_owner(
    live_server, county, make_tip, principal_park, officer_olsen, new_context, sign_in, time_machine
):
    time_machine.move_to(timezone.make_aware(datetime(2026, 11, 30, 9)), tick=True)
    tip = make_tip(school=county["clayton_high"], category="weapons", description="He said he would bring a knife.").tip
    page = new_context(viewport={"width": 1280, "height": 900}).new_page()
    sign_in(page, principal_park)
    page.goto(f"{live_server.url}/staff/tips/{tip.pk}/")
    page.get_by_role("link", name="Open a threat assessment case from this tip").click()
    page.get_by_label("Student of concern").fill(STUDENT)
    page.get_by_label("The threat and its context, as reported").fill("Told two classmates he would bring a knife.")
    page.get_by_role("button", name="Open the case").click()
    expect(page.get_by_role("heading", name=re.compile(r"^Case C-"))).to_be_visible()
    expect(page.get_by_text(STUDENT)).to_be_visible()

    page.get_by_label("Add to the team").select_option(label="Oliver Olsen · Clayton Police Department (Officer)")
    page.get_by_role("button", name="Add to the team").click()
    expect(page.get_by_text("Added to the team.")).to_be_visible()

    page.get_by_role("radio", name="Substantive").check()
    page.get_by_label("How it was resolved, or why it cannot be").fill("He would not take it back.")
    page.get_by_role("button", name="Record this step").click()
    page.get_by_role("radio", name="Serious substantive", exact=True).check()
    page.get_by_label("Why this level").fill("A threat to injure; no plan found.")
    page.get_by_role("button", name="Record this step").click()
    for label in ("Protective actions taken", "The intended targets' parents told", "The student's parents told"):
        page.get_by_label(re.compile(r"^\s*" + label)).check()
    page.get_by_role("button", name="Record this step").click()
    expect(page.locator("h1 + .badge + .badge")).to_have_text("Serious substantive")
    assert audit(page, "case page") == []

    tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()
    for kind, owner in (("Parent meeting", "Pat Park"), ("Check-ins", "Oliver Olsen")):
        page.get_by_text("Add an action").click()
        page.get_by_label(re.compile(r"^\s*Action\*?\s*$")).select_option(label=kind)
        page.get_by_label("Owner (team member)").select_option(label=owner)
        page.get_by_label("Due").fill(tomorrow)
        page.get_by_role("button", name="Add to the plan").click()
        expect(page.get_by_text("Action added to the safety plan.")).to_be_visible()
    page.get_by_role("button", name=re.compile("Mark done.*Parent meeting")).click()
    expect(page.get_by_text(re.compile("Done .* by Pat Park"))).to_be_visible()
    case = ThreatCase.objects.get()
    assert case.classification == "serious" and case.actions.filter(done_at=None).count() == 1

    time_machine.move_to(timezone.now() + timedelta(days=2), tick=True)
    assert jobs.run_daily()["action_reminders"] == 1
    deliver_due()
    [email] = [m for m in mail.outbox if case.reference in m.subject]  # the others: new-tip alerts
    assert email.to == [officer_olsen.email] and "Overdue" in email.subject
    assert STUDENT not in email.body and "knife" not in email.body

    officer = new_context(viewport={"width": 1280, "height": 900}).new_page()
    sign_in(officer, officer_olsen)
    expect(officer.get_by_text("Overdue safety-plan actions you own")).to_be_visible()
    officer.get_by_role("link", name=case.reference).click()
    expect(officer.locator(".safety-action", has_text="Check-ins").get_by_text("Overdue")).to_be_visible()
    officer.get_by_role("button", name=re.compile("Mark done.*Check-ins")).click()
    assert not SafetyAction.objects.filter(done_at=None).exists()


def test_a_police_notice_reaches_the_designee_who_acknowledges_it(
    live_server, county, officer_olsen, principal_park, new_context, sign_in
):
    offences.load(Offence)  # emptied by the previous browser test's flush
    Membership.objects.filter(user=principal_park).update(is_safe_schools_designee=True)
    page = new_context(viewport={"width": 1280, "height": 900}).new_page()
    sign_in(page, officer_olsen)
    page.get_by_role("link", name="Notices").click()
    page.get_by_role("link", name="Notify a district").click()
    page.get_by_label("School the pupil attends").select_option(label="Clayton High School")
    page.get_by_label(re.compile(r"^\s*Pupil")).fill("Ignatius Brackwater")
    page.get_by_label(re.compile(r"^\s*First-degree assault")).check()
    page.get_by_label("Description of the conduct").fill("Struck Wilhelmina Frost with a padlock in the locker room.")
    page.get_by_label("Date of the conduct").fill("2026-10-02")
    page.get_by_label("Date the petition was filed").fill("2026-10-09")
    page.get_by_label("Victim's name (never sent or stored)").fill("Wilhelmina Frost")
    page.get_by_label("I have left out the victim's name.").check()
    page.get_by_role("button", name="Send the notice").click()
    expect(page.get_by_text(re.compile("The notice must not name the victim"))).to_be_visible()
    assert not Notice.objects.exists()
    page.get_by_label("Description of the conduct").fill("Struck another pupil with a padlock in the locker room.")
    page.get_by_label("Victim's name (never sent or stored)").fill("Wilhelmina Frost")
    page.get_by_role("button", name="Send the notice").click()
    expect(page.get_by_text(re.compile(r"Notice N-\w+ sent to Clayton School District"))).to_be_visible()
    assert audit(page, "notice page (sender)") == []

    designee = new_context(viewport={"width": 1280, "height": 900}).new_page()
    sign_in(designee, principal_park)
    designee.get_by_role("link", name="1 waiting").click()
    notice = Notice.objects.get()
    designee.get_by_role("link", name=notice.reference).first.click()
    expect(designee.get_by_text("Ignatius Brackwater")).to_be_visible()
    designee.get_by_role("button", name="Acknowledge receipt").click()
    expect(designee.get_by_text(re.compile("Acknowledged by Pat Park"))).to_be_visible()
    page.reload()
    expect(page.get_by_text(re.compile("Acknowledged by Pat Park"))).to_be_visible()


def test_a_coordinator_acknowledges_an_overdue_notice_for_a_district_without_a_designee(
    live_server, county, officer_olsen, coordinator_cole, new_context, sign_in, time_machine
):
    """Nobody at Clayton schools is a designee: the notice goes to the coordinators, who
    phone the district and acknowledge for it, saying whom they reached."""
    from casework.notices import NoticeDraft, send_notice

    offences.load(Offence)  # emptied by the previous browser test's flush
    sender = Membership.objects.select_related("agency").get(user=officer_olsen)
    school = county["clayton_high"]
    notice = send_notice(
        actor=officer_olsen,
        sender=sender,
        draft=NoticeDraft(
            direction=Notice.Direction.TO_DISTRICT,
            school=school,
            recipient=school.district,
            pupil_name="Ignatius Brackwater",
            conduct="Struck another pupil with a padlock in the locker room.",
            conduct_on=date(2026, 10, 2),
            filed_on=date(2026, 10, 9),
            offences=(Offence.objects.get(name="First-degree assault"),),
        ),
        victim_name="Wilhelmina Frost",
    )
    time_machine.move_to(timezone.now() + timedelta(days=3), tick=True)
    page = new_context(viewport={"width": 1280, "height": 900}).new_page()
    sign_in(page, coordinator_cole)
    page.goto(f"{live_server.url}/staff/casework/notices/{notice.pk}/")
    expect(page.get_by_text("Overdue.")).to_be_visible()
    page.get_by_text("Acknowledge for Clayton School District (coordinators)").click()
    assert audit(page, "overdue notice, acknowledge-for form open (coordinator)") == []
    page.get_by_label("Whom you reached, and how").fill("Phoned the superintendent's office; Dr. Reyes has it.")
    page.get_by_role("button", name="Acknowledge for this agency").click()
    expect(page.get_by_text("Acknowledged for Clayton School District. The overdue alerts stop.")).to_be_visible()
    expect(
        page.get_by_text(re.compile("Acknowledged by the Partnership office for Clayton School District"))
    ).to_be_visible()
    assert jobs.run_daily()["overdue_notices"] == 0


def test_public_figures_show_fewer_than_10_and_pass_axe(live_server, county, laptop):
    from casework import figures

    at = timezone.make_aware(datetime.combine(date(2026, 8, 3), time(10)))
    categories = county["categories"]
    for category, n in ((categories["weapons"], 24), (categories["bullying"], 13), (categories["self_harm"], 4)):
        Tip.objects.bulk_create(
            Tip(
                reference=Tip.new_reference(),
                receipt_hash=secrets.token_hex(32),
                category=category,
                school=county["clayton_high"],
                description="x",
                received_at=at,
            )
            for _ in range(n)
        )
    figures.refresh(today=date(2026, 10, 2))
    for path, words in (("/figures/", "fewer than 10"), ("/es/figures/", "menos de 10")):
        laptop.goto(f"{live_server.url}{path}")
        expect(laptop.get_by_text(words).first).to_be_visible()
        assert audit(laptop, f"public figures {path}") == []
        assert sum(axe.findings[f"public figures {path}"].values()) == 0, "axe: no finding of any impact"
