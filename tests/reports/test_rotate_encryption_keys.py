"""SECURITY.md 26: a command re-encrypts everything under a new key, after which the old key
can go; a value no configured key opens stops it, naming the row."""

from __future__ import annotations

from io import StringIO

import pytest
from cryptography.fernet import Fernet
from django.apps import apps
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from reports.intake.services import CleanImage, add_tipster_message
from reports.models import Attachment, Message, Note, Tip
from safeschools.crypto import encrypted_fields, key_id, raw_token

OLD = Fernet.generate_key().decode()
NEW = Fernet.generate_key().decode()
LOST = Fernet.generate_key().decode()

DESCRIPTION = "A boy in 10th grade brought a gun in his backpack."
PHOTO = b"\xff\xd8re-encoded pixels of a photo\xff\xd9"
SCREENSHOT = b"\x89PNG re-encoded pixels of a screenshot"


def rotate(*args: str) -> str:
    out = StringIO()
    call_command("rotate_encryption_keys", *args, stdout=out)
    return out.getvalue()


def stored_tokens() -> dict[tuple[str, str, object], bytes]:
    """Every non-empty encrypted value of every model, read straight from the tables."""
    quote = connection.ops.quote_name
    tokens = {}
    for model in apps.get_models():
        for field in encrypted_fields(model):
            sql = f"SELECT {quote(model._meta.pk.column)}, {quote(field.column)} FROM {quote(model._meta.db_table)}"  # noqa: S608 -- names from the models, quoted
            with connection.cursor() as cursor:
                cursor.execute(sql)
                for pk, stored in cursor.fetchall():
                    if stored is not None and stored != "":
                        tokens[(model._meta.label, field.name, pk)] = raw_token(field, stored)
    return tokens


def key_ids(tokens: dict) -> set[bytes]:
    return {token[1:5] for token in tokens.values()}


@pytest.fixture
def tip_under_old_key(settings, make_tip, clayton_high) -> Tip:
    """A tip with every kind of encrypted value (text and images, on four models), all
    written under OLD."""
    settings.FIELD_ENCRYPTION_KEYS = [OLD]
    photo = CleanImage(content=PHOTO, content_type="image/jpeg", width=4, height=3)
    tip = make_tip(
        school=clayton_high,
        description=DESCRIPTION,
        location="Locker 112",
        people_involved="Sam",
        contact_details="",
        images=[photo],
    ).tip
    screenshot = CleanImage(content=SCREENSHOT, content_type="image/png", width=2, height=2)
    add_tipster_message(tip=tip, body="He showed it at lunch.", images=[screenshot])
    Note.objects.create(tip=tip, body="Called the SRO.")
    return tip


@pytest.mark.django_db
def test_rotation_puts_every_value_under_the_new_key(settings, tip_under_old_key):
    before = stored_tokens()
    assert key_ids(before) == {key_id(OLD)}
    assert {(label, name) for label, name, _ in before} >= {
        ("reports.Tip", "description"),
        ("reports.Tip", "location"),
        ("reports.Tip", "people_involved"),
        ("reports.Message", "body"),
        ("reports.Note", "body"),
        ("reports.Attachment", "content"),
    }
    updated_at = Tip.objects.get().updated_at
    settings.FIELD_ENCRYPTION_KEYS = [NEW, OLD]

    output = rotate()

    after = stored_tokens()
    assert after.keys() == before.keys()
    assert key_ids(after) == {key_id(NEW)}
    assert "reports.Tip.description: 1 re-encrypted, 0 already under the newest key" in output
    assert "reports.Attachment.content: 2 re-encrypted" in output
    assert f"Re-encrypted {len(before)} value(s)" in output
    assert Tip.objects.get().contact_details == ""  # empty stays empty, unencrypted
    assert Tip.objects.get().updated_at == updated_at  # not an edit of the tip


