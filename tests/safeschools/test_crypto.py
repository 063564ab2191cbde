"""SECURITY.md 26: tip content is encrypted at rest; a wrong key raises."""

import base64

import pytest
from cryptography.fernet import Fernet
from django.db import connection

from reports.models import Tip
from safeschools.crypto import DecryptionError, decrypt, encrypt, is_current

MARKER = "marker-" + "crypto-7731"


def test_round_trip_and_context_binding(settings):
    token = encrypt(b"hello", context="reports.tip.description")
    assert decrypt(token, context="reports.tip.description") == b"hello"
    with pytest.raises(DecryptionError):
        decrypt(token, context="reports.tip.location")


def test_two_encryptions_differ_and_carry_no_timestamp():
    first = encrypt(b"same", context="c")
    second = encrypt(b"same", context="c")
    assert first != second
    assert len(first) == 1 + 4 + 12 + len(b"same") + 16


def test_wrong_key_raises_instead_of_returning_ciphertext(settings):
    token = encrypt(b"secret", context="c")
    settings.FIELD_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    with pytest.raises(DecryptionError, match="not configured"):
        decrypt(token, context="c")


def test_old_key_still_decrypts_after_rotation(settings):
    old = settings.FIELD_ENCRYPTION_KEYS[0]
    token = encrypt(b"kept", context="c")
    settings.FIELD_ENCRYPTION_KEYS = [Fernet.generate_key().decode(), old]
    assert decrypt(token, context="c") == b"kept"
    assert not is_current(token)
    assert is_current(encrypt(b"new", context="c"))


def test_tampered_value_raises():
    token = bytearray(encrypt(b"value", context="c"))
    token[-1] ^= 1
    with pytest.raises(DecryptionError):
        decrypt(bytes(token), context="c")


@pytest.mark.django_db
def test_tip_text_is_not_in_the_database_in_clear(make_tip):
    tip = make_tip(description=f"There is a gun in locker 12 {MARKER}", location=MARKER, people_involved=MARKER).tip
    with connection.cursor() as cursor:
        cursor.execute("SELECT description, location, people_involved FROM reports_tip WHERE id = %s", [tip.pk])
        row = cursor.fetchone()
    for column in row:
        assert MARKER not in column
        assert MARKER.encode() not in base64.b64decode(column)
    assert Tip.objects.get(pk=tip.pk).description.endswith(MARKER)


@pytest.mark.django_db
def test_encrypted_fields_refuse_sql_comparison(make_tip):
    with pytest.raises(TypeError, match="encrypted"):
        list(Tip.objects.filter(description__icontains="gun"))


@pytest.mark.django_db
def test_dumpdata_holds_ciphertext_and_loaddata_restores_it(make_tip, tmp_path):
    from django.core.management import call_command

    tip = make_tip(description=f"Knife {MARKER}").tip
    fixture = tmp_path / "tips.json"
    call_command("dumpdata", "reports.tip", "reports.routing", output=str(fixture))
    assert MARKER not in fixture.read_text()
    Tip.objects.all().delete()
    call_command("loaddata", str(fixture))
    assert Tip.objects.get(pk=tip.pk).description == f"Knife {MARKER}"
