"""Migration operations for tables that are large in production.

PostgreSQL's ``CREATE INDEX`` locks a table against writes while it builds: on the tip and
routing tables at a million rows that is seconds of refused tips. From the collapsed
``0001_initial`` on, indexes on those tables are added with ``AddIndexConcurrently`` from
here, in a migration with ``atomic = False``; on SQLite (the local default, which has no
concurrent build) it adds the index the ordinary way. ``DropPatternCopiesConcurrently``
drops indexes Django made that nothing reads, the same way.
"""

from __future__ import annotations

from typing import Any

from django.contrib.postgres.operations import AddIndexConcurrently as PostgresAddIndexConcurrently
from django.contrib.postgres.operations import RemoveIndexConcurrently as PostgresRemoveIndexConcurrently
from django.db.migrations.operations import AddIndex, RemoveIndex
from django.db.migrations.operations.base import Operation


class AddIndexConcurrently(PostgresAddIndexConcurrently):
    def database_forwards(self, app_label, schema_editor, from_state, to_state) -> None:
        if schema_editor.connection.vendor == "postgresql":
            super().database_forwards(app_label, schema_editor, from_state, to_state)
        else:
            AddIndex.database_forwards(self, app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state) -> None:
        if schema_editor.connection.vendor == "postgresql":
            super().database_backwards(app_label, schema_editor, from_state, to_state)
        else:
            AddIndex.database_backwards(self, app_label, schema_editor, from_state, to_state)


class RemoveIndexConcurrently(PostgresRemoveIndexConcurrently):
    def database_forwards(self, app_label, schema_editor, from_state, to_state) -> None:
        if schema_editor.connection.vendor == "postgresql":
            super().database_forwards(app_label, schema_editor, from_state, to_state)
        else:
            RemoveIndex.database_forwards(self, app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state) -> None:
        if schema_editor.connection.vendor == "postgresql":
            super().database_backwards(app_label, schema_editor, from_state, to_state)
        else:
            RemoveIndex.database_backwards(self, app_label, schema_editor, from_state, to_state)


class DropPatternCopiesConcurrently(Operation):
    """Drop, on PostgreSQL and without locking out writers, the ``varchar_pattern_ops``
    copies Django adds beside the index of a unique or indexed ``CharField`` (for ``LIKE
    'abc%'``), for columns that are only ever compared whole. Django's state does not know
    these copies, so it is unchanged; SQLite has none. In a migration with ``atomic = False``.

    ``copies``: each copy's name (``schema_editor._create_index_name(table, [column],
    "_like")``) → what it indexes, ``"table (column varchar_pattern_ops)"``, to build it
    again when the migration is reversed."""

    reversible = True

    def __init__(self, copies: dict[str, str]) -> None:
        self.copies = copies

    def deconstruct(self) -> tuple[str, list[Any], dict[str, Any]]:
        return self.__class__.__qualname__, [self.copies], {}

    def state_forwards(self, app_label: str, state: Any) -> None:
        pass

    def database_forwards(self, app_label: str, schema_editor: Any, from_state: Any, to_state: Any) -> None:
        if schema_editor.connection.vendor == "postgresql":
            for name in self.copies:
                schema_editor.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {name}")

    def database_backwards(self, app_label: str, schema_editor: Any, from_state: Any, to_state: Any) -> None:
        if schema_editor.connection.vendor == "postgresql":
            for name, target in self.copies.items():
                schema_editor.execute(f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {name} ON {target}")

    def describe(self) -> str:
        return f"Drop the LIKE copies {', '.join(self.copies)}"
