"""safeschools.rows.RowComparison: the keyset cursor's ``(a, b, c, id) < (…)``, built on
Django's public expression API. Its answers must equal Python's tuple order on every
database, and on PostgreSQL the comparison must start the index scan (the reason it is a
row comparison at all)."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection

from reports.models import Tip
from safeschools.rows import RowComparison

COLUMNS = ["awaiting_acknowledgement", "is_life_safety", "received_at", "id"]
BASE = datetime(2026, 11, 2, 9, tzinfo=UTC)


@pytest.fixture
def varied_tips(make_tip):
    """Eight tips covering every pair of booleans, with ties on the hour."""
    tips = []
    for awaiting, life_safety, hours in itertools.product([True, False], [True, False], [0, 3]):
        tip = make_tip().tip
        Tip.objects.filter(pk=tip.pk).update(
            awaiting_acknowledgement=awaiting, is_life_safety=life_safety, received_at=BASE + timedelta(hours=hours)
        )
        tips.append(Tip.objects.get(pk=tip.pk))
    make_tip()  # a ninth: same hour as nobody above, left as submitted
    return list(Tip.objects.all())


def key(tip: Tip) -> tuple:
    return tuple(getattr(tip, column) for column in COLUMNS)


@pytest.mark.django_db
@pytest.mark.parametrize("before", [True, False])
def test_answers_match_python_tuple_order(varied_tips, before):
    for cursor in varied_tips:
        expected = {t.pk for t in varied_tips if (key(t) < key(cursor) if before else key(t) > key(cursor))}
        found = set(Tip.objects.filter(RowComparison(COLUMNS, key(cursor), before=before)).values_list("pk", flat=True))
        assert found == expected, (cursor.pk, before)


@pytest.mark.django_db
def test_one_column_and_combined_with_other_filters(varied_tips):
    middle = sorted(varied_tips, key=lambda t: t.pk)[4]
    assert set(Tip.objects.filter(RowComparison(["id"], [middle.pk], before=True)).values_list("pk", flat=True)) == {
        t.pk for t in varied_tips if t.pk < middle.pk
    }
    combined = Tip.objects.filter(RowComparison(["id"], [middle.pk], before=False), is_life_safety=True)
    assert set(combined.values_list("pk", flat=True)) == {
        t.pk for t in varied_tips if t.pk > middle.pk and t.is_life_safety
    }


def test_columns_and_values_must_pair_up():
    with pytest.raises(ValueError, match="as many values as columns"):
        RowComparison(["id", "received_at"], [1], before=True)
    with pytest.raises(ValueError):
        RowComparison([], [], before=True)


@pytest.mark.django_db
def test_sql_is_one_row_comparison_with_parameters(varied_tips):
    sql, params = Tip.objects.filter(
        RowComparison(["received_at", "id"], [BASE, 5], before=True)
    ).query.sql_with_params()
    assert '("reports_tip"."received_at", "reports_tip"."id") < (%s, %s)' in sql
    assert " OR " not in sql
    assert 5 in params


@pytest.mark.postgres
@pytest.mark.django_db
def test_postgresql_starts_the_index_scan_at_the_cursor(categories):
    """A few thousand tips: every queue ordering's cursor is an Index Cond of its index,
    not a filter applied to rows read from the start."""
    from reports.triage import queue

    category = categories["bullying"]
    Tip.objects.bulk_create(
        [
            Tip(
                reference=f"T-ROW{n:05d}",
                receipt_hash=f"{n:064d}",
                category=category,
                description="x",
                received_at=BASE - timedelta(hours=n % 500),
                is_life_safety=n % 7 == 0,
                awaiting_acknowledgement=n % 11 == 0,
                priority=1 + n % 4,
            )
            for n in range(4000)
        ],
        batch_size=1000,
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE reports_tip")
    cursor_tip = Tip.objects.order_by("id")[2000]
    for name, ordering in queue.ORDERINGS.items():
        values = [getattr(cursor_tip, field) for field, _ in ordering]
        tips = Tip.objects.filter(queue._after(ordering, values)).order_by(*queue._order_by(ordering))[:50]
        plan = tips.explain()
        assert "Index Cond: (ROW(" in plan, f"{name}:\n{plan}"
        assert "Seq Scan" not in plan and "Sort" not in plan, f"{name}:\n{plan}"
