"""manage.py rotate_encryption_keys: re-encrypt every encrypted value under the newest key
(SECURITY.md 26)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from django.apps import apps
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, models, transaction
from django.db.models.functions import Cast

from safeschools.crypto import DecryptionError, encrypted_fields, is_current, raw_token

# Attachment rows hold whole images (megabytes each): fewer of them per batch.
BINARY_BATCH_SIZE = 20


@dataclass
class ColumnCount:
    stale: int = 0
    current: int = 0


class Command(BaseCommand):
    help = (
        "Re-encrypt every encrypted field of every model under the newest key. Procedure: "
        "(1) generate a key (python -c 'from cryptography.fernet import Fernet; "
        "print(Fernet.generate_key().decode())') and put it FIRST in FIELD_ENCRYPTION_KEYS, "
        "keeping the old keys after it; deploy, so that new values are written under it; "
        "(2) run this command (--dry-run first shows what it would do); "
        "(3) only when it has finished without error, remove the old keys from "
        "FIELD_ENCRYPTION_KEYS. Values already under the newest key are left alone, so it is "
        "safe to run again. A value that no configured key opens stops the command with its "
        "model, field and primary key; nothing is skipped."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--dry-run", action="store_true", help="count what would be re-encrypted; change nothing")
        parser.add_argument("--batch-size", type=int, default=500, help="rows per transaction (default 500)")

    def handle(self, *args, dry_run: bool, batch_size: int, **options) -> None:
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1.")
        total = 0
        for model, field in _encrypted_columns():
            count = _rotate_column(model, field, batch_size=batch_size, dry_run=dry_run)
            total += count.stale
            verb = "to re-encrypt" if dry_run else "re-encrypted"
            self.stdout.write(
                f"{_label(model, field)}: {count.stale} {verb}, {count.current} already under the newest key"
            )
        if dry_run:
            self.stdout.write(f"Dry run: {total} value(s) would be re-encrypted; nothing was changed.")
        else:
            self.stdout.write(self.style.SUCCESS(f"Re-encrypted {total} value(s) under the newest key."))


def _encrypted_columns() -> Iterator[tuple[type[models.Model], models.Field]]:
    for model in sorted(apps.get_models(), key=lambda m: m._meta.label):
        for field in encrypted_fields(model):
            # Each column once: an inherited field belongs to its parent, a proxy to its
            # concrete model.
            if field.model is model:
                yield model, field


def _rotate_column(model, field, *, batch_size: int, dry_run: bool) -> ColumnCount:
    """Walk the column in primary-key order, one transaction per batch."""
    count = ColumnCount()
    size = min(batch_size, BINARY_BATCH_SIZE) if _is_binary(field) else batch_size
    after = None
    while True:
        with transaction.atomic():
            rows = _raw_batch(model, field, after=after, size=size, lock=not dry_run)
            for pk, stored in rows:
                # Empty text is stored as is, unencrypted: nothing to rotate.
                if stored is None or stored == "":
                    continue
                if _is_current(model, field, pk, stored):
                    count.current += 1
                    continue
                value = _decrypt(model, field, pk, stored)
                if not dry_run:
                    # update(), not save(): no signals, no auto_now, no other column; the
                    # field encrypts under the newest key on the way in.
                    model._base_manager.filter(pk=pk).update(**{field.attname: value})
                count.stale += 1
        if len(rows) < size:
            return count
        after = rows[-1][0]


def _raw_batch(model, field, *, after, size: int, lock: bool) -> list[tuple]:
    """(pk, stored value) as it sits in the column. The cast to the plain column type
    bypasses ``from_db_value``, which would decrypt. Locked, so that an edit made meanwhile
    is not overwritten with the value read here (SQLite locks the whole database instead)."""
    plain = models.BinaryField() if _is_binary(field) else models.TextField()
    rows = model._base_manager.order_by("pk")
    if after is not None:
        rows = rows.filter(pk__gt=after)
    if lock:
        rows = rows.select_for_update()
    return list(rows.values_list("pk", Cast(field.attname, output_field=plain))[:size])


def _is_current(model, field, pk, stored) -> bool:
    try:
        return is_current(raw_token(field, stored))
    except ValueError:  # text that is not base64: never written by the field
        raise _unreadable(model, field, pk, "not an encrypted value") from None


def _decrypt(model, field, pk, stored):
    """The value as loading the row would give it, whichever configured key wrote it."""
    try:
        return field.from_db_value(stored, None, connection)
    except DecryptionError as exc:
        raise _unreadable(model, field, pk, str(exc)) from None
    except ValueError:  # bad base64 or UTF-8; the error text could quote the value
        raise _unreadable(model, field, pk, "not an encrypted value") from None


def _unreadable(model, field, pk, reason: str) -> CommandError:
    # Fail closed: skipping the value would leave it under a key about to be removed.
    return CommandError(
        f"{_label(model, field)} pk={pk}: no configured key opens this value ({reason}). "
        "Add the key it was written with to FIELD_ENCRYPTION_KEYS, after the newest one, and "
        "run again; values re-encrypted so far stay re-encrypted."
    )


def _is_binary(field: models.Field) -> bool:
    return isinstance(field, models.BinaryField)


def _label(model, field: models.Field) -> str:
    return f"{model._meta.label}.{field.name}"
