"""Could this identify you? The text of a tip or a follow-up is checked for what could show
who wrote it; the student is told which parts, in plain words, and may remove or keep each.
Never blocked; nothing about the check is stored. The browser runs the same patterns
(tests/e2e/test_identify_check.py); these are the server's side, for a browser without
JavaScript."""

from __future__ import annotations

import io
import re

import pytest
from django.core.management import call_command

from reports.intake.identifying import PATTERNS, browser_data, find
from reports.models import Message, Tip

FORM = "/report/"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Text me at 314-555-0199 if you need more", [("phone", "314-555-0199")]),
        ("my number is (314) 555 0199", [("phone", "(314) 555 0199")]),
        ("email me: jordan.p@example.org", [("email", "jordan.p@example.org")]),
        ("he messaged me, I'm @jordan_p on there", [("handle", "@jordan_p")]),
        ("my snap is jpark_2009", [("social", "snap is jpark_2009")]),
        ("Hi, my name is Jordan Park and I saw it", [("name", "my name is Jordan Park")]),
        ("me llamo Ana y lo vi", [("name", "me llamo Ana")]),
        ("my student ID 2049913 was on the paper", [("student_id", "student ID 2049913")]),
        ("it is next to my house at 1432 Elm Street", [("address", "1432 Elm Street")]),
        ("only 3 of us were in the band room", [("small_group", "only 3 of us")]),
        ("solo tres estudiantes estaban ahí", [("small_group", "solo tres estudiantes")]),
    ],
)
def test_what_may_identify_the_writer_is_found(text, expected):
    assert [(f.kind, f.text) for f in find(text)] == expected


@pytest.mark.parametrize(
    "text",
    [
        "Someone brought a knife to 3rd period, room 214.",
        "It happened at 3:15 on 11/28 by bus 12, two kids were pushing a sixth grader.",
        "A boy in 8th grade keeps posting threats about the school.",
        "Email the principal? She already knows about it.",
        "I am scared to go to the gym.",
    ],
)
def test_ordinary_text_finds_nothing(text):
    assert find(text) == []


def test_an_email_is_not_also_a_user_name_and_pieces_come_in_order():
    found = find("write to pat@example.org or @pat_p, or 314-555-0199")
    assert [(f.kind, f.text) for f in found] == [
        ("email", "pat@example.org"),
        ("handle", "@pat_p"),
        ("phone", "314-555-0199"),
    ]


def test_the_browser_gets_the_same_patterns_and_plain_words():
    data = browser_data()
    assert [(p["kind"], p["source"], p["flags"]) for p in data["patterns"]] == [
        (kind, source, flags) for kind, source, flags, _ in PATTERNS
    ]
    assert data["title"] == "Could this identify you?"
    assert data["item"] % {"text": "314-555-0199", "label": "a phone number"} == (
        "“314-555-0199” looks like a phone number. If it is about you, it could show who sent this."
    )


@pytest.mark.django_db
def test_without_javascript_the_form_points_it_out_before_sending(client, tip_post):
    data = tip_post(description="My name is Jordan Park, text me at 314-555-0199. A kid has a vape pen.")

    shown = client.post(FORM, data)

    body = shown.content.decode()
    assert shown.status_code == 200 and not Tip.objects.exists()
    assert 'id="identify-server"' in body and "Could this identify you?" in body
    assert "“my name is Jordan Park” looks like your name." in body.replace("My name", "my name")
    assert "“314-555-0199” looks like a phone number." in body
    assert "Jordan Park, text me at 314-555-0199" in body  # the text is kept in the form
    assert re.search(r'<button[^>]*name="identify_checked" value="1"', body)


@pytest.mark.django_db
def test_the_student_may_send_it_as_it_is(client, tip_post):
    data = tip_post(description="My name is Jordan Park. A kid has a vape pen.")

    sent = client.post(FORM, {**data, "identify_checked": ["", "1"]})

    assert 'id="receipt-code"' in sent.content.decode()
    assert Tip.objects.get().description == "My name is Jordan Park. A kid has a vape pen."


@pytest.mark.django_db
def test_after_removing_it_the_form_sends_at_once(client, tip_post):
    sent = client.post(FORM, tip_post(description="A kid has a vape pen."))
    assert 'id="receipt-code"' in sent.content.decode()


