"""SECURITY.md 48: the public "What students reported" page. Quarterly stored figures, never
live counts; no count under 10 on the page or in what is stored; English and Spanish."""

from __future__ import annotations

import re
import secrets
from datetime import date, datetime, time, timedelta

import pytest
from django.utils import timezone

from casework import figures, jobs
from casework.models import FiguresQuarter
from partners.models import Agency
from reports.models import Routing, RoutingRole, RoutingState, Tip

pytestmark = pytest.mark.django_db
Q3 = date(2026, 7, 1)


def _tips(
    n: int, *, category, school, day: date = date(2026, 8, 3), acknowledged_after: int | None = 5, outcome="resolved"
):
    """``n`` tips whose responsible agency (the school's police, or the coordinators) finished
    its part with ``outcome`` (or never acknowledged them)."""
    at = timezone.make_aware(datetime.combine(day, time(10)))
    ack = at + timedelta(hours=acknowledged_after) if acknowledged_after is not None else None
    tips = Tip.objects.bulk_create(
        Tip(
            reference=Tip.new_reference(),
            receipt_hash=secrets.token_hex(32),
            category=category,
            school=school,
            description="x",
            received_at=at,
            first_acknowledged_at=ack,
            state=Tip.State.DONE if ack else Tip.State.NEW,
            closed_at=ack,
        )
        for _ in range(n)
    )
    agency = (
        school.police_agency
        if school
        else Agency.objects.get_or_create(
            slug="partnership", defaults={"name": "Safe Schools Partnership office", "kind": Agency.Kind.OTHER}
        )[0]
    )
    Routing.objects.bulk_create(
        Routing(
            tip=tip,
            agency=agency,
            role=RoutingRole.RESPONSIBLE,
            reason="test",
            state=RoutingState.DONE if ack else RoutingState.NEW,
            acknowledged_at=ack,
            disposition=outcome if ack else "",
            closed_at=ack,
        )
        for tip in tips
    )


@pytest.fixture
def third_quarter(categories, clayton_high, kirkwood_high):
    """Q3 2026: 25 weapons tips at Clayton High, 12 bullying at Kirkwood High, 3 self-harm
    tips at Kirkwood High (a small cell) and 2 with no school."""
    _tips(25, category=categories["weapons"], school=clayton_high)
    _tips(12, category=categories["bullying"], school=kirkwood_high, outcome="unfounded")
    _tips(3, category=categories["self_harm"], school=kirkwood_high)
    _tips(2, category=categories["bullying"], school=None, acknowledged_after=None)
    return {"total": 42}


def test_quarter_arithmetic():
    assert figures.quarter_start(date(2026, 11, 29)) == date(2026, 10, 1)
    assert figures.next_quarter(date(2026, 10, 1)) == date(2027, 1, 1)
    assert figures.previous_quarter(date(2026, 1, 1)) == date(2025, 10, 1)


def test_a_quarter_is_computed_once_after_it_ends(third_quarter, categories, clayton_high):
    assert figures.refresh(today=date(2026, 9, 30)) == []  # Q3 has not ended: nothing live
    [quarter] = figures.refresh(today=date(2026, 10, 2))
    assert quarter.starts_on == Q3 and quarter.figures["total"] == {"value": 42}
    stored = quarter.figures
    _tips(30, category=categories["weapons"], school=clayton_high)  # arrives late, or is re-dated
    assert figures.refresh(today=date(2026, 12, 1)) == []
    assert FiguresQuarter.objects.get().figures == stored


def test_small_counts_are_hidden_and_so_is_what_would_reveal_them(third_quarter, categories):
    f = figures.compute(Q3)
    cells = {c["en"]: c for c in f["categories"]}
    assert cells["Weapons"] == {**cells["Weapons"], "value": 25}
    # Bullying 14 (12 + 2) would give away self-harm (42 - 25 - 14 = 3): both hidden.
    assert cells["Suicide or self-harm"]["hidden"] == "small"
    assert cells["Bullying"]["hidden"] == "protect"
    assert "value" not in cells["Bullying"]
    districts = {d["name"]: d for d in f["districts"]}
    assert districts["Clayton School District"]["value"] == 25
    assert districts[""]["hidden"] == "small"  # the 2 tips with no school
    assert districts["Kirkwood School District"]["hidden"] == "protect"


def test_nothing_stored_or_shown_is_under_ten(client, third_quarter):
    jobs.run_daily(now=timezone.make_aware(datetime(2026, 10, 2, 6)))
    stored = FiguresQuarter.objects.get().figures
    numbers = [c["value"] for c in stored["categories"] + stored["districts"] + [stored["total"]] if "value" in c]
    assert numbers and min(numbers) >= 10
    page = client.get("/figures/").content.decode()
    assert "fewer than 10" in page and "not shown" in page
    tables = page[page.index('id="by-category"') : page.index('id="answers"')]
    counts = [int(n) for n in re.findall(r'<td class="text-end[^"]*">\s*(\d+)\s*</td>', tables)]
    assert counts and min(counts) >= 10


def test_share_acted_upon_and_median(third_quarter):
    f = figures.compute(Q3)
    # Acted upon: 25 + 3 acknowledged and not unfounded = 28 of 42; 14 not: both at least 10.
    assert f["acted_upon_percent"] == round(100 * 28 / 42)
    assert f["median_hours_to_acknowledge"] == 5


def test_a_share_that_would_reveal_a_small_count_is_not_shown(categories, clayton_high):
    _tips(20, category=categories["weapons"], school=clayton_high)
    _tips(4, category=categories["weapons"], school=clayton_high, outcome="unfounded")
    assert figures.compute(Q3)["acted_upon_percent"] is None


def test_the_page_is_never_live(client, third_quarter, categories, clayton_high):
    figures.refresh(today=date(2026, 10, 2))
    before = client.get("/figures/").content
    _tips(15, category=categories["weapons"], school=clayton_high, day=date(2026, 10, 5))
    from django.core.cache import cache

    cache.clear()
    assert client.get("/figures/").content == before


def test_spanish_page(client, third_quarter):
    figures.refresh(today=date(2026, 10, 2))
    page = client.get("/es/figures/").content.decode()
    assert '<html lang="es">' in page
    assert "Lo que reportaron los estudiantes" in page and "menos de 10" in page and "T3 2026" in page


def test_empty_site_says_figures_come_later(client):
    assert figures.refresh(today=date(2026, 10, 2)) == []
    assert "after the first full quarter" in client.get("/figures/").content.decode()


def test_the_public_page_costs_one_query(client, third_quarter, django_assert_num_queries, settings):
    settings.PUBLIC_PAGE_CACHE_SECONDS = 0
    figures.refresh(today=date(2026, 10, 2))
    client.get("/figures/")
    with django_assert_num_queries(1):
        client.get("/figures/")
