"""Indexes on big tables are built without locking out writers (PostgreSQL's CREATE INDEX
CONCURRENTLY), and the same migration still runs on SQLite."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.db import connection, models
from django.db.migrations.state import ProjectState

from safeschools.migration_operations import AddIndexConcurrently

ROOT = Path(__file__).resolve().parents[2]


def _index_names() -> set[str]:
    with connection.cursor() as cursor:
        return set(connection.introspection.get_constraints(cursor, "reports_tip"))


@pytest.mark.django_db(transaction=True)
def test_add_index_concurrently_builds_and_drops_the_index_on_this_database():
    operation = AddIndexConcurrently("tip", models.Index(fields=["priority"], name="reports_tip_test_idx"))
    before = ProjectState.from_apps(__import__("django.apps").apps.apps)
    after = before.clone()
    operation.state_forwards("reports", after)

    with connection.schema_editor(atomic=False) as editor:
        operation.database_forwards("reports", editor, before, after)
    assert "reports_tip_test_idx" in _index_names()

    with connection.schema_editor(atomic=False) as editor:
        operation.database_backwards("reports", editor, after, before)
    assert "reports_tip_test_idx" not in _index_names()


def test_migrations_after_the_collapse_add_indexes_concurrently():
    offenders = []
    for path in ROOT.glob("*/migrations/0*.py"):
        if path.name == "0001_initial.py":
            continue
        text = path.read_text()
        if "migrations.AddIndex(" in text or "migrations.RemoveIndex(" in text:
            offenders.append(str(path.relative_to(ROOT)))
    assert offenders == [], "use safeschools.migration_operations.AddIndexConcurrently (atomic = False)"
