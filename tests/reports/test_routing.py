"""Routing is a pure function: the table of cases below is the routing policy."""

import pytest

from reports.intake.routing import INFO_ONLY, RESPONSIBLE, Route, Rule, SchoolFacts, route

DISTRICT, POLICE, OFFICE, CRISIS, COURT = 10, 20, 1, 30, 40
SCHOOL = SchoolFacts(district_id=DISTRICT, police_agency_id=POLICE)


@pytest.mark.parametrize(
    ("school", "rules", "expected"),
    [
        (SCHOOL, [], {DISTRICT: RESPONSIBLE, POLICE: RESPONSIBLE}),
        (None, [], {OFFICE: RESPONSIBLE}),
        (
            SCHOOL,
            [Rule(CRISIS, RESPONSIBLE, "Self-harm")],
            {DISTRICT: RESPONSIBLE, POLICE: RESPONSIBLE, CRISIS: RESPONSIBLE},
        ),
        (SCHOOL, [Rule(COURT, INFO_ONLY, "Abuse")], {DISTRICT: RESPONSIBLE, POLICE: RESPONSIBLE, COURT: INFO_ONLY}),
        (None, [Rule(CRISIS, RESPONSIBLE, "Self-harm")], {OFFICE: RESPONSIBLE, CRISIS: RESPONSIBLE}),
        # A rule naming the school's own police agency as info-only does not demote it.
        (SCHOOL, [Rule(POLICE, INFO_ONLY, "Fighting")], {DISTRICT: RESPONSIBLE, POLICE: RESPONSIBLE}),
        # No school and only info-only rules: the coordinators are still responsible.
        (None, [Rule(COURT, INFO_ONLY, "Abuse")], {OFFICE: RESPONSIBLE, COURT: INFO_ONLY}),
    ],
)
def test_routing_table(school, rules, expected):
    routes = route(school=school, rules=rules, coordinating_agency_id=OFFICE)
    assert {r.agency_id: r.role for r in routes} == expected


def test_each_route_says_why():
    routes = route(school=SCHOOL, rules=[Rule(CRISIS, RESPONSIBLE, "Self-harm")], coordinating_agency_id=OFFICE)
    assert Route(DISTRICT, RESPONSIBLE, "school district") in routes
    assert Route(POLICE, RESPONSIBLE, "police jurisdiction") in routes
    assert Route(CRISIS, RESPONSIBLE, "category rule: Self-harm") in routes


def test_info_only_upgraded_to_responsible_keeps_both_reasons():
    routes = route(
        school=None,
        rules=[Rule(COURT, INFO_ONLY, "Abuse"), Rule(COURT, RESPONSIBLE, "Abuse")],
        coordinating_agency_id=OFFICE,
    )
    court = next(r for r in routes if r.agency_id == COURT)
    assert court.role == RESPONSIBLE


def test_no_coordinating_agency_and_no_school_routes_nowhere():
    assert route(school=None, rules=[], coordinating_agency_id=None) == []
