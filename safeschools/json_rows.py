"""A few rows of another table read as one JSON column of the row a page already reads.

``json_rows(queryset, name=F("name"), …)`` is a subquery that gives the rows of
``queryset`` as a JSON array of objects (``[{"name": …}, …]``), to annotate onto a query the
page makes anyway: a panel that shows a handful of rows then costs no query of its own.
PostgreSQL builds the array with ``JSONB_AGG``, SQLite with ``JSON_GROUP_ARRAY``; the order
of the elements is not promised (sort them in Python), and a datetime arrives as the text
the database writes (``parse_datetime`` reads both).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from django.db.models import Func, JSONField, QuerySet, Subquery
from django.db.models.functions import JSONObject
from django.utils import timezone
from django.utils.dateparse import parse_datetime


class _JSONArrayOf(Func):
    """The rows' objects gathered into one array. A ``Func``, not an ``Aggregate``, so the
    subquery has no GROUP BY: one row, the array (NULL on PostgreSQL when there is none)."""

    function = "JSONB_AGG"
    output_field = JSONField()

    def as_sqlite(self, compiler: Any, connection: Any, **extra_context: Any) -> tuple[str, Any]:
        return super().as_sql(compiler, connection, function="JSON_GROUP_ARRAY", **extra_context)


def json_rows(queryset: QuerySet[Any], **fields: Any) -> Subquery:
    """The rows of ``queryset`` (which may refer to the outer query with ``OuterRef``) as
    one JSON array of objects with ``fields`` (name → expression)."""
    return Subquery(queryset.order_by().values(rows=_JSONArrayOf(JSONObject(**fields))), output_field=JSONField())


def rows_of(value: Any) -> list[dict[str, Any]]:
    """The list a ``json_rows`` annotation holds: an empty list for none."""
    return list(value or [])


def json_datetime(value: str | None) -> datetime | None:
    """A datetime written into JSON by either database (UTC), as an aware datetime."""
    if not value:
        return None
    parsed = parse_datetime(value)
    if parsed is None:
        return None
    return parsed if timezone.is_aware(parsed) else timezone.make_aware(parsed, UTC)
