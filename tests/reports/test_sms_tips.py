"""Text-a-tip (SECURITY.md 45): a student texts the site's number and the thread becomes a
tip for the coordinators; the conversation goes on by text both ways, in English or
Spanish; pictures sent by MMS are fetched through Twilio's SDK (from a local fake) and
cleaned; STOP and HELP behave as carriers require. The number is stored only encrypted,
never shown to staff, and erased after the tip is closed plus a grace period. The
webhook is driven with signed (and unsigned) requests, as Twilio sends them."""

from __future__ import annotations

import html
import logging
import re
import secrets
from datetime import timedelta

import pytest
from django.core import management
from django.test import Client
from django.utils import timezone
from twilio.request_validator import RequestValidator

from reports.models import Category, InboundSms, Message, Notification, Routing, TextingTipster, Tip
from reports.notifications.delivery import deliver_due
from reports.retention import erase_texting_numbers
from reports.triage import actions
from safeschools.models import AuditEvent
from tests import fake_twilio
from tests.reports.test_report_form import _jpeg_with_gps

SITE = "https://tips.example.org"
PATH = "/sms/inbound/"
STUDENT = "+13145550188"
OTHER_STUDENT = "+13145550189"


@pytest.fixture(autouse=True)
def _site(settings, twilio, site_settings, partnership_office, categories):
    settings.SITE_URL = SITE
    Category.objects.create(name="Something else", name_es="Otra cosa", description="Anything else.")


def _params(sender: str, body: str, *, media: list[tuple[str, str]] = (), sid: str | None = None) -> dict:
    params = {
        "MessageSid": sid or "SM" + secrets.token_hex(16),
        "AccountSid": fake_twilio.ACCOUNT_SID,
        "From": sender,
        "To": fake_twilio.FROM_NUMBER,
        "Body": body,
        "NumMedia": str(len(media)),
    }
    for index, (url, content_type) in enumerate(media):
        params[f"MediaUrl{index}"] = url
        params[f"MediaContentType{index}"] = content_type
    return params


def _signed(params: dict) -> str:
    return RequestValidator(fake_twilio.AUTH_TOKEN).compute_signature(SITE + PATH, params)


def _text(client: Client, sender: str, body: str, **kwargs) -> str:
    """Send a text as Twilio would and return the answer the phone gets ("" for none)."""
    params = _params(sender, body, **kwargs)
    response = client.post(PATH, params, HTTP_X_TWILIO_SIGNATURE=_signed(params))
    assert response.status_code == 200 and response["Content-Type"] == "text/xml"
    found = re.search(r"<Message>(.*)</Message>", response.content.decode(), re.DOTALL)
    return html.unescape(found.group(1)) if found else ""


def _thread() -> TextingTipster:
    return TextingTipster.objects.select_related("tip").get()


# --- A text becomes a tip ------------------------------------------------------------


@pytest.mark.django_db
def test_a_first_text_becomes_a_tip_for_the_coordinators(client, coordinator_cole):
    answer = _text(client, STUDENT, "Kids are vaping in the B hall bathroom every lunch at Ladue Middle.")

    tip = Tip.objects.get()
    assert tip.description == "Kids are vaping in the B hall bathroom every lunch at Ladue Middle."
    assert (tip.category.name, tip.school, tip.language, tip.is_life_safety) == ("Something else", None, "en", False)
    assert [(r.agency.name, r.role) for r in Routing.objects.filter(tip=tip)] == [
        ("Safe Schools Partnership Office", "responsible")
    ]
    assert tip.notifications.filter(recipient=coordinator_cole, kind="new_tip").exists()
    assert answer.startswith("Safe Schools Partnership: we got your report.")
    for words in ("do not have to give your name", "never see your number", "911", "988", "ES", "STOP"):
        assert words in answer
    event = AuditEvent.objects.get(action=AuditEvent.Action.TIP_SUBMITTED)
    assert event.detail["via"] == "SMS"
    assert InboundSms.objects.get().outcome == "new tip"


@pytest.mark.django_db
def test_later_texts_are_messages_on_the_same_tip(client):
    _text(client, STUDENT, "Someone is selling vapes at the bus stop.")

    answer = _text(client, STUDENT, "It is the kid with the red backpack, after 3rd period.")

    tip = Tip.objects.get()
    (message,) = Message.objects.filter(tip=tip)
    assert (message.direction, message.body) == (
        "from_tipster",
        "It is the kid with the red backpack, after 3rd period.",
    )
    assert message.created_at.minute == 0 and message.created_at.second == 0  # the hour only
    assert tip.unread_tipster_messages == 1
    assert answer == "Safe Schools Partnership: added to your report. Thank you."


