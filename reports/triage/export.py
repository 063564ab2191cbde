"""The CSV export of the queue: one row per visible tip, with the tipster's contact details
only where the person exporting may see them (``permissions.may_see_contact``, the rule the
tip page uses), and every cell made safe to open in a spreadsheet."""

from __future__ import annotations

from collections.abc import Iterator

from django.db.models import QuerySet

from reports.models import Tip
from reports.triage import permissions

COLUMNS = [
    "reference",
    "received (hour)",
    "category",
    "school",
    "status",
    "priority",
    "life safety",
    "awaiting acknowledgement",
    "assigned to",
    "routed to",
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


def rows(tips: QuerySet[Tip], *, staff: permissions.Staff, with_contact: bool) -> Iterator[list[str]]:
    """The header and one row per tip; ``tips`` has its routings and their agencies
    prefetched, so each row costs no query."""
    yield COLUMNS + ([CONTACT_COLUMN] if with_contact else [])
    for tip in tips.iterator(chunk_size=1000):
        routings = tip.routings.all()
        row = [
            tip.reference,
            tip.received_at.isoformat(),
            tip.category.name,
            tip.school.name if tip.school else "",
            tip.status,
            tip.priority,
            tip.is_life_safety,
            tip.awaiting_acknowledgement,
            tip.assigned_to.get_username() if tip.assigned_to else "",
            "; ".join(f"{r.agency.name} ({r.role})" for r in routings),
        ]
        if with_contact:
            row.append(tip.contact_details if permissions.may_see_contact(staff, routings) else "")
        yield [spreadsheet_cell(cell) for cell in row]
