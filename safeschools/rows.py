"""A row-value comparison, ``(a, b, c) < (x, y, z)``, as a query expression of our own.

Keyset pagination (``reports.triage.queue``) needs "rows after this one in the sort order".
Written as one row comparison, PostgreSQL starts its index scan at the cursor; spelled out
as ``a < x OR (a = x AND b < y) OR …`` it reads every row before the cursor first. Django's
own tuple lookups live in a private module (``django.db.models.fields.tuple_lookups``), so
this is built on the public expression API instead, and ``tests/safeschools/test_rows.py``
checks its answers against Python's tuple order on every database and its plan on
PostgreSQL. Both databases the project runs on (SQLite ≥ 3.15, PostgreSQL) compare row
values natively.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import BooleanField, Expression, F, Value
from django.db.models.sql.compiler import SQLCompiler

Sql = tuple[str, list[Any]]


class RowComparison(Expression):
    """``(columns…) < (values…)`` when ``before`` is true, ``>`` otherwise; usable in
    ``QuerySet.filter()``. Each value is sent as a parameter typed like its column, so dates
    and booleans reach the database in the column's own format."""

    conditional = True

    def __init__(self, columns: Sequence[str], values: Sequence[object], *, before: bool) -> None:
        if not columns or len(columns) != len(values):
            raise ValueError("a row comparison needs as many values as columns, and at least one")
        super().__init__(output_field=BooleanField())
        self.columns: list[Any] = [F(column) for column in columns]
        self.values: list[Any] = [Value(value) for value in values]
        self.operator = "<" if before else ">"

    def __repr__(self) -> str:
        return f"{self.__class__.__name__}({self.columns!r} {self.operator} {self.values!r})"

    def get_source_expressions(self) -> list[Any]:
        return [*self.columns, *self.values]

    def set_source_expressions(self, exprs: Sequence[Any]) -> None:
        count = len(self.columns)
        self.columns, self.values = list(exprs[:count]), list(exprs[count:])

    def resolve_expression(self, *args: Any, **kwargs: Any) -> RowComparison:
        resolved = super().resolve_expression(*args, **kwargs)
        # Type each value like its column (a datetime for a DateTimeField, …).
        resolved.values = [
            Value(value.value, output_field=column.output_field)
            for column, value in zip(resolved.columns, resolved.values, strict=True)
        ]
        return resolved

    def as_sql(self, compiler: SQLCompiler, connection: BaseDatabaseWrapper) -> Sql:  # type: ignore[override]
        if connection.vendor not in {"postgresql", "sqlite"}:
            raise NotImplementedError(f"row comparisons are not written for {connection.vendor}")
        left = [compiler.compile(column) for column in self.columns]
        right = [compiler.compile(value) for value in self.values]
        sql = "({}) {} ({})".format(
            ", ".join(part for part, _ in left), self.operator, ", ".join(part for part, _ in right)
        )
        return sql, [param for _, params in (*left, *right) for param in params]
