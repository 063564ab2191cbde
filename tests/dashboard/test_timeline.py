"""The tip's timeline: true order by audit event id (tipster times are kept only to the
hour), one sentence per event type, hour-rounded times said as such; the audit log and
the admin read the same sentences."""

from __future__ import annotations

import html
import re
from datetime import datetime, timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from reports.intake.services import add_tipster_message
from reports.models import Routing
from reports.triage import events
from reports.triage.actions import message_tipster
from safeschools.models import AuditEvent

MORNING = timezone.make_aware(datetime(2026, 3, 3, 9, 45))


def test_every_event_type_has_a_sentence():
    missing = [action for action in AuditEvent.Action.values if action not in events.FORMATTERS]
    assert missing == [], f"add a formatter in reports.triage.events for {missing}"
    assert set(events.FORMATTERS) <= set(AuditEvent.Action.values)


SAMPLES = {
    "tip.submitted": {"category": "Weapons", "life_safety": True, "images": 2},
    "tip.viewed": {},
    "tip.updated": {"field": "priority", "value": 4},
    "tip.acknowledged": {"agency": "Clayton Police Department", "on_behalf": False},
    "tip.routed": {"added": "Kirkwood Police Department", "role": "responsible", "new": True},
    "routing.state": {"agency": "Clayton Police Department", "previous": "new", "state": "working", "on_behalf": False},
    "routing.assigned": {"agency": "Clayton Police Department", "assignee": "olsen", "on_behalf": False},
    "tip.purged": {"category": "Bullying"},
    "attachment.viewed": {"attachment": "abc", "download": True},
    "message.to_tipster": {"message_id": 1},
    "message.from_tipster": {"message_id": 2, "images": 0},
    "tip.close_requested": {"message_id": 3, "images": 0},
    "note.added": {"note_id": 1, "audience": "agency", "agency": "Clayton Police Department"},
    "export": {"rows": 3, "with_contact": False},
    "auth.sign_in": {"method": "totp"},
    "auth.sign_in_failed": {"stage": "password", "reason": "invalid_login", "username": "olsen"},
    "auth.sign_out": {"reason": "idle"},
    "access.denied": {"requested_tip_id": 7, "path": "/staff/tips/7/"},
    "notification": {"outcome": "sent", "kind": "new_tip", "recipient": "olsen"},
    "escalation": {"level": 2, "agency": "Clayton School District", "notified": 3, "coordinators": True},
    "staff.mobile": {"change": "verified", "number": "42"},
    "account.created": {"account": "olsen"},
    "account.changed": {"account": "olsen", "fields": ["is_active", "groups"]},
    "account.reset": {"account": "olsen", "devices_removed": 1, "password_set": True},
    "case.opened": {"reference": "C-2026-0007", "agency": "Clayton School District", "school_id": 3, "tips": ["T-1"]},
    "case.viewed": {"reference": "C-2026-0007", "path": "/staff/cases/7/"},
    "case.changed": {"reference": "C-2026-0007", "change": "notice linked", "notice": "N-2026-0002"},
    "case.purged": {"reference": "C-2026-0007", "classification": "low", "outcome": "resolved"},
    "notice.sent": {"reference": "N-2026-0002", "recipient": "Clayton School District", "direction": "to_school"},
    "notice.viewed": {"reference": "N-2026-0002", "path": "/staff/notices/2/"},
    "notice.acknowledged": {"reference": "N-2026-0002", "agency": "Clayton School District", "overdue": False},
    "notice.purged": {"reference": "N-2026-0002", "recipient": "Clayton School District", "on_behalf": False},
    "handoff.recorded": {"hand_off": "Referred to mental health", "reference": "none given", "happened_at": "x"},
    "tip.opened_by_tipster": {},
    "tip.decoy_used": {},
}
# What else main's events carry: each variant must read as a sentence too.
VARIANTS = [
    ("tip.submitted", {"category": "Weapons", "life_safety": False, "images": 0, "via": "sms"}),
    ("tip.updated", {"field": "state report", "value": "not counted"}),
    ("tip.updated", {"field": "threat assessment case", "value": "linked"}),
    ("tip.updated", {"field": "tipster_messages_read", "value": 2}),
    ("tip.updated", {"field": "duplicate_of", "value": "T-ABCDEFG"}),
    ("tip.acknowledged", {"agency": "Clayton Police Department", "on_behalf": False, "via": "SMS"}),
    ("tip.acknowledged", {"agency": "Clayton PD", "on_behalf": True, "on_behalf_by": "Partnership office"}),
    ("tip.acknowledged", {"new_info_after_closing": True}),
    ("message.from_tipster", {"message_id": 2, "images": 1, "after_closing": True}),
    ("message.to_tipster", {"message_id": 1, "by": "text"}),
    ("escalation", {"level": 1, "step": "On call now", "agency": "Clayton PD", "notified": 1, "silent": ["x"]}),
    ("escalation", {"level": 0, "step": "24/7 fallback", "agency": "Clayton PD", "notified": 1, "why": "no one"}),
    ("escalation", {"stopped": True, "agency": "Clayton PD", "disposition": "unfounded"}),
    ("notice.acknowledged", {"reference": "N-2026-0002", "agency": "Clayton School District", "on_behalf": True}),
    ("notification", {"outcome": "sent", "kind": "new_tip", "recipient": "olsen", "channel": "sms"}),
    ("notification", {"outcome": "retry requested", "kind": "escalation", "recipient": "olsen", "channel": "email"}),
]


