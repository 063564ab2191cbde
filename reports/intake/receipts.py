"""Receipts: the tipster's only key back to a tip (SECURITY.md 9-12).

A receipt is 25 symbols of Crockford base32 from ``secrets`` (125 bits), shown in five
groups of five. Input is forgiving: case, spaces and dashes do not matter, and the letters
people confuse with digits (O, I, L) are read as 0 and 1. Only
``HMAC-SHA256(RECEIPT_PEPPER, normalized receipt)`` is ever stored.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from django.conf import settings

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford: no I, L, O, U
SYMBOLS = 25
GROUP = 5
BITS = SYMBOLS * 5
_CONFUSABLE = str.maketrans({"O": "0", "I": "1", "L": "1"})
_SEPARATORS = str.maketrans("", "", " -_.\t\n\r")


def generate() -> str:
    symbols = "".join(secrets.choice(ALPHABET) for _ in range(SYMBOLS))
    return format_receipt(symbols)


def format_receipt(symbols: str) -> str:
    return "-".join(symbols[i : i + GROUP] for i in range(0, len(symbols), GROUP))


def normalize(text: str) -> str | None:
    """The canonical symbols of a typed receipt, or None if it cannot be one."""
    cleaned = (text or "").upper().translate(_SEPARATORS).translate(_CONFUSABLE)
    if len(cleaned) != SYMBOLS or any(ch not in ALPHABET for ch in cleaned):
        return None
    return cleaned


def receipt_hash(text: str) -> str | None:
    """HMAC of the normalized receipt under RECEIPT_PEPPER (hex), or None if malformed."""
    symbols = normalize(text)
    if symbols is None:
        return None
    return hmac.new(settings.RECEIPT_PEPPER.encode(), symbols.encode(), hashlib.sha256).hexdigest()
