"""The tipster comes back with the receipt: status, messages, reply, add information."""

import time

import pytest
import time_machine
from django.urls import reverse

from reports import case_state
from reports.models import Message, Tip
from reports.triage.actions import message_tipster
from safeschools.models import AuditEvent

CHECK = "/report/check/"
CONVERSATION = "/report/conversation/"


@pytest.fixture
def sent_tip(make_tip, clayton_high):
    return make_tip(school=clayton_high)


def open_tip(client, receipt: str):
    return client.post(CHECK, {"receipt": receipt})


@pytest.mark.django_db
def test_receipt_opens_the_conversation(client, sent_tip, officer_olsen):
    message_tipster(tip=sent_tip.tip, author=officer_olsen, agency=None, body="Which lunch period was it?")
    response = open_tip(client, sent_tip.receipt.lower().replace("-", " "))
    assert response.status_code == 302 and response["Location"] == CONVERSATION
    cookie = response.cookies["sessionid"]
    assert cookie["expires"] == "" and cookie["max-age"] == ""  # a session-only cookie
    page = client.get(CONVERSATION)
    body = page.content.decode()
    assert "Received" in body
    assert "Which lunch period was it?" in body
    assert "Olsen" not in body  # staff names are not shown to the tipster
    assert page["Cache-Control"].startswith("no-store")


@pytest.mark.django_db
@pytest.mark.parametrize("receipt", ["ABCDE-FGHJK-MNPQR-STVWX-YZ012", "not a receipt", "", "A" * 60])
def test_wrong_unknown_and_malformed_receipts_get_one_answer(client, sent_tip, receipt):
    response = open_tip(client, receipt)
    body = response.content.decode()
    assert response.status_code == 200
    if receipt:
        assert "We could not open a report with that receipt." in body
    assert "sessionid" not in response.cookies


@pytest.mark.django_db
def test_purged_receipt_gets_the_same_answer(client, sent_tip):
    Tip.objects.filter(pk=sent_tip.tip.pk).delete()
    unknown = open_tip(client, "ABCDE-FGHJK-MNPQR-STVWX-YZ012").content.decode()
    purged = open_tip(client, sent_tip.receipt).content.decode()
    csrf = 'name="csrfmiddlewaretoken" value="'

    def strip_csrf(text: str) -> str:
        start = text.index(csrf) + len(csrf)
        return text[:start] + text[text.index('"', start) :]

    assert strip_csrf(unknown).replace("ABCDE-FGHJK-MNPQR-STVWX-YZ012", "R") == strip_csrf(purged).replace(
        sent_tip.receipt, "R"
    )


@pytest.mark.django_db
def test_receipt_check_is_post_only(client, sent_tip):
    response = client.get(CHECK, {"receipt": sent_tip.receipt})
    assert response.status_code == 200
    assert "sessionid" not in response.cookies
    assert client.get(CONVERSATION).status_code == 302


@pytest.mark.django_db
def test_receipt_checks_are_throttled_softly(client, sent_tip, settings):
    settings.RECEIPT_CHECK_RATE = "3/m"
    for _ in range(3):
        open_tip(client, "ABCDE-FGHJK-MNPQR-STVWX-YZ012")
    response = open_tip(client, sent_tip.receipt)
    assert response.status_code == 429
    assert 1 <= int(response["Retry-After"]) <= 60
    assert "Wait a minute" in response.content.decode()
    with time_machine.travel(time.time() + 120):
        assert open_tip(client, sent_tip.receipt).status_code == 302  # no lockout of the holder


@pytest.mark.django_db
def test_tipster_replies_and_adds_information(client, sent_tip):
    open_tip(client, sent_tip.receipt)
    response = client.post(CONVERSATION, {"body": "It was second lunch, by the vending machines."})
    assert response.status_code == 302
    message = Message.objects.get(tip=sent_tip.tip)
    assert message.direction == "from_tipster"
    assert message.body == "It was second lunch, by the vending machines."
    assert message.created_at.minute == 0 and message.created_at.second == 0
    assert Tip.objects.get(pk=sent_tip.tip.pk).unread_tipster_messages == 1
    assert AuditEvent.objects.filter(action="message.from_tipster", tip_id=sent_tip.tip.pk).exists()
    assert "It was second lunch" in client.get(CONVERSATION).content.decode()


@pytest.mark.django_db
def test_empty_reply_is_refused(client, sent_tip):
    open_tip(client, sent_tip.receipt)
    response = client.post(CONVERSATION, {"body": "  "})
    assert "Write a message before sending." in response.content.decode()
    assert not Message.objects.exists()


@pytest.mark.django_db
def test_follow_up_session_ends_after_idle_time(client, sent_tip, settings):
    settings.TIPSTER_IDLE_SECONDS = 600
    open_tip(client, sent_tip.receipt)
    assert client.get(CONVERSATION).status_code == 200
    with time_machine.travel(time.time() + 601):
        response = client.get(CONVERSATION)
    assert response.status_code == 302 and response["Location"] == CHECK


@pytest.mark.django_db
def test_leave_ends_the_session(client, sent_tip):
    open_tip(client, sent_tip.receipt)
    assert client.get(reverse("reports:leave")).status_code == 405
    client.post(reverse("reports:leave"))
    assert client.get(CONVERSATION).status_code == 302


@pytest.mark.django_db
def test_tipster_sees_a_coarse_status_only(client, sent_tip, officer_olsen):
    from reports.models import Routing

    police = Routing.objects.get(tip=sent_tip.tip, agency__name="Clayton Police Department")
    police.finish(by=officer_olsen, disposition="unfounded", note="A hoax, said the brother.")
    case_state.refresh_tip_state(sent_tip.tip)
    open_tip(client, sent_tip.receipt)
    body = client.get(CONVERSATION).content.decode()
    assert "Being looked at" in body and "Unfounded" not in body and "hoax" not in body


