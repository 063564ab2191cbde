"""Alert e-mails (SECURITY.md 6): a reference, a priority word, the agency and a link, and
nothing of what the tip says, where, about what, or how to open it."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core import mail

from partners.models import Agency, Membership, School
from reports.intake import receipts
from reports.intake.services import CleanImage, TipReport, add_tipster_message, submit_tip
from reports.models import Category, Notification
from reports.notifications import emails
from reports.notifications.alerts import queue_daily_digests
from reports.notifications.delivery import deliver_due
from reports.notifications.emails import tip_dashboard_url
from reports.notifications.escalation import escalate_due
from reports.triage.actions import reroute

# Built at run time, so that no template or source file can contain them by accident.
MARK = {
    name: "".join(["Mk", name.upper(), "Zq7"])
    for name in [
        "description",
        "location",
        "people",
        "contact",
        "school",
        "category",
        "categoryes",
        "categorydesc",
        "message",
        "image",
        "disposition",
    ]
}


def _texts(message) -> dict[str, str]:
    """Every place a marker could hide: subject, both bodies, each header, the raw message."""
    texts = {"subject": message.subject, "body": message.body}
    for number, (content, mimetype) in enumerate(message.alternatives):
        texts[f"alternative {number} ({mimetype})"] = content
    for name, value in message.message().items():
        texts[f"header {name}"] = value
    texts["raw"] = message.message().as_string()
    return texts


@pytest.fixture
def marked_tip(
    db,
    clock,
    settings,
    clayton_district,
    clayton_pd,
    officer_olsen,
    principal_park,
    coordinator_cole,
    superintendent_shaw,
    officer_kim,
):
    """A life-safety tip with a marker in every field a tipster fills, at a school and in a
    category with marker names; re-routed by a coordinator to Kirkwood PD and to an agency
    nobody can be reached at; assigned to Officer Olsen, with a message from the tipster
    after the coalescing window."""
    school = School.objects.create(
        name=MARK["school"], district=clayton_district, police_agency=clayton_pd, grade_band="high"
    )
    category = Category.objects.create(
        name=MARK["category"],
        name_es=MARK["categoryes"],
        description=MARK["categorydesc"],
        is_life_safety=True,
    )
    receipt = receipts.generate()
    image = CleanImage(content=MARK["image"].encode(), content_type="image/png", width=1, height=1)
    report = TipReport(
        category=category,
        school=school,
        description=MARK["description"],
        location=MARK["location"],
        people_involved=MARK["people"],
        contact_details=MARK["contact"],
        when="date",
        when_date=date(2026, 3, 2),
        danger_now=True,
        images=[image],
    )
    tip = submit_tip(report=report, receipt=receipt, form_token="marked").tip
    empty = Agency.objects.create(name="Nobody Home Police Department", slug="nobody", kind=Agency.Kind.POLICE)
    kirkwood = Agency.objects.get(name="Kirkwood Police Department")
    reroute(
        tip=tip, actor=coordinator_cole, add=[(kirkwood, "responsible"), (empty, "responsible")], remove=[], version=1
    )
    clock.shift(timedelta(minutes=settings.ALERT_COALESCE_MINUTES + 1))
    tip.refresh_from_db()
    police = tip.routings.get(agency=officer_olsen.memberships.get().agency)
    police.assign(officer_olsen)
    police.disposition_note = MARK["disposition"]
    police.save()
    add_tipster_message(tip=tip, body=MARK["message"], images=[image])
    return tip, receipt


@pytest.mark.django_db
def test_no_alert_carries_tip_content_school_category_or_receipt(marked_tip, clock, smtp):
    tip, receipt = marked_tip
    deliver_due()  # new-tip alerts and the tipster-message alert
    clock.shift(timedelta(minutes=10))
    escalate_due()
    deliver_due()  # escalation
    clock.shift(timedelta(days=1))
    queue_daily_digests()  # the tip is overdue now
    deliver_due()

    sent = Notification.objects.filter(status=Notification.Status.SENT)
    # Every kind of alert about a tip (kinds worded by a layer above, casework, are tested
    # there). A staff reply texted to a texting tipster is no alert: it carries the staff
    # member's own words to the tipster (tests/reports/test_sms_tips.py).
    expected = set(Notification.Kind.values) - set(emails.RENDERERS) - {Notification.Kind.TO_TIPSTER}
    assert set(sent.values_list("kind", flat=True)) == expected
    assert len(mail.outbox) == sent.count()
    forbidden = {**MARK, "receipt": receipt, "receipt symbols": receipts.normalize(receipt)}
    for message in mail.outbox:
        for where, text in _texts(message).items():
            for what, marker in forbidden.items():
                assert marker not in text, f"{what} in the {where} of {message.subject!r}"


@pytest.mark.django_db
def test_new_tip_alert_has_reference_priority_agency_and_link(make_tip, clayton_high, officer_olsen, smtp, settings):
    settings.SITE_URL = "https://tips.example.org"
    tip = make_tip(school=clayton_high, category="weapons").tip

    deliver_due()

    (message,) = mail.outbox
    assert message.subject == f"URGENT: new tip {tip.reference} for Clayton Police Department"
    assert message.to == ["olsen@example.org"]
    link = f"https://tips.example.org/staff/tips/{tip.pk}/"
    assert tip_dashboard_url(tip.pk) == link
    html = message.alternatives[0].content
    assert message.alternatives[0].mimetype == "text/html"
    for body in (message.body, html):
        assert tip.reference in body and "URGENT" in body and "Clayton Police Department" in body and link in body
    assert f'href="{link}"' in html
    assert message.extra_headers["Importance"] == "high"
    assert message.extra_headers["Message-ID"].endswith("@tips.example.org>")


@pytest.mark.django_db
def test_normal_tip_alert_says_normal(make_tip, clayton_high, principal_park, smtp):
    tip = make_tip(school=clayton_high).tip

    deliver_due()

    (message,) = mail.outbox
    assert message.subject == f"Normal: new tip {tip.reference} for Clayton School District"
    assert "URGENT" not in message.body and "Importance" not in message.extra_headers


@pytest.mark.django_db
def test_agency_names_are_not_html_escaped_in_plain_text(clayton_high, make_tip, django_user_model, smtp):
    from tests.conftest import _person

    agency = Agency.objects.create(name="Family Court & Services", slug="court", kind=Agency.Kind.COURT)
    _person(django_user_model, "fox", "Fran", "Fox", agency, Membership.Role.AGENCY_STAFF)
    from reports.models import RoutingRule

    RoutingRule.objects.create(category=Category.objects.get(name="Bullying"), agency=agency, role="responsible")
    make_tip(school=clayton_high)

    deliver_due()

    (message,) = mail.outbox
    assert "Family Court & Services" in message.body
    assert "Family Court &amp; Services" in message.alternatives[0].content