@pytest.mark.django_db
def test_after_rotation_the_old_key_can_be_removed(settings, tip_under_old_key):
    settings.FIELD_ENCRYPTION_KEYS = [NEW, OLD]
    rotate()

    settings.FIELD_ENCRYPTION_KEYS = [NEW]

    tip = Tip.objects.get()
    assert tip.description == DESCRIPTION
    assert (tip.location, tip.people_involved) == ("Locker 112", "Sam")
    assert Message.objects.get().body == "He showed it at lunch."
    assert Note.objects.get().body == "Called the SRO."
    assert sorted(bytes(a.content) for a in Attachment.objects.all()) == sorted([PHOTO, SCREENSHOT])


@pytest.mark.django_db
def test_second_run_re_encrypts_nothing(settings, tip_under_old_key):
    settings.FIELD_ENCRYPTION_KEYS = [NEW, OLD]
    rotate()
    first = stored_tokens()

    output = rotate()

    assert stored_tokens() == first  # not even a fresh nonce
    assert "Re-encrypted 0 value(s)" in output
    assert "reports.Tip.description: 0 re-encrypted, 1 already under the newest key" in output


@pytest.mark.django_db
def test_dry_run_counts_and_changes_nothing(settings, tip_under_old_key):
    before = stored_tokens()
    settings.FIELD_ENCRYPTION_KEYS = [NEW, OLD]

    output = rotate("--dry-run")

    assert stored_tokens() == before
    assert "reports.Attachment.content: 2 to re-encrypt" in output
    assert f"Dry run: {len(before)} value(s) would be re-encrypted; nothing was changed." in output


@pytest.mark.django_db
def test_small_batches_cover_every_row(settings, make_tip):
    settings.FIELD_ENCRYPTION_KEYS = [OLD]
    for number in range(5):
        make_tip(description=f"tip {number}")
    settings.FIELD_ENCRYPTION_KEYS = [NEW, OLD]

    output = rotate("--batch-size", "2")

    assert "reports.Tip.description: 5 re-encrypted" in output
    assert key_ids(stored_tokens()) == {key_id(NEW)}


@pytest.mark.django_db
def test_value_under_a_key_no_longer_configured_stops_the_command(settings, tip_under_old_key):
    settings.FIELD_ENCRYPTION_KEYS = [LOST]
    Tip.objects.filter(pk=tip_under_old_key.pk).update(people_involved="Sam and Alex")
    settings.FIELD_ENCRYPTION_KEYS = [NEW, OLD]

    with pytest.raises(CommandError) as stopped:
        rotate()

    message = str(stopped.value)
    assert f"reports.Tip.people_involved pk={tip_under_old_key.pk}" in message
    assert "no configured key opens this value" in message
    # The value was not skipped: it is still there, under the key it was written with.
    assert stored_tokens()[("reports.Tip", "people_involved", tip_under_old_key.pk)][1:5] == key_id(LOST)


@pytest.mark.django_db
def test_old_key_removed_too_early_stops_the_command(settings, tip_under_old_key):
    settings.FIELD_ENCRYPTION_KEYS = [NEW]

    with pytest.raises(CommandError, match=r"reports\.Attachment\.content pk=\d+: no configured key"):
        rotate("--dry-run")


@pytest.mark.django_db
def test_plain_text_in_an_encrypted_column_stops_the_command(settings, tip_under_old_key):
    with connection.cursor() as cursor:
        cursor.execute("UPDATE reports_note SET body = %s", ["written around the ORM"])
    settings.FIELD_ENCRYPTION_KEYS = [NEW, OLD]

    with pytest.raises(CommandError, match=r"reports\.Note\.body pk=\d+: .*not an encrypted value"):
        rotate()


def test_help_explains_the_procedure():
    from reports.management.commands.rotate_encryption_keys import Command

    assert "FIRST in FIELD_ENCRYPTION_KEYS" in Command.help
    assert "remove the old keys" in Command.help