def test_an_alert_by_e_mail_and_by_text_read_as_two_different_lines():
    def sentence(channel: str) -> str:
        detail = {"outcome": "sent", "kind": "new_tip", "recipient": "olsen", "channel": channel}
        return events.describe(AuditEvent(action="notification", detail=detail, at=MORNING), events.Names())

    assert sentence("email") == "New tip alert to olsen by e-mail: sent"
    assert sentence("sms") == "New tip alert to olsen by text message: sent"


@pytest.mark.parametrize("action", AuditEvent.Action.values)
def test_each_sentence_reads_as_a_sentence(action):
    event = AuditEvent(action=action, actor_id=5, actor_label="olsen", detail=SAMPLES[action], at=MORNING)
    names = events.Names(people={5: "Officer Oliver Olsen"}, agencies={5: "Clayton Police Department"})
    sentence = events.describe(event, names)
    assert sentence and sentence[0].isupper()
    assert not re.search(r"\w+: \w+ ·|[{}]|_id\b", sentence), sentence  # no raw key: value text


@pytest.mark.parametrize(("action", "detail"), VARIANTS)
def test_each_variant_reads_as_a_sentence(action, detail):
    event = AuditEvent(action=action, actor_id=5, actor_label="olsen", detail=detail, at=MORNING)
    names = events.Names(people={5: "Officer Oliver Olsen"}, agencies={5: "Clayton Police Department"})
    sentence = events.describe(event, names)
    assert sentence and sentence[0].isupper()
    assert not re.search(r"\w+: \w+ ·|[{}\[\]]|_id\b|_", sentence), sentence


@pytest.mark.django_db
def test_a_reply_stored_to_the_hour_follows_the_question_it_answers(
    staff_client, officer_olsen, make_tip, clayton_high
):
    with time_machine.travel(MORNING, tick=False):
        tip = make_tip(school=clayton_high).tip  # 9:45, kept as "the 9 AM hour"
    with time_machine.travel(MORNING + timedelta(minutes=5), tick=False):
        message_tipster(tip=tip, author=officer_olsen, agency=None, body="Which door was it?")
    with time_machine.travel(MORNING + timedelta(minutes=10), tick=False):
        reply = add_tipster_message(tip=tip, body="The door by the gym.")
    assert reply.created_at == MORNING.replace(minute=0)  # stored to the hour: before the question

    page = html.unescape(
        staff_client(officer_olsen).get(reverse("dashboard:tip-detail", args=[tip.pk])).content.decode()
    )
    timeline = page[page.index('id="timeline-title"') :]
    order = [
        timeline.index(text) for text in ("The tipster submitted the tip", "Which door was it?", "The door by the gym.")
    ]
    assert order == sorted(order)
    assert "Mar 3, 2026, in the 9 AM hour" in timeline  # the tipster's times
    assert "Mar 3, 2026, 9:50 AM" in timeline  # staff times to the minute
    assert "9:45" not in timeline and "9:55" not in timeline


@pytest.mark.django_db
def test_events_read_as_sentences_with_names_and_agencies(
    staff_client, officer_olsen, coordinator_cole, categories, clayton_high, client
):
    from reports.intake import receipts
    from reports.intake.services import CleanImage, TipReport, submit_tip
    from tests.reports.test_report_form import _jpeg_with_gps

    image = CleanImage(content=_jpeg_with_gps(), content_type="image/jpeg", width=40, height=30)
    tip = submit_tip(
        report=TipReport(category=categories["weapons"], school=clayton_high, description="pic", images=[image]),
        receipt=receipts.generate(),
        form_token="sentences",
    ).tip
    police = Routing.objects.get(tip=tip, agency__name="Clayton Police Department")
    officer = staff_client(officer_olsen)
    officer.post(
        f"/staff/tips/{tip.pk}/parts/{police.pk}/", {f"part{police.pk}-version": 1, f"part{police.pk}-step": "start"}
    )
    officer.get(reverse("dashboard:tip-image-file", args=[tip.pk, tip.attachments.get().public_id]))
    page = html.unescape(officer.get(reverse("dashboard:tip-detail", args=[tip.pk])).content.decode())
    assert "The tipster submitted the tip, with 1 picture" in page
    assert "Officer Oliver Olsen (Clayton Police Department) acknowledged the tip" in page
    assert "Officer Oliver Olsen (Clayton Police Department) moved their agency's part to Working" in page
    assert "Picture 1 downloaded by Officer Oliver Olsen" in page
    assert "previous:" not in page and "disposition_written" not in page

    client.logout()
    log = html.unescape(staff_client(coordinator_cole).get(reverse("dashboard:audit")).content.decode())
    assert "Officer Oliver Olsen (Clayton Police Department) moved their agency's part to Working" in log
    assert "Officer Oliver Olsen opened the tip" in log


@pytest.mark.django_db
def test_admin_lists_events_as_sentences(client, coordinator_cole, login_verified, clayton_tip):
    coordinator_cole.is_superuser = True  # the audit log's admin page is for superusers
    coordinator_cole.save()
    login_verified(client, coordinator_cole)
    page = html.unescape(client.get("/admin/safeschools/auditevent/").content.decode())
    assert "The tipster submitted the tip" in page
