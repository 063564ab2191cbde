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
