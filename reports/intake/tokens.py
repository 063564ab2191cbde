"""The signed token in every tip form.

It proves the form came from us, says when it was shown (too fast → a robot; too old → a
fresh token, the text kept), and makes a submission idempotent: the receipt is derived from
the token, so a double click or a replayed POST shows the same receipt for the one tip.

The derivation uses ``RECEIPT_PEPPER`` and the token's random nonce, which is stored
nowhere (only a SHA-256 of the whole token is kept, to recognise a replay).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass
from enum import Enum

from django.conf import settings
from django.core import signing

from reports.intake import receipts

SALT = "reports.tip-form-token"


class TokenProblem(Enum):
    INVALID = "invalid"
    TOO_FAST = "too_fast"
    EXPIRED = "expired"


@dataclass(frozen=True)
class FormToken:
    value: str
    nonce: str
    issued_at: int

    @property
    def receipt(self) -> str:
        digest = hmac.new(settings.RECEIPT_PEPPER.encode(), f"receipt|{self.nonce}".encode(), hashlib.sha256).digest()
        symbols = base64.b32encode(digest).decode().translate(_RFC4648_TO_CROCKFORD)[: receipts.SYMBOLS]
        return receipts.format_receipt(symbols)


# Map RFC 4648 base32 symbols onto Crockford's alphabet (a bijection on 32 symbols), so the
# derived receipt keeps every bit of entropy.
_RFC4648_TO_CROCKFORD = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", receipts.ALPHABET)


def issue() -> str:
    payload = {"n": secrets.token_urlsafe(16), "t": int(time.time())}
    return signing.dumps(payload, salt=SALT, compress=False)


def check(value: str) -> FormToken | TokenProblem:
    try:
        payload = signing.loads(value or "", salt=SALT)
        nonce, issued_at = str(payload["n"]), int(payload["t"])
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        return TokenProblem.INVALID
    age = time.time() - issued_at
    if age < settings.TIP_FORM_MIN_SECONDS:
        return TokenProblem.TOO_FAST
    if age > settings.TIP_FORM_MAX_AGE_SECONDS:
        return TokenProblem.EXPIRED
    return FormToken(value=value, nonce=nonce, issued_at=issued_at)
