"""What casework's panel on the tip page shows: the tip's hand-offs, the cases from it the
reader is on, the district's state-report mark and the mental-health partners a hand-off
may name. ``annotations`` gives the tip page one flag to read with the tip (registered
with ``reports.triage.detail.PAGE_ANNOTATIONS`` in ``casework.apps``): whether the tip has
any casework at all. Most tips have none, and their panel then makes no query (the
partners come from the cache); a tip with some has its rows read in one query
(``panel_rows``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Exists, F, OuterRef, Subquery

from casework.models import HandOff, StateReportEntry, ThreatCase
from partners.models import Agency
from reports.models import Tip
from safeschools import page_cache
from safeschools.cache import cached
from safeschools.json_rows import json_datetime, json_rows, rows_of

STATE_KIND = "casework_state_kind"
HAND_OFFS = "casework_hand_offs"
CASES = "casework_cases"
NAMES = (STATE_KIND, HAND_OFFS, CASES)  # those of ``_rows``
HAS_CASEWORK = "casework_any"


def annotations(user) -> dict[str, Any]:
    """Read with the tip on its page: whether any hand-off, case or state-report mark
    names it (one flag: the rows themselves cost more to ask for than most tips have)."""
    return {
        HAS_CASEWORK: Exists(HandOff.objects.filter(tip=OuterRef("pk")))
        | Exists(ThreatCase.tips.through.objects.filter(tip_id=OuterRef("pk")))
        | Exists(StateReportEntry.objects.filter(tip=OuterRef("pk")))
    }


def _rows(user) -> dict[str, Any]:
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
    }


def mental_health_partners() -> list[tuple[int, str]]:
    """(id, name) of the mental-health partners, in their display order, from the shared
    cache for the content generation that any edit of an agency moves on."""

    def read() -> list[tuple[int, str]]:
        partners = Agency.objects.filter(kind=Agency.Kind.MENTAL_HEALTH).order_by("display_order", "name")
        return list(partners.values_list("id", "name"))

    return cached(f"casework:partners:{page_cache.local_generation()}", read)


@dataclass
class Panel:
    state_kind: str
    hand_offs: list[HandOff] = field(default_factory=list)
    cases: list[ThreatCase] = field(default_factory=list)
    # (id, name) of the mental-health partners, in their display order.
    partners: list[tuple[int, str]] = field(default_factory=list)


def panel_rows(tip: Tip, user) -> Panel:
    """The panel's rows for ``tip`` as ``user`` may see them: none without a query when
    the tip was read with ``annotations`` and has no casework, else one query."""
    partners = mental_health_partners()
    if getattr(tip, HAS_CASEWORK, True) is False:
        return Panel(state_kind="", partners=partners)
    values = Tip.objects.filter(pk=tip.pk).annotate(**_rows(user)).values(*NAMES).get()
    return Panel(
        state_kind=values[STATE_KIND] or "",
        hand_offs=_hand_offs(rows_of(values[HAND_OFFS])),
        cases=_cases(rows_of(values[CASES])),
        partners=partners,
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
