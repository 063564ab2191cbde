"""SECURITY.md 27: the audit log is append-only in the database itself, on SQLite as on
PostgreSQL: the ORM's bulk update and delete, raw SQL and (on PostgreSQL) TRUNCATE are all
refused."""

import pytest
from django.core.management.color import no_style
from django.db import DatabaseError, connection, transaction

from safeschools import audit
from safeschools.models import AuditEvent


@pytest.fixture
def event(db) -> AuditEvent:
    return audit.record(AuditEvent.Action.EXPORT, rows=3)


def _refused(statement: str, params: list) -> None:
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(statement, params)


def test_model_save_and_delete_are_refused(event):
    event.action = AuditEvent.Action.TIP_VIEWED
    with pytest.raises(PermissionError):
        event.save()
    with pytest.raises(PermissionError):
        event.delete()


def test_queryset_update_and_delete_are_refused(event):
    with pytest.raises(PermissionError):
        AuditEvent.objects.filter(pk=event.pk).update(actor_label="someone else")
    with pytest.raises(PermissionError):
        AuditEvent.objects.filter(pk=event.pk).delete()


def test_raw_sql_update_is_refused_by_the_database(event):
    _refused("UPDATE safeschools_auditevent SET actor_label = %s WHERE id = %s", ["forged", event.pk])
    assert AuditEvent.objects.get(pk=event.pk).actor_label == ""


def test_raw_sql_delete_is_refused_by_the_database(event):
    _refused("DELETE FROM safeschools_auditevent WHERE id = %s", [event.pk])
    _refused("DELETE FROM safeschools_auditevent WHERE id > %s", [0])
    assert AuditEvent.objects.filter(pk=event.pk).exists()


def test_the_bulk_escape_hatches_of_the_orm_are_refused_by_the_database(event):
    """``_update`` and ``_raw_delete`` skip the queryset's guard: the database still says no."""
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk)._update([(AuditEvent._meta.get_field("actor_label"), None, "forged")])
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk)._raw_delete(connection.alias)
    assert AuditEvent.objects.get(pk=event.pk).actor_label == ""


@pytest.mark.postgres
def test_truncate_is_refused_by_the_database(event):
    _refused("TRUNCATE safeschools_auditevent", [])
    _refused("TRUNCATE reports_tipword, safeschools_auditevent RESTART IDENTITY", [])
    assert AuditEvent.objects.filter(pk=event.pk).exists()


def test_the_suites_flush_empties_the_log_and_leaves_the_rule_in_place(event):
    """tests/conftest.py lifts the triggers around a flush (DELETE on SQLite, TRUNCATE on
    PostgreSQL) and puts them back in the same transaction."""
    connection.ops.execute_sql_flush(connection.ops.sql_flush(no_style(), [AuditEvent._meta.db_table]))
    assert not AuditEvent.objects.exists()
    kept = audit.record(AuditEvent.Action.EXPORT, rows=2)
    _refused("DELETE FROM safeschools_auditevent WHERE id = %s", [kept.pk])
    if connection.vendor == "postgresql":
        _refused("TRUNCATE safeschools_auditevent", [])
    assert AuditEvent.objects.filter(pk=kept.pk).exists()


def test_appending_still_works(event):
    audit.record(AuditEvent.Action.EXPORT, rows=1)
    assert AuditEvent.objects.count() == 2


@pytest.mark.django_db(transaction=True)
def test_a_transactional_test_can_still_be_flushed_and_the_rule_holds_after():
    """The suite lifts the triggers for its own flush only (tests/conftest.py)."""
    event = audit.record(AuditEvent.Action.EXPORT, rows=1)
    _refused("DELETE FROM safeschools_auditevent WHERE id = %s", [event.pk])
