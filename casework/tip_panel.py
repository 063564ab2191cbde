"""What casework's panel on the tip page shows, read with the tip itself: the tip's
hand-offs, the cases from it the reader is on, the district's state-report mark and the
mental-health partners a hand-off may name. ``annotations`` gives them as annotations of
the tip's query (registered with ``reports.triage.detail.PAGE_ANNOTATIONS`` in
``casework.apps``), so the panel makes no query of its own; ``panel_rows`` reads them from
the tip, or asks for them in one query when the tip was read without them."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import F, OuterRef, Subquery

from casework.models import HandOff, StateReportEntry, ThreatCase
from partners.models import Agency
from reports.models import Tip
from safeschools.json_rows import json_datetime, json_rows, rows_of

STATE_KIND = "casework_state_kind"
HAND_OFFS = "casework_hand_offs"
CASES = "casework_cases"
PARTNERS = "casework_partners"
NAMES = (STATE_KIND, HAND_OFFS, CASES, PARTNERS)  # those of ``annotations``


def annotations(user) -> dict[str, Any]:
    """The panel's rows, as annotations of a query on tips (for ``user``'s cases)."""
    hand_offs = HandOff.objects.filter(tip=OuterRef("pk"))
    cases = ThreatCase.objects.visible_to(user).filter(tips=OuterRef("pk"))
    mark = (
        StateReportEntry.objects.filter(tip=OuterRef("pk"), district_id=OuterRef("school__district_id"))
        .order_by("occurred_on", "id")
        .values("kind")[:1]
    )
    return {
        STATE_KIND: Subquery(mark),
        HAND_OFFS: json_rows(
            hand_offs,
            id=F("id"),
            kind=F("kind"),
            happened_at=F("happened_at"),
            external_reference=F("external_reference"),
            note=F("note"),
            partner=F("partner__name"),
            agency=F("agency__name"),
            recorded_by=F("recorded_by_id"),
            first_name=F("recorded_by__first_name"),
            last_name=F("recorded_by__last_name"),
            username=F("recorded_by__username"),
        ),
        CASES: json_rows(
            cases,
            id=F("id"),
            reference=F("reference"),
            status=F("status"),
            classification=F("classification"),
            opened_at=F("opened_at"),
        ),
        PARTNERS: json_rows(
            Agency.objects.filter(kind=Agency.Kind.MENTAL_HEALTH),
            id=F("id"),
            name=F("name"),
            display_order=F("display_order"),
        ),
    }


@dataclass
class Panel:
    state_kind: str
    hand_offs: list[HandOff] = field(default_factory=list)
    cases: list[ThreatCase] = field(default_factory=list)
    # (id, name) of the mental-health partners, in their display order.
    partners: list[tuple[int, str]] = field(default_factory=list)


def panel_rows(tip: Tip, user) -> Panel:
    """The panel's rows for ``tip`` as ``user`` may see them: from the tip's annotations,
    or (a tip read without them) one query."""
    if all(hasattr(tip, name) for name in NAMES):
        values = {name: getattr(tip, name) for name in NAMES}
    else:
        values = Tip.objects.filter(pk=tip.pk).annotate(**annotations(user)).values(*NAMES).get()
    return Panel(
        state_kind=values[STATE_KIND] or "",
        hand_offs=_hand_offs(rows_of(values[HAND_OFFS])),
        cases=_cases(rows_of(values[CASES])),
        partners=[
            (row["id"], row["name"])
            for row in sorted(rows_of(values[PARTNERS]), key=lambda row: (row["display_order"], row["name"]))
        ],
    )


_NOTE = HandOff._meta.get_field("note")


def _hand_offs(rows: list[dict]) -> list[HandOff]:
    user_model = get_user_model()
    hand_offs = []
    for row in rows:
        hand_off = HandOff(
            id=row["id"],
            kind=row["kind"],
            happened_at=json_datetime(row["happened_at"]),
            external_reference=row["external_reference"] or "",
            # Stored encrypted: decrypted as the field decrypts what it reads.
            note=_NOTE.from_db_value(row["note"], None, None) or "",
        )
        hand_off.partner = Agency(name=row["partner"]) if row["partner"] is not None else None
        hand_off.agency = Agency(name=row["agency"]) if row["agency"] is not None else None
        hand_off.recorded_by = (
            user_model(first_name=row["first_name"], last_name=row["last_name"], username=row["username"])
            if row["recorded_by"] is not None
            else None
        )
        hand_offs.append(hand_off)
    return sorted(hand_offs, key=lambda h: (h.happened_at, h.pk))


def _cases(rows: list[dict]) -> list[ThreatCase]:
    # A reader on a case twice would see it twice: once each.
    unique = {row["id"]: row for row in rows}.values()
    ordered = sorted(unique, key=lambda row: (-(json_datetime(row["opened_at"]).timestamp()), -row["id"]))
    ordered.sort(key=lambda row: row["status"])  # stable: status, then newest first
    return [
        ThreatCase(
            pk=row["id"], reference=row["reference"], status=row["status"], classification=row["classification"] or ""
        )
        for row in ordered
    ]
