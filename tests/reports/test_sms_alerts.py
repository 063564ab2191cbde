"""Alerts by text message: who gets one (reports.notifications.channels), what it says
(reports.notifications.sms), and its delivery through the same outbox as e-mail, with
Twilio's real SDK talking to a local fake Twilio."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.core import mail

from partners.models import Membership, StaffMobile
from reports.intake.services import add_tipster_message
from reports.models import Notification, SmsReplyCode
from reports.notifications.channels import channels_for
from reports.notifications.delivery import MAX_ATTEMPTS, deliver_due
from reports.notifications.escalation import escalate_due
from tests.reports import test_emails
from tests.reports.test_emails import MARK

# The tip with a marker in every field a tipster fills, shared with the e-mail tests.
marked_tip = test_emails.marked_tip

OLSEN = "+13145550101"
PARK = "+13145550102"
STONE = "+13145550103"
COLE = "+13145550104"
VEGA = "+13145550105"
SITE = "https://tips.example.org"


@pytest.fixture(autouse=True)
def _site(settings):
    settings.SITE_URL = SITE


def _channels(tip) -> set[tuple[str, str]]:
    return set(Notification.objects.filter(tip=tip).values_list("recipient__username", "channel"))


def _code(text: str) -> str:
    return re.search(r"Reply ACK (\d{4}) to acknowledge\.$", text).group(1)


# --- Who gets a text ----------------------------------------------------------------------


@pytest.mark.django_db
def test_channels_for_a_person(twilio, settings, officer_olsen, give_mobile):
    assert channels_for(officer_olsen, urgent=True) == ["email"]

    mobile = give_mobile(officer_olsen, OLSEN)
    assert channels_for(officer_olsen, urgent=True) == ["email", "sms"]
    assert channels_for(officer_olsen, urgent=False) == ["email"]

    give_mobile(officer_olsen, OLSEN, every_alert=True)
    assert channels_for(officer_olsen, urgent=False) == ["email", "sms"]

    officer_olsen.email = ""
    assert channels_for(officer_olsen, urgent=True) == ["sms"]

    StaffMobile.objects.filter(pk=mobile.pk).update(stopped_at=mobile.verified_at)
    assert channels_for(officer_olsen, urgent=True) == []

    settings.SMS_BACKEND = ""
    StaffMobile.objects.filter(pk=mobile.pk).update(stopped_at=None)
    officer_olsen.email = "olsen@example.org"
    assert channels_for(officer_olsen, urgent=True) == ["email"]

    officer_olsen.is_active = False
    assert channels_for(officer_olsen, urgent=True) == []


@pytest.mark.django_db
def test_the_alert_ladder_reads_the_mobiles_once_with_the_people(
    twilio, officer_olsen, coordinator_cole, principal_park, give_mobile, django_assert_num_queries
):
    """``Reach`` reads who may be texted with the people; the alerts written from it choose
    channels from that, and ask the database only about someone it did not read."""
    from reports.notifications import ladder
    from reports.notifications.channels import channels_by_user

    give_mobile(officer_olsen, OLSEN, every_alert=True)
    reach = ladder.Reach.load([officer_olsen.memberships.get().agency_id])
    assert reach.texts == {officer_olsen.pk: True, coordinator_cole.pk: None}
    with django_assert_num_queries(0):
        chosen = channels_by_user([officer_olsen, coordinator_cole], urgent=False, texts=reach.texts)
    assert chosen == {officer_olsen.pk: ["email", "sms"], coordinator_cole.pk: ["email"]}
    with django_assert_num_queries(1):  # Park was not read with that reach
        channels_by_user([officer_olsen, principal_park], urgent=True, texts=reach.texts)


@pytest.mark.django_db
def test_a_life_safety_tip_goes_by_text_and_e_mail(
    twilio, make_tip, clayton_high, officer_olsen, principal_park, give_mobile
):
    give_mobile(officer_olsen, OLSEN)

    tip = make_tip(school=clayton_high, category="weapons").tip

    assert _channels(tip) == {("olsen", "email"), ("olsen", "sms"), ("park", "email")}
    assert deliver_due().sent == 3
    assert sorted(m.to[0] for m in mail.outbox) == ["olsen@example.org", "park@example.org"]
    assert [m.to for m in twilio.messages] == [OLSEN]


@pytest.mark.django_db
def test_a_normal_tip_is_texted_only_to_those_who_want_every_alert(
    twilio, make_tip, clayton_high, officer_olsen, principal_park, give_mobile
):
    give_mobile(officer_olsen, OLSEN)
    give_mobile(principal_park, PARK, every_alert=True)

    tip = make_tip(school=clayton_high).tip

    assert _channels(tip) == {("olsen", "email"), ("park", "email"), ("park", "sms")}
    deliver_due()
    (text,) = twilio.texts_to(PARK)
    assert text.startswith(f"Safe Schools alert, Normal: new tip {tip.reference} for Clayton School District.")


@pytest.mark.django_db
def test_no_texts_while_they_are_switched_off(settings, make_tip, clayton_high, officer_olsen, give_mobile):
    settings.SMS_BACKEND = ""
    give_mobile(officer_olsen, OLSEN)

    tip = make_tip(school=clayton_high, danger_now=True).tip

    assert _channels(tip) == {("olsen", "email")}


@pytest.mark.django_db
def test_escalation_texts_the_contacts_and_coordinators(
    twilio, clock, make_tip, clayton_high, officer_olsen, sergeant_stone, coordinator_cole, give_mobile
):
    give_mobile(sergeant_stone, STONE)
    give_mobile(coordinator_cole, COLE)
    tip = make_tip(school=clayton_high, category="weapons").tip
    deliver_due()
    clock.shift(timedelta(minutes=10))

    escalate_due()  # level 1: the escalation contact
    deliver_due()
    clock.shift(timedelta(minutes=10))
    escalate_due()  # level 2: and the coordinators
    deliver_due()

    # The ladder: every member at once (Stone's new-tip text), the escalation contacts at 10
    # minutes (Stone again), the coordinators at 20 (Cole).
    texts = twilio.texts_to(STONE)
    new_tip, escalation = texts[0], next(text for text in texts if "not acknowledged" in text)
    link = f"{SITE}/staff/tips/{tip.pk}/"
    expected = (
        f"Safe Schools alert, URGENT: tip {tip.reference} is not acknowledged yet (Clayton Police Department). {link}"
    )
    assert escalation.startswith(expected) and _code(escalation) == _code(new_tip)
    # (Cole may also have had the "nobody reachable" text for the unstaffed district.)
    to_cole = next(text for text in twilio.texts_to(COLE) if "not acknowledged" in text)
    # A coordinator is not a member of the silent agency: no code, the link to act from.
    assert to_cole.startswith(f"Safe Schools alert, URGENT: tip {tip.reference} is not acknowledged yet (")
    assert to_cole.endswith(f"). {link}")


# --- What a text says -----------------------------------------------------------------


@pytest.mark.django_db
def test_a_text_has_reference_priority_agency_link_and_a_reply_code(
    twilio, make_tip, clayton_high, officer_olsen, give_mobile
):
    give_mobile(officer_olsen, OLSEN)
    tip = make_tip(school=clayton_high, danger_now=True).tip

    deliver_due()

    (text,) = twilio.texts_to(OLSEN)
    code = _code(text)
    assert text == (
        f"Safe Schools alert, URGENT: new tip {tip.reference} for Clayton Police Department. "
        f"{SITE}/staff/tips/{tip.pk}/ Reply ACK {code} to acknowledge."
    )
    assert len(text) <= 160  # one SMS segment
    assert SmsReplyCode.objects.get(recipient=officer_olsen, tip=tip).code == code


@pytest.mark.django_db
def test_a_persons_codes_differ_between_tips(twilio, make_tip, clayton_high, officer_olsen, give_mobile):
    give_mobile(officer_olsen, OLSEN)
    for _ in range(30):
        make_tip(school=clayton_high, danger_now=True)

    deliver_due()

    codes = [_code(text) for text in twilio.texts_to(OLSEN)]
    assert len(codes) == 30 and len(set(codes)) == 30


@pytest.mark.django_db
def test_those_who_cannot_acknowledge_get_no_code(
    twilio, make_tip, clayton_high, officer_olsen, viewer_vega, give_mobile
):
    give_mobile(viewer_vega, VEGA)
    give_mobile(officer_olsen, OLSEN)
    make_tip(school=clayton_high, danger_now=True)

    deliver_due()

    (to_vega,) = twilio.texts_to(VEGA)
    assert "ACK" not in to_vega
    assert "Reply ACK" in twilio.texts_to(OLSEN)[0]
    assert not SmsReplyCode.objects.filter(recipient=viewer_vega).exists()


@pytest.mark.django_db
def test_no_text_carries_tip_content_school_category_or_receipt(
    twilio, marked_tip, clock, officer_olsen, principal_park, sergeant_stone, coordinator_cole, give_mobile
):
    tip, receipt = marked_tip
    people = [(officer_olsen, OLSEN), (principal_park, PARK), (sergeant_stone, STONE), (coordinator_cole, COLE)]
    for person, number in people:
        give_mobile(person, number, every_alert=True)
    Notification.objects.filter(tip=tip).delete()
    add_tipster_message(tip=tip, body=MARK["message"])  # a tipster-message alert, now with texts
    from django.core.cache import cache

    from reports.notifications.alerts import alert_routed

    cache.clear()  # past the coalescing window of the tipster-message alert
    alert_routed(tip=tip, routings=list(tip.routings.all()))
    deliver_due()
    clock.shift(timedelta(minutes=10))
    escalate_due()
    clock.shift(timedelta(minutes=10))
    escalate_due()
    deliver_due()

    kinds = set(Notification.objects.filter(channel="sms", status="sent").values_list("kind", flat=True))
    assert kinds >= {"new_tip", "tipster_message", "escalation"}
    assert len(twilio.messages) >= 5
    forbidden = {**MARK, "receipt": receipt, "receipt symbols": receipt.replace("-", "")}
    for request in twilio.messages:
        for what, marker in forbidden.items():
            assert marker not in str(request.form), f"{what} in a text to {request.to}"


# --- Delivery through the outbox ----------------------------------------------------------


@pytest.mark.django_db
def test_each_text_is_sent_once(twilio, make_tip, clayton_high, officer_olsen, give_mobile):
    give_mobile(officer_olsen, OLSEN)
    tip = make_tip(school=clayton_high, danger_now=True).tip

    assert deliver_due().sent == 2
    assert deliver_due().sent == 0

    assert len(twilio.messages) == 1
    row = Notification.objects.get(tip=tip, channel="sms")
    assert (row.status, row.attempts) == ("sent", 1)


@pytest.mark.django_db
def test_a_provider_error_5xx_is_retried_with_backoff(
    twilio, clock, make_tip, clayton_high, officer_olsen, give_mobile
):
    give_mobile(officer_olsen, OLSEN)
    tip = make_tip(school=clayton_high, danger_now=True).tip
    twilio.answer(500, 20500, "Internal Server Error")
    twilio.answer(503, 20503, "Service Unavailable")

    report = deliver_due()
    assert (report.sent, report.retrying) == (1, 1)  # the e-mail goes; the text waits
    row = Notification.objects.get(tip=tip, channel="sms")
    assert row.status == "pending" and row.last_error.startswith("SmsError: Twilio error 20500 (HTTP 500)")
    clock.shift(timedelta(seconds=30))
    assert deliver_due().retrying == 1
    clock.shift(timedelta(seconds=60))
    assert deliver_due().sent == 1

    row.refresh_from_db()
    assert (row.status, row.attempts, row.last_error) == ("sent", 3, "")
    assert len(twilio.messages) == 3 and len(twilio.texts_to(OLSEN)) == 3


@pytest.mark.django_db
def test_a_timeout_is_retried(twilio, settings, clock, make_tip, clayton_high, officer_olsen, give_mobile):
    settings.SMS_TIMEOUT_SECONDS = 0.3
    give_mobile(officer_olsen, OLSEN)
    make_tip(school=clayton_high, danger_now=True)
    twilio.stall()

    assert deliver_due().retrying == 1
    clock.shift(timedelta(seconds=30))
    assert deliver_due().sent == 1
    assert Notification.objects.get(channel="sms").attempts == 2


@pytest.mark.django_db
def test_a_provider_refusal_4xx_fails_at_once_and_stays_visible(
    twilio, make_tip, clayton_high, officer_olsen, give_mobile
):
    give_mobile(officer_olsen, OLSEN)
    make_tip(school=clayton_high, danger_now=True)
    twilio.answer(400, 21408, f"Permission to send an SMS has not been enabled for the region indicated by {OLSEN}")

    assert deliver_due().failed == 1

    row = Notification.objects.get(channel="sms")
    assert (row.status, row.attempts) == ("failed", 1)
    assert row.last_error.startswith("PermanentDeliveryError: Twilio error 21408 (HTTP 400)")
    assert OLSEN not in row.last_error
    assert Notification.objects.get(channel="email").status == "sent"


@pytest.mark.django_db
def test_a_phone_that_replied_stop_at_the_carrier_is_marked_stopped(
    twilio, make_tip, clayton_high, officer_olsen, give_mobile
):
    give_mobile(officer_olsen, OLSEN)
    make_tip(school=clayton_high, danger_now=True)
    twilio.answer(400, 21610, "Attempt to send to unsubscribed recipient")

    assert deliver_due().failed == 1

    assert StaffMobile.objects.get(user=officer_olsen).stopped_at is not None
    assert channels_for(officer_olsen, urgent=True) == ["email"]


@pytest.mark.django_db
def test_a_text_to_a_number_removed_meanwhile_is_cancelled(twilio, make_tip, clayton_high, officer_olsen, give_mobile):
    give_mobile(officer_olsen, OLSEN)
    make_tip(school=clayton_high, danger_now=True)
    StaffMobile.objects.filter(user=officer_olsen).delete()

    assert deliver_due().cancelled == 1
    assert twilio.requests == []
    assert "no mobile" in Notification.objects.get(channel="sms").last_error


@pytest.mark.django_db
def test_tipster_messages_are_texted_at_most_every_half_hour(
    twilio, settings, clock, make_tip, clayton_high, officer_olsen, give_mobile
):
    give_mobile(officer_olsen, OLSEN, every_alert=True)
    tip = make_tip(school=clayton_high).tip
    tip.assigned_to = officer_olsen
    tip.save()
    deliver_due()
    clock.shift(timedelta(minutes=settings.ALERT_COALESCE_MINUTES + 1))  # past the new-tip alert's window

    for _ in range(5):
        add_tipster_message(tip=tip, body="More details.")
        deliver_due()
        clock.shift(timedelta(minutes=1))
    clock.shift(timedelta(minutes=30))
    add_tipster_message(tip=tip, body="Even more.")
    deliver_due()

    # Alerts about one tip are coalesced (ALERT_COALESCE_MINUTES), e-mails and texts alike.
    texts = [t for t in twilio.texts_to(OLSEN) if "the tipster wrote" in t]
    assert len(texts) == 2
    assert len([m for m in mail.outbox if "the tipster wrote" in m.subject]) == 2


@pytest.mark.django_db
def test_texts_switched_off_before_delivery_are_cancelled(
    twilio, settings, make_tip, clayton_high, officer_olsen, give_mobile
):
    give_mobile(officer_olsen, OLSEN)
    make_tip(school=clayton_high, danger_now=True)
    settings.SMS_BACKEND = ""

    assert deliver_due().cancelled == 1
    assert Notification.objects.get(channel="sms").last_error == "text messages are switched off"


def test_texts_give_up_like_e_mails():
    assert MAX_ATTEMPTS == 25


@pytest.mark.django_db
def test_membership_alert_preferences_still_apply_to_texts(twilio, make_tip, clayton_high, officer_olsen, give_mobile):
    give_mobile(officer_olsen, OLSEN, every_alert=True)
    Membership.objects.filter(user=officer_olsen).update(new_tip_alerts=Membership.NewTipAlerts.NONE)

    tip = make_tip(school=clayton_high).tip

    assert _channels(tip) == set()