@pytest.mark.django_db
def test_two_students_get_two_tips(client):
    _text(client, STUDENT, "A fight is planned at the park after school.")
    _text(client, OTHER_STUDENT, "Someone posted a threat in the group chat.")

    assert Tip.objects.count() == 2 and TextingTipster.objects.count() == 2


@pytest.mark.django_db
def test_words_of_danger_make_it_a_life_safety_tip(client):
    _text(client, STUDENT, "a boy in my class has a gun in his backpack")

    tip = Tip.objects.get()
    assert tip.is_life_safety and tip.priority == 4
    assert Routing.objects.get(tip=tip).escalation_due_at is not None


@pytest.mark.django_db
def test_spanish_on_request_before_and_after_the_report(client):
    invitation = _text(client, STUDENT, "ES")
    assert not Tip.objects.exists()
    assert "Cuéntanos" in invitation and "911" in invitation and "988" in invitation

    welcome = _text(client, STUDENT, "Hay una pelea planeada en el parque.")

    assert Tip.objects.get().language == "es" and _thread().language == "es"
    assert welcome.startswith("Safe Schools Partnership: recibimos tu reporte.")
    assert "For English, reply EN" in welcome

    english = _text(client, STUDENT, "en")
    assert english.startswith("Safe Schools Partnership: from now on we will text you in English.")
    assert _thread().language == "en"


@pytest.mark.django_db
def test_help_answers_with_the_numbers_and_how_to_stop(client):
    answer = _text(client, STUDENT, "help")

    for words in ("tip line", "911", "988", "(314) 889-SAFE (7233)", "STOP", "Msg&data rates may apply"):
        assert words in answer
    assert not Tip.objects.exists()
    assert "Línea" in _text(client, STUDENT, "ayuda")


@pytest.mark.django_db
def test_stop_stops_every_text_until_start(client, officer_olsen):
    _text(client, STUDENT, "Someone is being bullied on bus 12.")

    stop = _text(client, STUDENT, "Stop")
    assert "no more texts" in stop and "START" in stop
    assert _thread().stopped
    assert _text(client, STUDENT, "it was on the way home") == ""  # kept, but nothing texted back
    assert [m.body for m in Message.objects.all()] == ["it was on the way home"]
    tip = Tip.objects.get()
    actions.message_tipster(tip=tip, author=officer_olsen, agency=None, body="Which stop does it happen at?")
    assert not Notification.objects.filter(kind="to_tipster").exists()

    start = _text(client, STUDENT, "START")
    assert "on again" in start and not _thread().stopped


@pytest.mark.django_db
def test_yes_in_a_conversation_is_an_answer_not_a_keyword(client):
    _text(client, STUDENT, "Someone said they would hurt a kid tomorrow.")

    answer = _text(client, STUDENT, "Yes")

    assert Message.objects.get().body == "Yes"
    assert answer.endswith("added to your report. Thank you.")


# --- Signatures and replays -----------------------------------------------------------


@pytest.mark.django_db
def test_unsigned_and_forged_texts_are_refused_and_make_no_tip(client, caplog):
    caplog.set_level(logging.INFO)
    params = _params(STUDENT, "there is a fight at lunch")
    forged = RequestValidator("not-our-auth-token-0123456789").compute_signature(SITE + PATH, params)

    assert client.post(PATH, params).status_code == 403
    assert client.post(PATH, params, HTTP_X_TWILIO_SIGNATURE=forged).status_code == 403
    tampered = {**params, "Body": "something else"}
    assert client.post(PATH, tampered, HTTP_X_TWILIO_SIGNATURE=_signed(params)).status_code == 403

    assert not Tip.objects.exists() and not TextingTipster.objects.exists() and not InboundSms.objects.exists()
    assert STUDENT not in caplog.text and "fight" not in caplog.text


@pytest.mark.django_db
def test_a_replayed_text_makes_one_tip(client):
    params = _params(STUDENT, "a fight is planned at lunch", sid="SM" + "7" * 32)
    first = client.post(PATH, params, HTTP_X_TWILIO_SIGNATURE=_signed(params))
    again = client.post(PATH, params, HTTP_X_TWILIO_SIGNATURE=_signed(params))

    assert "we got your report" in first.content.decode()
    assert "<Message>" not in again.content.decode()
    assert Tip.objects.count() == 1 and Message.objects.count() == 0


