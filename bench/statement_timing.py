"""Each SQL statement's time, for the in-process timing scripts (``page_timing.py``,
``request_timing.py``)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any


@contextmanager
def timed_statements(connection: Any) -> Iterator[list[tuple[float, str]]]:
    """The (seconds, SQL) of every statement run on ``connection`` inside the block, in
    order (BEGIN and COMMIT are not cursor statements: not listed)."""
    statements: list[tuple[float, str]] = []

    def timed(execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            statements.append((time.perf_counter() - started, sql))

    with connection.execute_wrapper(timed):
        yield statements
