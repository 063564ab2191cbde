"""The district's report to the state under RSMo 160.261: counts of credible school safety
threats and school safety incidents by school for a period, with the hand-offs and threat
assessment cases beside them. Aggregate counts only: no name, no text, no reference."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date

from django.db.models import Count
from django.utils import timezone

from casework.models import HandOff, StateReportEntry, StateReportKind, ThreatCase
from partners.models import Agency

COLUMNS: list[tuple[str, str]] = [
    (StateReportKind.CREDIBLE_THREAT, "Credible school safety threats"),
    (StateReportKind.INCIDENT, "School safety incidents"),
    ("cases", "Threat assessment cases opened"),
    (HandOff.Kind.CALLED_911, "911 calls"),
    (HandOff.Kind.CHILDRENS_DIVISION, "Children's Division hotline reports"),
    (HandOff.Kind.COURAGE2REPORT, "Referrals to Courage2Report"),
    (HandOff.Kind.MENTAL_HEALTH, "Mental-health referrals"),
]


@dataclass
class Row:
    school: str
    counts: list[int]


@dataclass
class StateReport:
    district: Agency
    start: date
    end: date
    rows: list[Row] = field(default_factory=list)
    totals: list[int] = field(default_factory=list)

    @property
    def headers(self) -> list[str]:
        return ["School"] + [label for _, label in COLUMNS]


def school_year(today: date | None = None) -> tuple[date, date]:
    """Missouri's school year for reporting: July 1 to June 30."""
    today = today or timezone.localdate()
    first = today.year if today.month >= 7 else today.year - 1
    return date(first, 7, 1), date(first + 1, 6, 30)


def build(district: Agency, start: date, end: date) -> StateReport:
    counts: Counter = Counter()
    entries = StateReportEntry.objects.filter(district=district, occurred_on__range=(start, end))
    # A tip and the case opened from it are one matter: when the case is counted, its tips are not.
    counted_cases = entries.exclude(case=None).values("case_id")
    entries = entries.exclude(tip__threat_cases__in=counted_cases)
    for row in entries.order_by().values("school_id", "kind").annotate(n=Count("id")):
        counts[row["school_id"], row["kind"]] += row["n"]
    cases = ThreatCase.objects.filter(school__district=district, opened_at__date__range=(start, end))
    for row in cases.order_by().values("school_id").annotate(n=Count("id")):
        counts[row["school_id"], "cases"] += row["n"]
    hand_offs = HandOff.objects.filter(tip__school__district=district, happened_at__date__range=(start, end))
    for row in hand_offs.order_by().values("tip__school_id", "kind").annotate(n=Count("id")):
        counts[row["tip__school_id"], row["kind"]] += row["n"]
    report = StateReport(district=district, start=start, end=end)
    for school_id, name in district.district_schools.order_by("name").values_list("pk", "name"):
        report.rows.append(Row(school=name, counts=[counts[school_id, key] for key, _ in COLUMNS]))
    report.totals = [sum(row.counts[i] for row in report.rows) for i in range(len(COLUMNS))]
    return report


def csv_rows(report: StateReport) -> list[list[object]]:
    rows: list[list[object]] = [
        ["District", report.district.name],
        ["Period", f"{report.start.isoformat()} to {report.end.isoformat()}"],
        [],
        report.headers,
    ]
    rows += [[row.school, *row.counts] for row in report.rows]
    rows.append(["All schools", *report.totals])
    return rows
