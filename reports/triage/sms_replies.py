"""Texts that staff send back to the alert number: "ACK 4821" acknowledges a tip, and the
keywords carriers require (STOP, START, HELP). Everything else gets a fixed, polite answer.

The webhook (``reports.sms_inbound``) has already checked the provider's signature, made
sure each message is handled once, and found that the sender is a staff member's number
(or, with text-a-tip switched off, anyone). Nothing a sender texts is stored or logged, nor
their number.

An acknowledgement goes through the same action as the dashboard's button
(``actions.acknowledge``), for every routed agency the person may act for, and the audit
event says ``via: SMS``. A coordinator's ACK gets a link instead: acknowledging for another
agency is done on the dashboard, where they say how they reached it.
"""

from __future__ import annotations

import re
from datetime import timedelta

from django.conf import settings
from django.urls import reverse
from django.utils import translation

from partners import mobiles
from partners.models import Membership, SiteSettings, StaffMobile
from reports import case_state
from reports.models import SmsReplyCode, Tip, this_hour
from reports.notifications.emails import tip_dashboard_url
from reports.notifications.sms import CODE_DAYS
from reports.triage import actions
from reports.triage.permissions import acting_memberships
from safeschools.sms import HELP_WORDS, START_WORDS, STOP_WORDS, Reply, keyword

Answer = Reply
ACK = re.compile(r"ACK\s*#?\s*(\d{4})", re.IGNORECASE)
ORGANISATION = "Safe Schools Partnership"


def answer(*, sender: str, body: str) -> Answer:
    """Act on one text from a staff member's number (or, with text-a-tip off, from anyone)."""
    with translation.override("en"):  # staff texts are in English; links without /es/
        return _answer_in_english(sender, body)


def _answer_in_english(sender: str, body: str) -> Answer:
    mobile = mobiles.find_sender(sender)
    word = keyword(body)
    if word in STOP_WORDS:
        if mobile is not None:
            mobiles.stop(mobile, how="by SMS reply")
        return Answer("stop", f"{ORGANISATION}: you will get no more alert texts at this number. Reply START to undo.")
    if word in HELP_WORDS:
        return Answer("help", _help_text())
    if mobile is None:
        return Answer("not staff", _not_staff_text())
    if word in START_WORDS:
        mobiles.resume(mobile, how="by SMS reply")
        return Answer("start", f"{ORGANISATION}: alert texts to this number are on again. Reply STOP to stop them.")
    match = ACK.fullmatch(body.strip().rstrip(".!"))
    if match:
        return _acknowledge(mobile, match.group(1))
    return Answer(
        "not understood",
        f"{ORGANISATION}: to acknowledge a tip, reply ACK and the code from its alert, for example "
        f"ACK 4821. Reply HELP for help.",
    )


def _acknowledge(mobile: StaffMobile, code: str) -> Answer:
    user = mobile.user
    cutoff = this_hour() - timedelta(days=CODE_DAYS)
    tip_id = (
        SmsReplyCode.objects.filter(recipient=user, code=code, created_at__gte=cutoff)
        .values_list("tip_id", flat=True)
        .first()
    )
    if tip_id is None:
        return Answer(
            "unknown code",
            f"No alert to you has the code {code}. Check the code in the alert, or open the dashboard: "
            f"{settings.SITE_URL}{reverse('dashboard:queue')}",
        )
    link = tip_dashboard_url(tip_id)
    # Only what acknowledging needs: the tip's encrypted content is never loaded here.
    fields = ("reference", "is_life_safety", *case_state.DERIVED_FIELDS, "new_info_after_closing")
    tip = Tip.objects.only(*fields).get(pk=tip_id)
    memberships = [m for m in acting_memberships(user, tip) if m.role != Membership.Role.COORDINATOR]
    if not memberships:
        return Answer("not for this person", f"To act on {tip.reference}, open it on the dashboard: {link}")
    try:
        # Idempotent and serialised on the tip's row (``case_state.lock_tip``): no version.
        done = actions.acknowledge(tip=tip, actor=user, memberships=memberships, via="SMS")
    except actions.TriageError:
        return Answer("already acknowledged", f"{tip.reference} was already acknowledged for your agency. {link}")
    if not done:  # only the tipster's new information after closing was acknowledged
        return Answer("acknowledged", f"Acknowledged the new information on {tip.reference}. Thank you. {link}")
    agencies = ", ".join(routing.agency.name for routing in done)
    return Answer("acknowledged", f"Acknowledged {tip.reference} for {agencies}. Thank you. {link}")


def _help_text() -> str:
    site = SiteSettings.current()
    return (
        f"{ORGANISATION} staff alerts. Reply ACK and the code from an alert to acknowledge a tip. "
        f"Reply STOP to stop texts, START to get them again; settings: "
        f"{settings.SITE_URL}{reverse('dashboard:preferences')}. Hotline {site.hotline_display}. "
        f"Emergency: 911. Msg&data rates may apply."
    )


def _not_staff_text() -> str:
    site = SiteSettings.current()
    return (
        f"{ORGANISATION}: this number only sends alerts to staff and cannot take reports. To report "
        f"a concern, go to {settings.SITE_URL}{reverse('reports:report')} or call {site.hotline_display}. "
        f"In an emergency, call 911."
    )
