"""Where a tip goes. A pure function of the school, the category's rules and the
coordinating agency, so that every routing case is a one-line test.

Routing of a tip = the school's district + the school's police agency + the category's
rules. No school ("not sure / somewhere else") → the coordinators' agency, who forward it.
An agency that two reasons name is routed once, as responsible if either reason is.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

RESPONSIBLE = "responsible"
INFO_ONLY = "info_only"


@dataclass(frozen=True)
class SchoolFacts:
    district_id: int
    police_agency_id: int


@dataclass(frozen=True)
class Rule:
    agency_id: int
    role: str
    category_name: str


@dataclass(frozen=True)
class Route:
    agency_id: int
    role: str
    reason: str


def route(*, school: SchoolFacts | None, rules: Iterable[Rule], coordinating_agency_id: int | None) -> list[Route]:
    routes: dict[int, Route] = {}

    def add(agency_id: int | None, role: str, reason: str) -> None:
        if agency_id is None:
            return
        existing = routes.get(agency_id)
        if existing is None:
            routes[agency_id] = Route(agency_id, role, reason)
        elif existing.role == INFO_ONLY and role == RESPONSIBLE:
            routes[agency_id] = Route(agency_id, RESPONSIBLE, f"{existing.reason}; {reason}")
        elif reason not in existing.reason:
            routes[agency_id] = Route(agency_id, existing.role, f"{existing.reason}; {reason}")

    if school is not None:
        add(school.district_id, RESPONSIBLE, "school district")
        add(school.police_agency_id, RESPONSIBLE, "police jurisdiction")
    else:
        add(coordinating_agency_id, RESPONSIBLE, "no school given: coordinators")
    for rule in rules:
        add(rule.agency_id, rule.role, f"category rule: {rule.category_name}")
    if not any(r.role == RESPONSIBLE for r in routes.values()):
        # Never leave a tip with no one responsible for it.
        add(coordinating_agency_id, RESPONSIBLE, "no responsible agency: coordinators")
    return list(routes.values())
