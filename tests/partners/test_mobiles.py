"""Staff mobile numbers (partners.mobiles): E.164 normalisation, a 6-digit code texted
through the real SDK, codes that expire and allow few tries, a send limit, numbers stored
encrypted and found by a keyed hash, every change audited without the number."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import time_machine
from django.db import connection
from django.utils import timezone

from partners import mobiles
from partners.models import MobileVerification, StaffMobile
from safeschools.models import AuditEvent

NUMBER = "+13145550123"


def _code(twilio, number: str = NUMBER) -> str:
    return re.search(r"\b(\d{6})\b", twilio.texts_to(number)[-1]).group(1)


def _wrong(code: str) -> str:
    return f"{(int(code) + 1) % 1_000_000:06d}"


@pytest.mark.parametrize(
    ("typed", "e164"),
    [
        ("(314) 555-0123", "+13145550123"),
        ("314.555.0123", "+13145550123"),
        ("1-314-555-0123", "+13145550123"),
        ("+1 314 555 0123", "+13145550123"),
        ("+44 7700 900123", "+447700900123"),
    ],
)
def test_numbers_are_normalised_to_e164_with_the_us_by_default(typed, e164):
    assert mobiles.normalise(typed) == e164


@pytest.mark.parametrize(
    "typed", ["", "555-0123", "(014) 555-0123", "314 155 0123", "+1 314 555 012", "call me", "+0123456789"]
)
def test_what_cannot_be_a_number_is_refused(typed):
    with pytest.raises(mobiles.MobileError):
        mobiles.normalise(typed)


def test_us_numbers_are_shown_as_people_write_them():
    assert mobiles.display("+13145550123") == "(314) 555-0123"
    assert mobiles.display("+447700900123") == "+447700900123"


@pytest.mark.django_db
def test_a_texted_code_confirms_the_number(twilio, officer_olsen):
    pending = mobiles.send_code(user=officer_olsen, typed_number="(314) 555-0123")

    assert pending.number == NUMBER
    (text,) = twilio.texts_to(NUMBER)
    assert "is your code to confirm this number for staff alerts" in text and "expires in 10 minutes" in text
    mobile = mobiles.confirm(user=officer_olsen, code=_code(twilio))

    assert (mobile.user, mobile.number, mobile.stopped_at) == (officer_olsen, NUMBER, None)
    assert mobiles.find_sender("+13145550123") == mobile
    assert mobiles.pending(officer_olsen) is None
    changes = AuditEvent.objects.filter(action=AuditEvent.Action.STAFF_MOBILE, actor_id=officer_olsen.pk)
    assert [(e.detail["change"], e.detail["number"]) for e in changes.order_by("id")] == [
        ("code sent", "…23"),
        ("verified", "…23"),
    ]


@pytest.mark.django_db
def test_the_number_and_the_code_are_not_stored_in_clear(twilio, officer_olsen):
    mobiles.send_code(user=officer_olsen, typed_number=NUMBER)
    code = _code(twilio)
    with connection.cursor() as cursor:
        cursor.execute("SELECT number, code_hash FROM partners_mobileverification")
        pending_row = cursor.fetchone()
    mobiles.confirm(user=officer_olsen, code=code)
    with connection.cursor() as cursor:
        cursor.execute("SELECT number, number_index FROM partners_staffmobile")
        verified_row = cursor.fetchone()

    stored = " ".join(str(value) for value in (*pending_row, *verified_row))
    for secret in (NUMBER, NUMBER[1:], "5550123", code):
        assert secret not in stored
    assert verified_row[1] == mobiles.number_index(NUMBER) != mobiles.number_index("+13145550124")


@pytest.mark.django_db
def test_the_lookup_hash_is_keyed(settings):
    before = mobiles.number_index(NUMBER)
    settings.PHONE_INDEX_KEY = "another-key-" * 4
    assert mobiles.number_index(NUMBER) != before


@pytest.mark.django_db
def test_wrong_codes_are_counted_and_end_the_code_after_five(twilio, officer_olsen):
    mobiles.send_code(user=officer_olsen, typed_number=NUMBER)
    code = _code(twilio)

    for _ in range(4):
        with pytest.raises(mobiles.MobileError, match="not right"):
            mobiles.confirm(user=officer_olsen, code=_wrong(code))
    assert MobileVerification.objects.get(user=officer_olsen).wrong_attempts == 4
    with pytest.raises(mobiles.MobileError, match="Too many wrong codes"):
        mobiles.confirm(user=officer_olsen, code=_wrong(code))
    with pytest.raises(mobiles.MobileError, match="expired"):
        mobiles.confirm(user=officer_olsen, code=code)  # the right one, too late
    assert not StaffMobile.objects.exists()


@pytest.mark.django_db
def test_a_code_expires_after_ten_minutes(twilio, officer_olsen):
    with time_machine.travel(timezone.now(), tick=False) as clock:
        mobiles.send_code(user=officer_olsen, typed_number=NUMBER)
        clock.shift(timedelta(minutes=10, seconds=1))
        with pytest.raises(mobiles.MobileError, match="expired"):
            mobiles.confirm(user=officer_olsen, code=_code(twilio))
    assert not StaffMobile.objects.exists()


@pytest.mark.django_db
def test_only_the_latest_code_works(twilio, officer_olsen):
    mobiles.send_code(user=officer_olsen, typed_number=NUMBER)
    first = _code(twilio)
    mobiles.send_code(user=officer_olsen, typed_number=NUMBER)
    latest = _code(twilio)
    if first != latest:
        with pytest.raises(mobiles.MobileError):
            mobiles.confirm(user=officer_olsen, code=first)
    assert mobiles.confirm(user=officer_olsen, code=latest).number == NUMBER


@pytest.mark.django_db
def test_at_most_five_codes_an_hour(twilio, officer_olsen):
    with time_machine.travel(timezone.now(), tick=False) as clock:
        for _ in range(5):
            mobiles.send_code(user=officer_olsen, typed_number=NUMBER)
        with pytest.raises(mobiles.MobileError, match="several codes"):
            mobiles.send_code(user=officer_olsen, typed_number=NUMBER)
        assert len(twilio.texts_to(NUMBER)) == 5
        clock.shift(timedelta(hours=1, seconds=1))
        mobiles.send_code(user=officer_olsen, typed_number=NUMBER)
    assert len(twilio.texts_to(NUMBER)) == 6


@pytest.mark.django_db
def test_a_number_refused_by_the_provider_is_explained_counted_and_audited(twilio, officer_olsen):
    twilio.answer(400, 21614, "'To' number +13145550123 is not a valid mobile number")

    with pytest.raises(mobiles.MobileError, match="mobile number that accepts texts"):
        mobiles.send_code(user=officer_olsen, typed_number=NUMBER)

    assert mobiles.pending(officer_olsen) is None
    assert MobileVerification.objects.get(user=officer_olsen).codes_sent == 1
    event = AuditEvent.objects.get(action=AuditEvent.Action.STAFF_MOBILE)
    assert event.detail["change"] == "code refused by the provider" and "21614" in event.detail["error"]
    assert NUMBER not in str(event.detail) and NUMBER[2:] not in str(event.detail)


@pytest.mark.django_db
def test_a_provider_outage_says_try_again(twilio, officer_olsen):
    twilio.answer(503, 20503, "Service unavailable")

    with pytest.raises(mobiles.MobileError, match="did not answer"):
        mobiles.send_code(user=officer_olsen, typed_number=NUMBER)
    assert mobiles.pending(officer_olsen) is None


@pytest.mark.django_db
def test_one_number_belongs_to_one_staff_member(twilio, officer_olsen, principal_park, give_mobile):
    give_mobile(principal_park, NUMBER)

    with pytest.raises(mobiles.MobileError, match="another staff account"):
        mobiles.send_code(user=officer_olsen, typed_number="314-555-0123")
    assert twilio.requests == []


@pytest.mark.django_db
def test_a_new_number_replaces_the_old_only_once_confirmed(twilio, officer_olsen, give_mobile):
    give_mobile(officer_olsen, NUMBER)

    mobiles.send_code(user=officer_olsen, typed_number="314-555-0199")
    assert StaffMobile.objects.get(user=officer_olsen).number == NUMBER
    mobiles.confirm(user=officer_olsen, code=_code(twilio, "+13145550199"))

    assert StaffMobile.objects.get(user=officer_olsen).number == "+13145550199"
    assert mobiles.find_sender(NUMBER) is None


@pytest.mark.django_db
def test_no_code_is_sent_while_texts_are_off(settings, officer_olsen):
    settings.SMS_BACKEND = ""
    with pytest.raises(mobiles.MobileError, match="not switched on"):
        mobiles.send_code(user=officer_olsen, typed_number=NUMBER)


@pytest.mark.django_db
def test_inactive_staff_are_not_found_by_their_number(officer_olsen, give_mobile):
    give_mobile(officer_olsen, NUMBER)
    officer_olsen.is_active = False
    officer_olsen.save()

    assert mobiles.find_sender(NUMBER) is None
    assert mobiles.textable_user_ids([officer_olsen.pk]) == {}


@pytest.mark.django_db
def test_stop_and_resume_are_audited_once(officer_olsen, give_mobile):
    mobile = give_mobile(officer_olsen, NUMBER)

    mobiles.stop(mobile, how="by SMS reply")
    mobiles.stop(mobile, how="by SMS reply")
    assert mobiles.textable_user_ids([officer_olsen.pk]) == {}
    mobiles.resume(mobile, how="by SMS reply")

    assert mobiles.textable_user_ids([officer_olsen.pk]) == {officer_olsen.pk: False}
    changes = AuditEvent.objects.filter(action=AuditEvent.Action.STAFF_MOBILE).order_by("id")
    assert [e.detail["change"] for e in changes][1:] == ["texts stopped by SMS reply", "texts resumed by SMS reply"]
