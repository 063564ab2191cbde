"""The follow-up page explains itself: the status in plain words, the conversation oldest
first (in the order it was written, although a tipster's messages keep only their hour),
times as parts of a day, and "check again in an hour" after a life-safety report."""

from __future__ import annotations

import re
from datetime import datetime

import pytest
import time_machine
from django.utils import timezone, translation

from reports.intake.follow_up import part_of_day
from reports.intake.services import add_tipster_message
from reports.triage.actions import message_tipster
from tests.conftest import finish_every_part

CHECK = "/report/check/"
CONVERSATION = "/report/conversation/"


def page_of(client, receipt: str, prefix: str = "") -> str:
    client.post(prefix + CHECK, {"receipt": receipt})
    return client.get(prefix + CONVERSATION).content.decode()


def put_parts(tip, parts: str, *, by) -> None:
    """The agencies' parts of ``tip`` as ``parts`` says: "new" (untouched), "working" (the
    police work on it), "unfounded here" (the police found it unfounded, the district has
    not finished), "done" (every agency finished)."""
    from reports import case_state

    police = tip.routings.get(agency__name="Clayton Police Department")
    if parts == "working":
        police.start_work(by=by)
    elif parts == "unfounded here":
        police.finish(by=by, disposition="unfounded", note="Nothing to it.")
    elif parts == "done":
        finish_every_part(tip, by=by)
    case_state.refresh_tip_state(tip)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("parts", "label", "sentence"),
    [
        ("new", "Received", "Your report reached the staff who handle it. They will read it soon."),
        ("working", "Being looked at", "Staff are working on your report."),
        ("unfounded here", "Being looked at", "Staff are working on your report."),
        ("done", "Closed", "Staff finished their work on this. Thank you."),
    ],
)
def test_the_status_is_explained_in_plain_words(client, make_tip, clayton_high, officer_olsen, parts, label, sentence):
    """One coarse status from every agency's part: one agency's "unfounded" is not the end."""
    sent = make_tip(school=clayton_high)
    put_parts(sent.tip, parts, by=officer_olsen)

    page = page_of(client, sent.receipt)

    assert re.search(rf'id="status-title">Status: <span[^>]*>{label}</span>', page)
    assert sentence in page
    assert "Unfounded" not in page


@pytest.mark.django_db
def test_messages_are_oldest_first_in_the_order_written(client, make_tip, clayton_high, officer_olsen):
    sent = make_tip(school=clayton_high)
    with time_machine.travel(timezone.make_aware(datetime(2026, 11, 29, 9, 10)), tick=False):
        message_tipster(tip=sent.tip, author=officer_olsen, agency=None, body="Which lunch period was it?")
    with time_machine.travel(timezone.make_aware(datetime(2026, 11, 29, 9, 40)), tick=False):
        # Stored at 9:00 (the hour only): by time it would come before the question.
        add_tipster_message(tip=sent.tip, body="Second lunch, by the vending machines.")
    with time_machine.travel(timezone.make_aware(datetime(2026, 11, 29, 15, 5)), tick=False):
        message_tipster(tip=sent.tip, author=officer_olsen, agency=None, body="Thank you, we are on it.")

    page = page_of(client, sent.receipt)

    order = [page.index(text) for text in ("Which lunch period", "Second lunch", "Thank you, we are on it")]
    assert order == sorted(order)
    assert "· in the morning of Nov 29" in page and "· in the afternoon of Nov 29" in page
    assert "9:10" not in page and "9:40" not in page


@pytest.mark.parametrize(
    ("hour", "english", "spanish"),
    [
        (2, "early in the morning of Nov 29", "en la madrugada del 29 Nov"),
        (9, "in the morning of Nov 29", "en la mañana del 29 Nov"),
        (13, "in the afternoon of Nov 29", "en la tarde del 29 Nov"),
        (18, "in the evening of Nov 29", "al anochecer del 29 Nov"),
        (22, "at night on Nov 29", "en la noche del 29 Nov"),
    ],
)
def test_times_are_parts_of_a_day(hour, english, spanish):
    at = timezone.make_aware(datetime(2026, 11, 29, hour, 30))
    assert part_of_day(at) == english
    with translation.override("es"):
        assert part_of_day(at).lower() == spanish.lower()


@pytest.mark.django_db
def test_after_a_life_safety_report_check_again_in_an_hour(client, make_tip, clayton_high, tip_post, categories):
    response = client.post("/report/", tip_post(danger_now="yes"))
    receipt = re.search(r'name="receipt" value="([^"]+)"', response.content.decode()).group(1)
    hidden = dict(
        re.findall(r'<input type="hidden" name="(danger_now|check_soon)" value="([^"]+)"', response.content.decode())
    )
    assert hidden == {"danger_now": "yes", "check_soon": "yes"}
    thanks = client.post("/report/receipt/", {"receipt": receipt, "saved": "yes", **hidden}).content.decode()
    assert "check again in an hour" in thanks and "a day or two" not in thanks

    page = page_of(client, receipt)
    assert "check again in an hour" in page and "a day or two" not in page

    ordinary = make_tip(school=clayton_high)
    assert "Check back in a day or two" in page_of(client, ordinary.receipt)


@pytest.mark.django_db
def test_a_closed_life_safety_report_does_not_ask_to_check_again(client, make_tip, clayton_high, officer_olsen):
    sent = make_tip(school=clayton_high, category="weapons")
    put_parts(sent.tip, "done", by=officer_olsen)

    page = page_of(client, sent.receipt)

    assert "check again in an hour" not in page and "Staff finished their work on this." in page


@pytest.mark.django_db
def test_the_page_explains_itself_in_spanish(client, make_tip, clayton_high, officer_olsen):
    sent = make_tip(school=clayton_high)
    put_parts(sent.tip, "done", by=officer_olsen)
    message_tipster(tip=sent.tip, author=officer_olsen, agency=None, body="Gracias por avisarnos.")

    page = page_of(client, sent.receipt, prefix="/es")

    assert "El personal terminó su trabajo en esto. Gracias." in page
    assert "Los más antiguos primero." in page
