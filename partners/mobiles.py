"""Staff mobile numbers: adding one, confirming it with a code texted to it, replies of
STOP and START, and finding the staff member an inbound text came from.

- Numbers are normalised to E.164, US by default ("314-555-0123" is "+13145550123").
- A number is stored encrypted (``StaffMobile.number``) and found by ``number_index``:
  ``HMAC-SHA256(PHONE_INDEX_KEY, number)``. A 10-digit number has too few possibilities
  for a plain hash to hide it.
- The code is 6 digits from ``secrets``, kept only as an HMAC bound to the person and the
  number, valid for ``CODE_MINUTES``; ``MAX_WRONG_CODES`` wrong tries end it, and a person
  gets at most ``MAX_CODES_PER_HOUR`` codes. A verified number stays in use while a new one
  is being confirmed.
- The code is texted at once, from the request, not through the outbox: the person is
  waiting on the page for it, a retry minutes later is useless once they have given up,
  and a refused number ("not a mobile", "replied STOP") must be told to them now.
- Every change is audited (``AuditEvent.Action.STAFF_MOBILE``) with the last two digits
  of the number only.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from partners.models import MobileVerification, StaffMobile
from safeschools import audit, sms
from safeschools.models import AuditEvent

logger = logging.getLogger(__name__)

CODE_MINUTES = 10
MAX_WRONG_CODES = 5
MAX_CODES_PER_HOUR = 5
_SEPARATORS = re.compile(r"[\s().\-/]")
_NANP = re.compile(r"[2-9]\d{2}[2-9]\d{6}")


class MobileError(Exception):
    """A change that cannot be made; the message is shown to the staff member."""


def normalise(text: str) -> str:
    """The E.164 form of a typed number; a number without a country code is American.
    Raises ``MobileError`` for anything that cannot be a phone number."""
    cleaned = _SEPARATORS.sub("", text or "")
    if cleaned.startswith("+"):
        digits = cleaned[1:]
        if not digits.isdigit() or not 8 <= len(digits) <= 15 or digits[0] == "0":
            raise MobileError("Type the number with its country code, for example +44 7700 900123.")
        if digits[0] == "1" and not _NANP.fullmatch(digits[1:]):
            raise MobileError("That is not a valid US number: type its 10 digits, area code first.")
        return "+" + digits
    if cleaned.isdigit() and len(cleaned) == 11 and cleaned[0] == "1":
        cleaned = cleaned[1:]
    if cleaned.isdigit() and _NANP.fullmatch(cleaned):
        return "+1" + cleaned
    raise MobileError("Type a US mobile number with its area code, for example (314) 555-0123.")


def display(number: str) -> str:
    """A number as people write it: (314) 555-0123 for US numbers, E.164 otherwise."""
    if number.startswith("+1") and len(number) == 12:
        return f"({number[2:5]}) {number[5:8]}-{number[8:]}"
    return number


def ending(number: str) -> str:
    """What the audit log and other staff may see of a number: its last two digits."""
    return "…" + number[-2:]


def number_index(number: str) -> str:
    return hmac.new(settings.PHONE_INDEX_KEY.encode(), f"number:{number}".encode(), hashlib.sha256).hexdigest()


def _code_hash(user_id: int, number: str, code: str) -> str:
    message = f"code:{user_id}:{number}:{code}".encode()
    return hmac.new(settings.PHONE_INDEX_KEY.encode(), message, hashlib.sha256).hexdigest()


def _record(user, change: str, number: str = "", **detail) -> None:
    if number:
        detail["number"] = ending(number)
    audit.record(AuditEvent.Action.STAFF_MOBILE, actor=user, change=change, **detail)


# --- Adding and confirming a number ------------------------------------------------------


@dataclass(frozen=True)
class Pending:
    """A number being confirmed, as the preferences page shows it."""

    number: str
    expires_at: datetime


def pending(user) -> Pending | None:
    row = MobileVerification.objects.filter(user=user, expires_at__gt=timezone.now()).exclude(code_hash="").first()
    return Pending(number=row.number, expires_at=row.expires_at) if row else None


def verification_text(code: str) -> str:
    return (
        f"Safe Schools Partnership: {code} is your code to confirm this number for staff alerts. "
        f"It expires in {CODE_MINUTES} minutes. Not you? Ignore this text."
    )


def send_code(*, user, typed_number: str) -> Pending:
    """Text a new code to ``typed_number`` for ``user`` to confirm it. Every attempt counts
    towards the hourly limit, refused ones too, so the form cannot be used to text strangers."""
    if not sms.enabled():
        raise MobileError("Text messages are not switched on for this site.")
    number = normalise(typed_number)
    if StaffMobile.objects.filter(number_index=number_index(number)).exclude(user=user).exists():
        raise MobileError("This number belongs to another staff account. Ask a coordinator for help.")
    if not _take_a_code(user):
        raise MobileError("You have asked for several codes in the last hour. Try again later.")
    code = f"{secrets.randbelow(1_000_000):06d}"
    try:
        sms.send(to=number, body=verification_text(code))
    except sms.SmsRejected as exc:
        _record(user, "code refused by the provider", number, error=str(exc))
        raise MobileError(
            "The code could not be texted to that number. Check that it is a mobile number that "
            "accepts texts (and has not replied STOP to this service)."
        ) from None
    except sms.SmsError as exc:
        logger.warning("Verification code for user %s not sent: %s", user.pk, exc)
        raise MobileError("The text service did not answer. Try again in a minute.") from None
    expires_at = timezone.now() + timedelta(minutes=CODE_MINUTES)
    with transaction.atomic():
        MobileVerification.objects.filter(user=user).update(
            number=number,
            code_hash=_code_hash(user.pk, number, code),
            expires_at=expires_at,
            wrong_attempts=0,
        )
        _record(user, "code sent", number)
    return Pending(number=number, expires_at=expires_at)


@transaction.atomic
def _take_a_code(user) -> bool:
    """Count one code against the person's hourly allowance; False when it is used up."""
    row, _ = MobileVerification.objects.select_for_update().get_or_create(user=user)
    now = timezone.now()
    if row.window_started_at is None or row.window_started_at <= now - timedelta(hours=1):
        row.window_started_at, row.codes_sent = now, 0
    if row.codes_sent >= MAX_CODES_PER_HOUR:
        return False
    row.codes_sent += 1
    row.save(update_fields=["window_started_at", "codes_sent"])
    return True


