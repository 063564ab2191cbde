"""People and records for casework: a case about a Clayton High student whose team is
Principal Park and Officer Olsen, and a Safe Schools Act notice from Clayton PD to the
Clayton district, whose designee is Principal Park."""

from __future__ import annotations

from dataclasses import replace

import pytest

from partners.models import Agency, Membership
from tests.conftest import _person

STUDENT = "Quentin Marlowe-Zed"
PUPIL = "Ignatius Brackwater"


@pytest.fixture
def family_court(db) -> Agency:
    return Agency.objects.create(name="St. Louis County Family Court", slug="family-court", kind=Agency.Kind.COURT)


@pytest.fixture
def behavioral_health(db) -> Agency:
    return Agency.objects.create(name="County Behavioral Health", slug="cbh", kind=Agency.Kind.MENTAL_HEALTH)


@pytest.fixture
def principal_pham(django_user_model, clayton_district):
    """Principal Pham of the Clayton district: staff of the same district, not on the team."""
    return _person(django_user_model, "pham", "Parker", "Pham", clayton_district, Membership.Role.SCHOOL_ADMIN)


@pytest.fixture
def officer_jones(django_user_model, family_court):
    """Deputy Juvenile Officer Jones of the Family Court."""
    return _person(django_user_model, "jones", "Jamie", "Jones", family_court, Membership.Role.AGENCY_STAFF)


@pytest.fixture
def counsellor_cruz(django_user_model, behavioral_health):
    return _person(django_user_model, "cruz", "Cam", "Cruz", behavioral_health, Membership.Role.AGENCY_STAFF)


@pytest.fixture
def park_is_designee(principal_park, clayton_district):
    Membership.objects.filter(user=principal_park, agency=clayton_district).update(is_safe_schools_designee=True)
    return principal_park


@pytest.fixture
def clayton_tip(make_tip, clayton_high):
    return make_tip(school=clayton_high, category="weapons", description="He said he would bring a knife Friday.").tip


@pytest.fixture
def case(clayton_tip, clayton_high, principal_park, officer_olsen, clayton_district):
    """Case opened by Principal Park from the tip, with Officer Olsen on the team."""
    from casework import cases
    from partners.models import Membership

    opened = cases.open_case(
        actor=principal_park,
        agency=clayton_district,
        school=clayton_high,
        student_name=STUDENT,
        account="Told two classmates he would bring a knife on Friday.",
        tips=[clayton_tip],
    )
    cases.add_member(case=opened, actor=principal_park, membership=Membership.objects.get(user=officer_olsen))
    return opened


@pytest.fixture
def pinned(django_assert_num_queries):
    """``pinned(client, url, queries, grow)``: the page costs ``queries`` queries, and still
    does after ``grow()`` adds rows it lists (no query per row)."""

    def check(client, url: str, queries: int, grow) -> None:
        client.get(url)  # warm the caches
        for n in range(2):
            with django_assert_num_queries(queries):
                client.get(url)
            grow(n)

    return check


@pytest.fixture
def more_schools(clayton_district, clayton_pd):
    """``more_schools(n)``: five more Clayton schools."""
    from partners.models import School

    def add(n: int) -> None:
        for i in range(5):
            School.objects.create(
                name=f"School {n}-{i}", district=clayton_district, police_agency=clayton_pd, grade_band="high"
            )

    return add


@pytest.fixture
def offences(db):
    """The statute's list of acts. The data migration loads it, but a transactional test
    (the browser tests, the worker tests) empties every table when it ends."""
    from casework import offences
    from casework.models import Offence

    offences.load(Offence)
    return Offence.objects.all()


@pytest.fixture
def police_notice(officer_olsen, clayton_high, clayton_pd, offences):
    """``police_notice(**changes)``: Officer Olsen notifies the Clayton district about a
    Clayton High pupil (a first-degree assault unless ``offences`` says otherwise)."""
    from datetime import date

    from casework.notices import NoticeDraft, send_notice

    def send(victim_name: str = "", **changes):
        draft = NoticeDraft(
            direction="to_district",
            school=clayton_high,
            recipient=clayton_high.district,
            pupil_name=PUPIL,
            conduct="Struck another student with a padlock in the locker room.",
            conduct_on=date(2026, 10, 2),
            filed_on=date(2026, 10, 9),
            offences=(offences.get(name="First-degree assault"),),
        )
        membership = Membership.objects.get(user=officer_olsen, agency=clayton_pd)
        return send_notice(
            actor=officer_olsen, sender=membership, draft=replace(draft, **changes), victim_name=victim_name
        )

    return send


@pytest.fixture
def notice(police_notice, park_is_designee):
    return police_notice(victim_name="Wilhelmina Frost")