@pytest.mark.django_db
def test_a_browser_that_checked_is_not_checked_again(client, tip_post):
    data = tip_post(description="My name is Jordan Park. A kid has a vape pen.", identify_checked="1")
    assert 'id="receipt-code"' in client.post(FORM, data).content.decode()


@pytest.mark.django_db
def test_someone_in_danger_now_is_never_held_up(client, tip_post):
    data = tip_post(description="My name is Jordan Park, he has a gun in the parking lot", danger_now="yes")
    assert 'id="receipt-code"' in client.post(FORM, data).content.decode()


@pytest.mark.django_db
def test_the_follow_up_is_checked_too(client, make_tip, clayton_high):
    sent = make_tip(school=clayton_high)
    client.post("/report/check/", {"receipt": sent.receipt})

    shown = client.post("/report/conversation/", {"body": "It's me, call 314-555-0199"})
    assert shown.status_code == 200 and "“314-555-0199” looks like a phone number." in shown.content.decode()
    assert not Message.objects.exists()

    client.post("/report/conversation/", {"body": "It's me, call 314-555-0199", "identify_checked": "1"})
    assert Message.objects.get().body == "It's me, call 314-555-0199"


@pytest.mark.django_db
def test_a_request_to_close_is_checked_too(client, make_tip, clayton_high):
    sent = make_tip(school=clayton_high)
    client.post("/report/check/", {"receipt": sent.receipt})
    reason = "It was me, Jordan. My name is Jordan Park, it is sorted now."

    shown = client.post("/report/conversation/close/", {"reason": reason})
    page = shown.content.decode()
    assert shown.status_code == 200 and 'id="close-identify-server"' in page
    assert "looks like your name" in page and "it is sorted now" in page  # their words are kept
    assert 'id="identify-server"' not in page  # the message form's own check found nothing
    assert not Message.objects.exists() and not Tip.objects.get().close_requested

    client.post("/report/conversation/close/", {"reason": reason, "identify_checked": "1"})
    assert Message.objects.get().kind == Message.Kind.CLOSE_REQUEST


@pytest.mark.django_db
def test_a_decoy_conversation_checks_a_request_to_close_the_same_way(client, make_tip, clayton_high):
    """SECURITY.md 46: what the decoy's page does, a real report's page does too."""
    sent = make_tip(school=clayton_high)
    taken = client.post("/report/receipt/decoy/", {"receipt": sent.receipt, "danger_now": "no", "check_soon": "no"})
    code = re.sub(r"<[^>]+>", "", re.search(r'id="decoy-code"[^>]*>(.*?)</p>', taken.content.decode()).group(1))
    client.post("/report/check/", {"receipt": code})

    shown = client.post("/report/conversation/close/", {"reason": "My name is Jordan Park, never mind."})
    assert shown.status_code == 200 and 'id="close-identify-server"' in shown.content.decode()
    assert not client.session.get("tipster_decoy_close_requested")
    client.post("/report/conversation/close/", {"reason": "My name is Jordan Park.", "identify_checked": "1"})
    assert "You asked us to close this report." in client.get("/report/conversation/").content.decode()
    assert not Message.objects.exists()


@pytest.mark.django_db
def test_the_follow_up_page_has_each_element_id_once(client, make_tip, clayton_high):
    """Two checks on one page (a message, a request to close): each has its own ids, so the
    browser module and the labels find the right one."""
    sent = make_tip(school=clayton_high)
    client.post("/report/check/", {"receipt": sent.receipt})
    page = client.get("/report/conversation/").content.decode()
    ids = re.findall(r'\sid="([^"]+)"', page)
    assert "identify-check" in ids and "close-identify-check" in ids
    assert len(ids) == len(set(ids)), sorted({i for i in ids if ids.count(i) > 1})


@pytest.mark.django_db(transaction=True)
def test_nothing_about_the_check_is_stored(client, tip_post):
    client.post(FORM, tip_post(description="My name is Jordan Park. A kid has a vape pen."))
    client.post(FORM, tip_post(description="A kid has a vape pen in the B hall."))

    out = io.StringIO()
    call_command("dumpdata", stdout=out)
    stored = out.getvalue()
    assert "Jordan" not in stored and "identify" not in stored and "looks like your name" not in stored
    assert Tip.objects.count() == 1