@pytest.mark.django_db
def test_tipster_adds_a_picture_later(client, sent_tip):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tests.reports.test_report_form import _jpeg_with_gps

    open_tip(client, sent_tip.receipt)
    photo = SimpleUploadedFile("later.jpg", _jpeg_with_gps(), content_type="image/jpeg")
    client.post(CONVERSATION, {"body": "Here is the screenshot.", "images": [photo]})
    message = Message.objects.get(tip=sent_tip.tip)
    assert message.attachments.count() == 1
    assert b"MarkerCamera" not in message.attachments.get().content


@pytest.mark.django_db
def test_follow_ups_are_limited_per_client(client, sent_tip, settings, mailoutbox):
    """SECURITY.md 39: one browser cannot flood the staff member handling the tip."""
    settings.TIPSTER_MESSAGE_RATE = "3/10m"
    open_tip(client, sent_tip.receipt)
    answers = [client.post(CONVERSATION, {"body": f"Detail number {n}"}) for n in range(6)]
    assert [a.status_code for a in answers] == [302, 302, 302, 429, 429, 429]
    refused = answers[-1]
    assert int(refused["Retry-After"]) > 0
    body = refused.content.decode()
    assert "Wait a few minutes" in body and "Detail number 5" in body  # the text is kept
    assert Message.objects.filter(tip=sent_tip.tip).count() == 3


@pytest.mark.django_db
def test_follow_ups_are_limited_per_tip_whoever_sends_them(sent_tip, settings):
    """Many browsers (or addresses) holding one receipt share the tip's limit."""
    from django.test import Client

    settings.TIPSTER_MESSAGE_RATE_PER_TIP = "4/10m"
    statuses = []
    for n in range(6):
        browser = Client(REMOTE_ADDR=f"198.51.100.{n + 1}")
        open_tip(browser, sent_tip.receipt)
        statuses.append(browser.post(CONVERSATION, {"body": f"Message {n}"}).status_code)
    assert statuses == [302, 302, 302, 302, 429, 429]
    assert Message.objects.filter(tip=sent_tip.tip).count() == 4


@pytest.mark.django_db
def test_a_staff_sign_in_flushes_the_tipster_state(client, sent_tip, officer_olsen):
    """SECURITY.md 42: a shared browser; the next person signs in as staff."""
    open_tip(client, sent_tip.receipt)
    assert client.get(CONVERSATION).status_code == 200
    client.post(reverse("account:login"), {"username": "olsen", "password": "correct horse battery staple"})
    assert "_auth_user_id" in client.session
    assert "tipster_tip_id" not in client.session
    assert client.get(CONVERSATION).status_code == 302


@pytest.mark.django_db
def test_opening_a_tip_starts_from_an_empty_session(client, sent_tip, officer_olsen, make_tip, clayton_high):
    """The converse: a staff session (or another tip) does not come along into a tipster's."""
    client.force_login(officer_olsen)
    open_tip(client, sent_tip.receipt)
    assert "_auth_user_id" not in client.session
    other = make_tip(school=clayton_high)
    open_tip(client, other.receipt)
    assert client.session["tipster_tip_id"] == other.tip.pk


@pytest.mark.django_db
def test_leave_flushes_everything(client, sent_tip):
    open_tip(client, sent_tip.receipt)
    response = client.post(reverse("reports:leave"))
    assert dict(client.session) == {}
    assert response.cookies["tipster_active"].value == ""


@pytest.mark.django_db
def test_the_session_keeps_no_time(client, sent_tip):
    """SECURITY.md 37: the idle clock is the signed cookie's own timestamp, so the session
    row holds no time of the tipster's visits."""
    open_tip(client, sent_tip.receipt)
    client.post(CONVERSATION, {"body": "One more thing."})
    client.get(CONVERSATION)
    session = dict(client.session)
    assert session.pop("_session_expiry") == 0  # "ends with the browser", not a time
    # The same keys whether a receipt or a decoy code opened it (SECURITY.md 46).
    assert set(session) == {"tipster_tip_id", "tipster_decoy_id", "tipster_tag"}
    assert session["tipster_decoy_id"] is None
    cookie = client.cookies["tipster_active"]
    assert cookie["httponly"] and cookie["samesite"] == "Strict" and cookie["expires"] == ""


@pytest.mark.django_db
def test_an_idle_cookie_from_another_session_opens_nothing(client, sent_tip, make_tip, clayton_high):
    from django.test import Client

    open_tip(client, sent_tip.receipt)
    other = Client()
    open_tip(other, make_tip(school=clayton_high).receipt)
    client.cookies["tipster_active"] = other.cookies["tipster_active"].value
    assert client.get(CONVERSATION).status_code == 302


def test_a_receipt_issued_before_the_short_form_still_opens_its_tip(client, categories, clayton_high):
    from reports.intake.services import TipReport, submit_tip

    old = "7KQ2M-9XD4H-WBT3N-EAB1C-D0EFG"  # 25 symbols, as receipts were until 2026-11-29
    report = TipReport(category=categories["bullying"], school=clayton_high, description="Lunch money taken.")
    tip = submit_tip(report=report, receipt=old, form_token="an-old-token").tip

    response = open_tip(client, old.lower().replace("-", " "))

    assert response.status_code == 302 and response["Location"] == CONVERSATION
    assert client.session["tipster_tip_id"] == tip.pk