# --- Pictures -------------------------------------------------------------------------


@pytest.mark.django_db
def test_pictures_sent_by_mms_are_fetched_with_the_sdk_and_cleaned(client, twilio):
    photo = twilio.add_media(_jpeg_with_gps(), "image/jpeg")
    voice = twilio.add_media(b"not a picture", "audio/amr")

    answer = _text(
        client, STUDENT, "this was written on the bathroom wall", media=[(photo, "image/jpeg"), (voice, "audio/amr")]
    )

    attachment = Tip.objects.get().attachments.get()
    assert attachment.content_type == "image/jpeg" and (attachment.width, attachment.height) == (40, 30)
    assert b"MarkerCamera" not in attachment.content and b"marker-comment" not in attachment.content
    (api, storage) = twilio.media_requests  # the audio was never fetched
    assert (api.username, api.password) == (fake_twilio.ACCOUNT_SID, fake_twilio.AUTH_TOKEN)
    assert storage.path.startswith("/storage/")
    assert "1 picture could not be added" in answer


@pytest.mark.django_db
def test_a_picture_that_is_not_an_image_is_refused_by_the_sanitiser(client, twilio):
    fake = twilio.add_media(b"<html><script>alert(1)</script></html>", "image/png")

    answer = _text(client, STUDENT, "", media=[(fake, "image/png")])

    tip = Tip.objects.get()
    assert not tip.attachments.exists()
    assert "1 picture could not be added" in answer


@pytest.mark.django_db
def test_only_our_accounts_media_on_twilio_are_fetched(twilio):
    from safeschools import sms

    for url in (
        "https://example.org/2010-04-01/Accounts/AC/Messages/MM1/Media/ME1",
        f"http://api.twilio.com/2010-04-01/Accounts/{fake_twilio.ACCOUNT_SID}/Messages/MM1/Media/ME1",
        "https://api.twilio.com/2010-04-01/Accounts/AC" + "1" * 32 + "/Messages/MM1/Media/ME1",
        "https://api.twilio.com.example.org/2010-04-01/Accounts/" + fake_twilio.ACCOUNT_SID + "/Messages/",
    ):
        with pytest.raises(sms.SmsRejected):
            sms.fetch_media(url, max_bytes=1000)
    assert not twilio.requests


@pytest.mark.django_db
def test_a_picture_too_big_is_not_downloaded_whole(twilio):
    from safeschools import sms

    url = twilio.add_media(b"x" * 5000, "image/jpeg")
    with pytest.raises(sms.SmsRejected):
        sms.fetch_media(url, max_bytes=1000)


# --- Staff replies go out by text -------------------------------------------------------


@pytest.mark.django_db
def test_a_staff_reply_is_texted_through_the_outbox(client, twilio, coordinator_cole):
    _text(client, STUDENT, "Someone keeps threatening my friend online.")
    tip = Tip.objects.get()

    actions.message_tipster(tip=tip, author=coordinator_cole, agency=None, body="Thank you. Which school is this?")
    row = Notification.objects.get(kind="to_tipster")
    assert (row.channel, row.recipient, row.address, row.status) == ("sms", None, _thread().label, "pending")
    deliver_due()

    assert twilio.texts_to(STUDENT) == [
        "Safe Schools Partnership: Thank you. Which school is this? (Reply to answer. STOP to stop texts.)"
    ]
    row.refresh_from_db()
    assert row.status == "sent"
    sent = AuditEvent.objects.filter(action=AuditEvent.Action.NOTIFICATION, tip_id=tip.pk, detail__kind="to_tipster")
    assert sent.get().detail["recipient"] == f"texting tipster #{_thread().pk}"  # never the number


@pytest.mark.django_db
def test_a_reply_to_a_spanish_thread_is_framed_in_spanish(client, twilio, coordinator_cole):
    _text(client, STUDENT, "ES")
    _text(client, STUDENT, "Alguien trajo una navaja a la escuela.")

    actions.message_tipster(tip=Tip.objects.get(), author=coordinator_cole, agency=None, body="¿En qué escuela?")
    deliver_due()

    (text,) = twilio.texts_to(STUDENT)
    assert text.startswith("Safe Schools Partnership: ¿En qué escuela?") and "Responde" in text