def confirm(*, user, code: str) -> StaffMobile:
    """Check the code typed for the number being confirmed; on success the number is the
    person's verified mobile (replacing any earlier one)."""
    outcome = _check_code(user, code.strip())
    if isinstance(outcome, str):
        raise MobileError(outcome)
    return outcome


@transaction.atomic
def _check_code(user, code: str) -> StaffMobile | str:
    # Returns the problem instead of raising it, so that a wrong try is saved, not rolled back.
    row = MobileVerification.objects.select_for_update().filter(user=user).exclude(code_hash="").first()
    if row is None or row.expires_at <= timezone.now():
        return "That code has expired. Ask for a new one."
    if not hmac.compare_digest(row.code_hash, _code_hash(user.pk, row.number, code)):
        row.wrong_attempts += 1
        if row.wrong_attempts >= MAX_WRONG_CODES:
            _end(row)
            _record(user, "verification stopped after wrong codes")
            return "Too many wrong codes. Ask for a new one."
        row.save(update_fields=["wrong_attempts"])
        return "That code is not right. Check the text and type it again."
    number = row.number
    _end(row)
    try:
        with transaction.atomic():
            mobile, _ = StaffMobile.objects.update_or_create(
                user=user,
                defaults={
                    "number": number,
                    "number_index": number_index(number),
                    "verified_at": timezone.now(),
                    "stopped_at": None,
                },
            )
    except IntegrityError:
        return "This number belongs to another staff account. Ask a coordinator for help."
    _record(user, "verified", number)
    return mobile


def _end(row: MobileVerification) -> None:
    row.number, row.code_hash, row.expires_at, row.wrong_attempts = "", "", None, 0
    row.save(update_fields=["number", "code_hash", "expires_at", "wrong_attempts"])


@transaction.atomic
def cancel(*, user) -> None:
    """Stop confirming a new number (the verified one, if any, stays)."""
    row = MobileVerification.objects.select_for_update().filter(user=user).exclude(code_hash="").first()
    if row is not None:
        _end(row)
        _record(user, "verification cancelled")


@transaction.atomic
def remove(*, user) -> bool:
    mobile = StaffMobile.objects.filter(user=user).first()
    if mobile is None:
        return False
    mobile.delete()
    _record(user, "removed", mobile.number)
    return True


@transaction.atomic
def set_sms_for_all_alerts(*, user, value: bool) -> None:
    if StaffMobile.objects.filter(user=user).exclude(sms_for_all_alerts=value).update(sms_for_all_alerts=value):
        _record(user, "texts for every alert" if value else "texts for urgent alerts only")


def enrol_verified(*, user, number: str, by=None) -> StaffMobile:
    """Give ``user`` a verified number without a code: for demo data and tests only; an
    administrator enrolling someone must not skip the code on a real site."""
    number = normalise(number)
    mobile, _ = StaffMobile.objects.update_or_create(
        user=user,
        defaults={"number": number, "number_index": number_index(number), "verified_at": timezone.now()},
    )
    _record(by or user, "verified without a code (demo)", number, staff=user.get_username())
    return mobile


# --- Replies from a phone ----------------------------------------------------------------


def find_sender(number: str) -> StaffMobile | None:
    """The verified mobile (of an active staff member) an inbound text came from."""
    try:
        index = number_index(normalise(number))
    except MobileError:
        return None
    return StaffMobile.objects.select_related("user").filter(number_index=index, user__is_active=True).first()


def stop(mobile: StaffMobile, *, how: str) -> None:
    """The person replied STOP (or the provider says they did): no more texts to them."""
    if StaffMobile.objects.filter(pk=mobile.pk, stopped_at=None).update(stopped_at=timezone.now()):
        _record(mobile.user, f"texts stopped {how}", mobile.number)


def resume(mobile: StaffMobile, *, how: str) -> None:
    if StaffMobile.objects.filter(pk=mobile.pk).exclude(stopped_at=None).update(stopped_at=None):
        _record(mobile.user, f"texts resumed {how}", mobile.number)


def textable_user_ids(user_ids) -> dict[int, bool]:
    """Of ``user_ids``, those alerts may be texted to now, each with whether they want a
    text for every alert (True) or for urgent ones only (False). One query."""
    rows = StaffMobile.objects.textable().filter(user_id__in=list(user_ids))
    return dict(rows.values_list("user_id", "sms_for_all_alerts"))
