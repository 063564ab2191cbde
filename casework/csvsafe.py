"""CSV cells that a spreadsheet will not run as a formula (SECURITY.md 38): casework's
exports stream through the same neutraliser as the tip export
(``reports.triage.export.spreadsheet_cell``), so there is one rule for every CSV."""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator

from reports.triage.export import spreadsheet_cell as neutralise


class _Echo:
    def write(self, value: str) -> str:
        return value


def csv_lines(rows: Iterable[Iterable[object]]) -> Iterator[str]:
    """Each row as one CSV line, every cell neutralised (for a streaming response)."""
    writer = csv.writer(_Echo())
    for row in rows:
        yield writer.writerow([neutralise(cell) for cell in row])
