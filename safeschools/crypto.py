"""Encryption at rest for tip content (SECURITY.md 26).

AES-256-GCM with a random 96-bit nonce, under the keys in ``settings.FIELD_ENCRYPTION_KEYS``
(newest first: the first key encrypts, every key decrypts). Fernet was the obvious choice
but writes the encryption time, to the second, in clear into every token; a tip's exact
submission time is something we deliberately do not keep.

Stored form: ``version (1 byte) | key id (4 bytes) | nonce (12 bytes) | ciphertext+tag``.
The associated data binds each value to its model and field, so a ciphertext copied into
another column does not decrypt. A wrong or missing key raises ``DecryptionError``; a value
is never handed back as ciphertext posing as text.
"""

from __future__ import annotations

import base64
import hashlib
import os
from functools import lru_cache

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.db import models

VERSION = b"\x01"
SERIALIZED_PREFIX = "aesgcm:"
HEADER = 1 + 4 + 12


class DecryptionError(Exception):
    """The value cannot be decrypted with any configured key."""


def _key_bytes(key: str) -> bytes:
    return base64.urlsafe_b64decode(key.encode())


def key_id(key: str) -> bytes:
    return hashlib.sha256(b"safeschools-key-id:" + _key_bytes(key)).digest()[:4]


@lru_cache(maxsize=8)
def _keyring(keys: tuple[str, ...]) -> tuple[bytes, dict[bytes, AESGCM]]:
    if not keys:
        raise DecryptionError("FIELD_ENCRYPTION_KEYS is empty")
    ring = {key_id(k): AESGCM(_key_bytes(k)) for k in keys}
    return key_id(keys[0]), ring


def keyring() -> tuple[bytes, dict[bytes, AESGCM]]:
    # Read at use time, so override_settings and key rotation take effect at once.
    return _keyring(tuple(settings.FIELD_ENCRYPTION_KEYS))


def encrypt(plaintext: bytes, *, context: str) -> bytes:
    primary, ring = keyring()
    nonce = os.urandom(12)
    return VERSION + primary + nonce + ring[primary].encrypt(nonce, plaintext, context.encode())


def decrypt(token: bytes, *, context: str) -> bytes:
    if len(token) < HEADER + 16 or token[:1] != VERSION:
        raise DecryptionError(f"{context}: not an encrypted value")
    _, ring = keyring()
    cipher = ring.get(token[1:5])
    if cipher is None:
        raise DecryptionError(f"{context}: encrypted under a key that is not configured")
    try:
        return cipher.decrypt(token[5:HEADER], token[HEADER:], context.encode())
    except InvalidTag:
        raise DecryptionError(f"{context}: the key does not open this value") from None


def is_current(token: bytes) -> bool:
    """Whether the value is encrypted under the newest key (used by key rotation)."""
    primary, _ = keyring()
    return token[1:5] == primary


class _EncryptedMixin:
    """Shared by the text and binary fields: encrypt on the way in, decrypt on the way out.

    Encrypted columns cannot be searched or compared in SQL; lookups other than ``isnull``
    are refused so that no query silently compares ciphertext.
    """

    def contribute_to_class(self, cls, name, *args, **kwargs):
        super().contribute_to_class(cls, name, *args, **kwargs)
        self.crypto_context = f"{cls._meta.label_lower}.{name}"

    def get_lookup(self, lookup_name):
        if lookup_name != "isnull":
            raise TypeError(f"{self.crypto_context} is encrypted and cannot be filtered with {lookup_name!r}")
        return super().get_lookup(lookup_name)

    # Serialization (dumpdata, loaddata): the value leaves the process encrypted, so a
    # fixture or backup made with dumpdata never holds tip text in clear.
    def value_to_string(self, obj) -> str:
        value = self.value_from_object(obj)
        if value is None or value == "":
            return value
        plaintext = value.encode("utf-8") if isinstance(value, str) else bytes(value)
        return SERIALIZED_PREFIX + base64.b64encode(encrypt(plaintext, context=self.crypto_context)).decode("ascii")

    def _from_serialized(self, value: str) -> bytes:
        return decrypt(base64.b64decode(value[len(SERIALIZED_PREFIX) :]), context=self.crypto_context)


class EncryptedTextField(_EncryptedMixin, models.TextField):
    """Text stored as base64 of the AES-GCM token. Empty text is stored as empty text."""

    def to_python(self, value):
        if isinstance(value, str) and value.startswith(SERIALIZED_PREFIX):
            return self._from_serialized(value).decode("utf-8")
        return super().to_python(value)

    def from_db_value(self, value, expression, connection):
        if value is None or value == "":
            return value
        return decrypt(base64.b64decode(value), context=self.crypto_context).decode("utf-8")

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if value is None or value == "":
            return value
        return base64.b64encode(encrypt(value.encode("utf-8"), context=self.crypto_context)).decode("ascii")


class EncryptedBinaryField(_EncryptedMixin, models.BinaryField):
    """Bytes (image pixels, re-encoded) stored as the raw AES-GCM token."""

    def to_python(self, value):
        if isinstance(value, str) and value.startswith(SERIALIZED_PREFIX):
            return self._from_serialized(value)
        return super().to_python(value)

    def from_db_value(self, value, expression, connection):
        if value is None:
            return value
        return decrypt(bytes(value), context=self.crypto_context)

    def get_db_prep_value(self, value, connection, prepared=False):
        if value is not None:
            value = encrypt(bytes(value), context=self.crypto_context)
        return super().get_db_prep_value(value, connection, prepared)


def encrypted_fields(model) -> list[models.Field]:
    return [f for f in model._meta.concrete_fields if isinstance(f, _EncryptedMixin)]


def raw_token(field: models.Field, stored) -> bytes:
    """The token as it sits in the database column (for rotation and dump tests)."""
    if isinstance(field, EncryptedTextField):
        return base64.b64decode(stored)
    return bytes(stored)
