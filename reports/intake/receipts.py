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
import unicodedata

from django.conf import settings

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford: no I, L, O, U
SYMBOLS = 16
GROUP = 4
BITS = SYMBOLS * 5
# Receipts issued before the short form: still opened, never issued again.
LEGACY_SYMBOLS = 25
LEGACY_GROUP = 5
_CONFUSABLE = str.maketrans({"O": "0", "I": "1", "L": "1", "U": "V"})
# What may stand between the groups once a receipt has been written down, copied or pasted:
# any space (a no-break space from a notes app too), dots, underscores and every dash a
# phone's keyboard or autocorrect may put for ours ("Capitals and dashes do not matter").
_SEPARATORS = str.maketrans("", "", "_.-\u2010\u2011\u2012\u2013\u2014\u2015\u2212")


def generate() -> str:
    symbols = "".join(secrets.choice(ALPHABET) for _ in range(SYMBOLS))
    return format_receipt(symbols)


def format_receipt(symbols: str) -> str:
    group = LEGACY_GROUP if len(symbols) == LEGACY_SYMBOLS else GROUP
    return "-".join(symbols[i : i + group] for i in range(0, len(symbols), group))


def normalize(text: str) -> str | None:
    """The canonical symbols of a typed receipt (16, or 25 for an old one), or None if it
    cannot be one."""
    # NFKC first: full-width letters, digits and dashes become plain ones.
    plain = "".join(unicodedata.normalize("NFKC", text or "").split())
    cleaned = plain.upper().translate(_SEPARATORS).translate(_CONFUSABLE)
    if len(cleaned) not in (SYMBOLS, LEGACY_SYMBOLS) or any(ch not in ALPHABET for ch in cleaned):
        return None
    return cleaned


def receipt_hash(text: str) -> str | None:
    """HMAC of the normalized receipt under RECEIPT_PEPPER (hex), or None if malformed."""
    symbols = normalize(text)
    if symbols is None:
        return None
    return hmac.new(settings.RECEIPT_PEPPER.encode(), symbols.encode(), hashlib.sha256).hexdigest()
