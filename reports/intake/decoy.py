"""Decoy codes (SECURITY.md 46), for a student who may be forced to show their reports.

On the receipt page the student may also take a decoy code. Entered where a receipt is
entered, it opens a harmless, ordinary-looking conversation instead of the real one, and
quietly adds "decoy code used" to the real tip's timeline, so staff know the student may
be under pressure.

Nothing tells a decoy from a receipt:

- Format: 16 Crockford symbols in four groups of four, like a receipt; derived from the
  receipt under ``RECEIPT_PEPPER`` (so taking it twice gives the same code) and stored, like
  a receipt, only as its HMAC (``DecoyCode``).
- Timing: opening a code does the same work whichever it is (``open_with``): one HMAC, the
  same two indexed lookups (receipts and decoys), one audit event (the real one records
  "the tipster opened the report", the decoy "decoy code used"), the same session work and
  the same redirect. tests/reports/test_decoy.py measures it over 200 samples of each.
- Layout: the decoy conversation is rendered by the same template from the same shapes
  as a real one (``reports.intake.follow_up``): a status, messages, the reply form. Its
  story is one of a few harmless reports, chosen by the code, that evolves as a real one
  would: received at first, then a short staff answer and "closed" a day later. What is
  written in it is kept only in the browser's session, and nowhere else.

Taking a decoy code answers the same for a receipt that opens nothing (its code then
opens nothing either), so it cannot be used to test receipts.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from reports.intake import receipts
from reports.intake.follow_up import FINISHED, RECEIVED, Entry, Status
from reports.models import DecoyCode, Tip, this_hour
from safeschools import audit
from safeschools.models import AuditEvent

# Harmless reports a decoy conversation may tell: what the student wrote, and the answer.
STORIES = [
    (
        _("The light in the back parking lot has been out for a week. It is really dark after practice."),
        _("Thank you for telling us. The district's maintenance team has replaced the light."),
    ),
    (
        _("The lock on a stall door in the second-floor bathroom is broken."),
        _("Thanks for letting us know. The lock has been repaired."),
    ),
    (
        _("There is broken glass on the path between the bus loop and the side door."),
        _("Thank you. The custodians cleaned it up the same day."),
    ),
    (
        _("The crosswalk sign by the main entrance was knocked over."),
        _("Thanks for reporting it. The sign is back up."),
    ),
]
# A decoy's story gets its answer this long after the real report arrived.
ANSWERED_AFTER = timedelta(hours=20)


@dataclass(frozen=True)
class Opened:
    """What a code opened: a real tip, or the decoy conversation of one."""

    tip_id: int | None = None
    decoy_id: int | None = None


def code_for(symbols: str) -> str:
    """The decoy code of a receipt (its normalized symbols): 16 symbols, like a receipt."""
    digest = hmac.new(settings.RECEIPT_PEPPER.encode(), f"decoy|{symbols}".encode(), hashlib.sha256).digest()
    crockford = base64.b32encode(digest).decode().translate(_RFC4648_TO_CROCKFORD)
    return receipts.format_receipt(crockford[: receipts.SYMBOLS])


_RFC4648_TO_CROCKFORD = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", receipts.ALPHABET)


@transaction.atomic
def take(receipt: str) -> str | None:
    """The decoy code for ``receipt`` (the same every time), or None if the text is not
    shaped like a receipt."""
    symbols = receipts.normalize(receipt)
    if symbols is None:
        return None
    code = code_for(symbols)
    tip_id = Tip.objects.filter(receipt_hash=receipts.receipt_hash(symbols)).values_list("pk", flat=True).first()
    code_hash = receipts.receipt_hash(code)
    if tip_id is not None and code_hash is not None:
        DecoyCode.objects.get_or_create(tip_id=tip_id, defaults={"code_hash": code_hash})
    return code


@dataclass
class _Reference:
    """A tip as the audit log names it (``audit.Referenced``), without loading the tip."""

    pk: Any
    reference: str


def open_with(code: str) -> Opened | None:
    """Open a receipt or a decoy code, with the same work for either (see above): both
    lookups always run and read the same columns, and each outcome writes one event."""
    digest = receipts.receipt_hash(code)
    if digest is None:
        return None
    tip = Tip.objects.filter(receipt_hash=digest).values_list("pk", "reference").first()
    decoy = DecoyCode.objects.filter(code_hash=digest).values_list("pk", "tip_id", "tip__reference").first()
    if tip is not None:
        audit.record(AuditEvent.Action.TIPSTER_OPENED, tip=_Reference(*tip), at=this_hour())
        return Opened(tip_id=tip[0])
    if decoy is not None:
        audit.record(AuditEvent.Action.DECOY_USED, tip=_Reference(*decoy[1:]), at=this_hour())
        return Opened(decoy_id=decoy[0])
    return None


@dataclass(frozen=True)
class Conversation:
    status: Status
    entries: list[Entry]
    check_soon: bool = False


def conversation(
    decoy_id: int, *, written: Sequence[tuple[str, str]] = (), now: datetime | None = None
) -> Conversation:
    """The harmless conversation a decoy code opens. ``written``: what was written in it
    during this session (text, ISO time), kept only in the session."""
    now = now or timezone.now()
    decoy = DecoyCode.objects.select_related("tip").only("pk", "code_hash", "tip__received_at").get(pk=decoy_id)
    asked, answer = STORIES[int(decoy.code_hash[:8], 16) % len(STORIES)]
    arrived = decoy.tip.received_at
    entries = [Entry(from_staff=False, body=str(asked), at=arrived)]
    answered = now - arrived >= ANSWERED_AFTER
    if answered:
        entries.append(Entry(from_staff=True, body=str(answer), at=arrived + ANSWERED_AFTER))
    entries += [Entry(from_staff=False, body=text, at=datetime.fromisoformat(at)) for text, at in written]
    label, explanation = FINISHED if answered else RECEIVED
    return Conversation(Status(str(label), str(explanation), finished=answered), entries)