@pytest.mark.django_db
def test_a_reply_too_long_for_a_text_is_refused_with_a_reason(client, coordinator_cole):
    _text(client, STUDENT, "Someone is selling pills at practice.")

    with pytest.raises(actions.TriageError, match="at most 1,500 characters"):
        actions.message_tipster(tip=Tip.objects.get(), author=coordinator_cole, agency=None, body="x" * 1501)
    assert not Message.objects.filter(direction="to_tipster").exists()


@pytest.mark.django_db
def test_a_number_that_stopped_at_the_carrier_is_marked_stopped(client, twilio, coordinator_cole):
    _text(client, STUDENT, "Someone is selling pills at practice.")
    actions.message_tipster(tip=Tip.objects.get(), author=coordinator_cole, agency=None, body="Which practice?")
    twilio.answer(400, 21610, "Attempt to send to unsubscribed recipient")

    deliver_due()

    assert Notification.objects.get(kind="to_tipster").status == "failed"
    assert _thread().stopped


# --- The number: encrypted, never shown, erased ------------------------------------------


@pytest.mark.django_db
def test_the_number_is_stored_only_encrypted_and_never_shown_to_staff(
    client, coordinator_cole, login_verified, capsys, caplog
):
    caplog.set_level(logging.DEBUG)
    _text(client, STUDENT, "Someone wrote a threat on the bathroom mirror.")
    thread = _thread()
    assert thread.number == STUDENT

    management.call_command("dumpdata", "reports", "safeschools", "--indent", "0")
    dump = capsys.readouterr().out
    digits = STUDENT.removeprefix("+1")
    assert digits not in dump and digits[3:] not in dump

    staff = Client()
    login_verified(staff, coordinator_cole)
    page = staff.get(f"/staff/tips/{thread.tip_id}/").content.decode()
    assert f"texting tipster #{thread.pk}" in page
    assert digits not in page and digits[3:] not in page and "555-0188" not in page
    assert digits not in caplog.text and digits[3:] not in caplog.text


@pytest.mark.django_db
def test_the_number_is_erased_when_the_tip_has_been_closed_for_the_grace_period(client, settings, coordinator_cole):
    settings.SMS_TIPSTER_GRACE_DAYS = 14
    _text(client, STUDENT, "Someone is bullying a kid in the locker room.")
    tip = Tip.objects.get()
    open_for_long = timezone.now() + timedelta(days=400)
    assert erase_texting_numbers(now=open_for_long) == 0  # an open tip keeps its number

    closed = timezone.now()
    Tip.objects.filter(pk=tip.pk).update(state=Tip.State.DONE, closed_at=closed)
    assert erase_texting_numbers(now=closed + timedelta(days=13)) == 0
    assert _text(client, STUDENT, "thank you").endswith("Thank you.")  # still the same thread

    assert erase_texting_numbers(now=closed + timedelta(days=15)) == 1
    assert erase_texting_numbers(now=closed + timedelta(days=16)) == 0  # safe to run twice
    thread = _thread()
    assert (thread.number, thread.number_index) == ("", None) and thread.erased_at is not None

    actions.message_tipster(tip=tip, author=coordinator_cole, agency=None, body="One more question.")
    assert not Notification.objects.filter(kind="to_tipster").exists()  # nobody to text any more
    welcome = _text(client, STUDENT, "Something new happened today.")
    assert "we got your report" in welcome and Tip.objects.count() == 2


@pytest.mark.django_db
def test_the_daily_job_erases_numbers(client, settings):
    from reports import jobs

    settings.SMS_TIPSTER_GRACE_DAYS = 0
    _text(client, STUDENT, "Someone is bullying a kid in the locker room.")
    Tip.objects.update(state=Tip.State.DONE, closed_at=timezone.now() - timedelta(hours=1))

    result = jobs.daily.call()

    assert result["texting_numbers_erased"] == 1 and _thread().number == ""


@pytest.mark.django_db
def test_a_text_can_be_played_locally_with_the_command(settings, capsys):
    settings.DEBUG = True

    management.call_command("sms_reply", "--from", "(314) 555-0188", "A fight is planned for Friday.")

    assert "[new tip] Safe Schools Partnership: we got your report." in capsys.readouterr().out
    assert _thread().number == STUDENT
