"""Receipts: the tipster's only key back to a tip (SECURITY.md 9-12).

A receipt is 16 symbols of Crockford base32 (80 bits), shown in four groups of four
(``7KQ2-M9XD-4HWB-T3NE``): short enough for a child to copy onto paper. Receipts issued
before 2026-11-29 are 25 symbols in five groups of five (125 bits) and keep working: both
lengths are accepted, and each is stored only as its HMAC, so the two can never collide.

The alphabet survives handwriting: no I, L, O or U, and input is forgiving. Case, spaces
and dashes do not matter; the letters people write for the digits they look like are read
as those digits (O → 0, I and L → 1), and U, which is not a symbol, is read as V (the two
are often written alike). Only ``HMAC-SHA256(RECEIPT_PEPPER, normalized receipt)`` is
ever stored.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from django.conf import settings

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford: no I, L, O, U
SYMBOLS = 16
GROUP = 4
BITS = SYMBOLS * 5
# Receipts issued before the short form: still opened, never issued again.
LEGACY_SYMBOLS = 25
LEGACY_GROUP = 5
_CONFUSABLE = str.maketrans({"O": "0", "I": "1", "L": "1", "U": "V"})
_SEPARATORS = str.maketrans("", "", " -_.\t\n\r")


def generate() -> str:
    symbols = "".join(secrets.choice(ALPHABET) for _ in range(SYMBOLS))
    return format_receipt(symbols)


def format_receipt(symbols: str) -> str:
    group = LEGACY_GROUP if len(symbols) == LEGACY_SYMBOLS else GROUP
    return "-".join(symbols[i : i + group] for i in range(0, len(symbols), group))


def normalize(text: str) -> str | None:
    """The canonical symbols of a typed receipt (16, or 25 for an old one), or None if it
    cannot be one."""
    cleaned = (text or "").upper().translate(_SEPARATORS).translate(_CONFUSABLE)
    if len(cleaned) not in (SYMBOLS, LEGACY_SYMBOLS) or any(ch not in ALPHABET for ch in cleaned):
        return None
    return cleaned


def receipt_hash(text: str) -> str | None:
    """HMAC of the normalized receipt under RECEIPT_PEPPER (hex), or None if malformed."""
    symbols = normalize(text)
    if symbols is None:
        return None
    return hmac.new(settings.RECEIPT_PEPPER.encode(), symbols.encode(), hashlib.sha256).hexdigest()
