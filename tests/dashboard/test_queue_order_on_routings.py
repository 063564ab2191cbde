"""Someone in one agency reads the default queue in order from the routing table
(``Routing.tip_attention`` and ``tip_received_at``, copied by ``reports.case_state``).
Whatever happens to the tips (the agencies' parts, re-routing, a tipster writing, staff
replying or marking messages read, new information after closing acknowledged), the
copies agree with the tips and the pages are the pages read from the tips, both ways."""

from __future__ import annotations

import random
from datetime import timedelta

import pytest
from django.utils import timezone

from reports import case_state
from reports.models import Routing, Tip
from reports.triage import queue, urgency
from tests.case_moves import PART_MOVES, TIPSTER_MOVES, random_move

QUEUE = "/staff/"


def every_page(user, filters: queue.Filters, *, on_routings: bool, size: int = 2) -> list[int]:
    """The queue's tip ids page by page to the end, then back to the start, checked equal."""
    routings = queue.own_routings(user, filters) if on_routings else None
    if on_routings:
        assert routings is not None
    tips = queue.for_rows(queue.filtered(user, filters))
    pages, cursor = [], ""
    while True:
        page = queue.page(tips, sort="attention", cursor=cursor, size=size, routings=routings)
        pages.append([tip.pk for tip in page.items])
        if not page.next_cursor:
            break
        cursor = page.next_cursor
    backwards, cursor = [], page.previous_cursor
    while cursor:
        page = queue.page(tips, sort="attention", cursor=cursor, size=size, routings=routings)
        backwards.insert(0, [tip.pk for tip in page.items])
        cursor = page.previous_cursor
    assert backwards == pages[:-1]
    return [tip_id for ids in pages for tip_id in ids]


@pytest.mark.django_db
@pytest.mark.parametrize("seed", range(6))
def test_an_agencys_queue_read_from_its_routings_is_the_queue_read_from_the_tips(
    seed, make_tip, clayton_high, kirkwood_high, officer_olsen, coordinator_cole, kirkwood_pd
):
    rng = random.Random(seed)
    tips = [
        make_tip(school=rng.choice([clayton_high, kirkwood_high]), category=rng.choice(["bullying", "weapons"])).tip
        for _ in range(7)
    ]
    for tip in tips[:4]:  # received in earlier hours: the second sort key
        earlier = tip.received_at - timedelta(hours=rng.choice([1, 5, 30]))
        Tip.objects.filter(pk=tip.pk).update(received_at=earlier)
        Routing.objects.filter(tip=tip).update(tip_received_at=earlier)
    for _ in range(16):
        moves = PART_MOVES + TIPSTER_MOVES
        move = random_move(rng, tips, cole=coordinator_cole, staff=officer_olsen, other_agency=kirkwood_pd, moves=moves)
        assert case_state.disagreements() == [], move
        for filters in (queue.Filters(), queue.Filters(state="done"), queue.Filters(unacknowledged=True)):
            read = every_page(officer_olsen, filters, on_routings=True)
            assert read == every_page(officer_olsen, filters, on_routings=False), (move, filters)
            tips_seen, routings = queue.filtered(officer_olsen, filters), queue.own_routings(officer_olsen, filters)
            _, unread = queue.tabs_and_unread(officer_olsen, filters, tips_seen, routings, coordinator=False)
            _, on_tips = queue.tabs_and_unread(officer_olsen, filters, tips_seen, None, coordinator=False)
            assert unread == on_tips, (move, filters)


@pytest.mark.django_db
def test_the_queue_page_reads_its_rows_through_the_routing_index(staff_client, officer_olsen, make_tip, clayton_high):
    """The tips of the page are read by key, in the order the routings give."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    first, second = make_tip(school=clayton_high).tip, make_tip(school=clayton_high, category="weapons").tip
    client = staff_client(officer_olsen)
    with CaptureQueriesContext(connection) as queries:
        body = client.get(QUEUE).content.decode()
    ordered = [q["sql"] for q in queries if "tip_attention" in q["sql"] and "ORDER BY" in q["sql"]]
    assert len(ordered) == 1 and "reports_routing" in ordered[0]
    assert body.index(second.reference) < body.index(first.reference)  # life safety first


@pytest.mark.django_db
def test_disagreements_finds_a_routing_with_a_stale_place_in_the_queue(make_tip, clayton_high):
    tip = make_tip(school=clayton_high).tip
    Tip.objects.filter(pk=tip.pk).update(unread_tipster_messages=1)  # behind case_state's back
    assert case_state.disagreements() == [tip.reference]
    case_state.copy_attention(tip)
    assert case_state.disagreements() == []


@pytest.mark.django_db
def test_the_migration_copies_every_tips_place_in_the_queue(make_tip, clayton_high, officer_olsen):
    import importlib

    from django.apps import apps

    from tests.conftest import finish_every_part

    copy = importlib.import_module("reports.migrations.0016_routing_queue_order").copy_queue_places
    closed, waiting = make_tip(school=clayton_high).tip, make_tip(school=clayton_high, category="weapons").tip
    finish_every_part(closed, by=officer_olsen)
    Routing.objects.update(tip_attention=1, tip_received_at=closed.received_at - timedelta(days=3))
    assert set(case_state.disagreements()) == {closed.reference, waiting.reference}
    copy(apps, None)
    assert case_state.disagreements() == []
    assert set(Routing.objects.filter(tip=waiting).values_list("tip_attention", flat=True)) == {3}


def test_a_queue_row_escapes_what_it_shows_and_draws_every_badge():
    """The rows are drawn in Python (``reports.templatetags.queue_rows``): every value is
    escaped, and each badge the queue knows appears when its condition holds."""
    from types import SimpleNamespace

    from reports.templatetags.queue_rows import queue_rows
    from reports.triage.urgency import Clock

    tip = SimpleNamespace(
        pk=7,
        reference="T-<b>",
        is_life_safety=True,
        danger_now=True,
        new_info_after_closing=True,
        unread_tipster_messages=2,
        close_requested=True,
        state="open",
    )
    part = queue.Part(agency="Clay & <Co>", status="not acknowledged", detail=" · Ann <Lee>", silent=True)
    row = queue.Row(
        tip,
        "Weapons <x>",
        "No school given",
        "2 h",
        "Nov 29, 4 PM",
        "New",
        "Urgent",
        None,
        "danger",
        [part],
        awaiting=True,
        overdue=True,
        unowned=True,
    )
    html = str(queue_rows([row], coordinator=True))
    assert "<b>" not in html and "<Co>" not in html and "<Lee>" not in html and "<x>" not in html
    assert "T-&lt;b&gt;" in html and "Clay &amp; &lt;Co&gt;" in html
    for badge in (
        "Life safety",
        "Danger right now",
        "Not acknowledged: Clay &amp; &lt;Co&gt;",
        "Overdue",
        "Unowned",
        "New information after closing",
        "New from tipster: 2",
        "Tipster asks to close",
    ):
        assert badge in html, badge
    assert 'class="table-danger"' in html and 'href="/staff/tips/7/"' in html
    clock = Clock("Escalation due 5 min ago", True)
    clocked = queue.Row(tip, "Weapons", "Kirkwood High", "2 h", "", "", "", clock, "", [], awaiting=True, overdue=True)
    html = str(queue_rows([clocked], coordinator=False))
    assert "Escalation due 5 min ago" in html and "Overdue<" not in html and "Not acknowledged<" in html
    assert 'class="table-warning"' in html  # new information after closing


def test_the_hour_a_row_shows_is_djangos_date_format():
    from datetime import datetime

    from django.utils import dateformat, translation

    for language in ("en", "es"):
        with translation.override(language):
            label = queue._hour_labels()
            for month in range(1, 13):
                for hour in range(24):
                    moment = datetime(2026, month, 1 + hour, hour)
                    assert label(moment) == dateformat.format(moment, "M j, g A"), (language, moment)


def flags_in_sql(tips, agency_ids, now):
    """The row flags as the database works them out (the queue's page query did, until
    ``queue.rows`` took them from the parts), by tip id: (not acknowledged, the first
    escalation clock and its level, overdue, unowned)."""
    from django.db.models import BooleanField, Exists, ExpressionWrapper, OuterRef, Q, Subquery

    from reports import selectors
    from reports.models import RoutingRole

    mine = Routing.objects.filter(tip=OuterRef("pk"))
    if agency_ids is not None:
        mine = mine.filter(agency_id__in=agency_ids)
    first_clock = mine.filter(role=RoutingRole.RESPONSIBLE, escalation_due_at__isnull=False).order_by(
        "escalation_due_at", "pk"
    )
    awaiting = Q(awaiting_acknowledgement=True) if agency_ids is None else Exists(mine.filter(acknowledged_at=None))
    read = tips.annotate(
        awaiting_mine=ExpressionWrapper(awaiting, output_field=BooleanField()),
        next_escalation=Subquery(first_clock.values("escalation_due_at")[:1]),
        escalation_level=Subquery(first_clock.values("escalation_level")[:1]),
    )
    read = selectors.with_unowned(selectors.with_overdue(read, now, agency_ids=agency_ids))
    return {
        tip.pk: (
            tip.awaiting_mine,
            tip.next_escalation,
            tip.escalation_level if tip.next_escalation else 0,
            tip.is_overdue,
            tip.is_unowned and agency_ids is None,
        )
        for tip in read
    }


@pytest.mark.django_db
@pytest.mark.parametrize("seed", range(5))
def test_a_rows_flags_are_what_the_database_says_of_its_tip(
    seed, make_tip, clayton_high, kirkwood_high, officer_olsen, coordinator_cole, kirkwood_pd
):
    """``queue.rows`` works out not acknowledged, the escalation clock, overdue and unowned
    from the parts it reads; they must be what the SQL definitions (``reports.selectors``)
    say, for an officer and for a coordinator, whatever happened to the tips and whenever."""
    rng = random.Random(seed)
    schools = [clayton_high, kirkwood_high, None]
    tips = [make_tip(school=rng.choice(schools), category=rng.choice(["bullying", "weapons"])).tip for _ in range(6)]
    for tip in tips[:3]:  # older tips: some overdue by now
        earlier = tip.received_at - timedelta(days=rng.choice([1, 3, 9]))
        Tip.objects.filter(pk=tip.pk).update(received_at=earlier)
        Routing.objects.filter(tip=tip).update(tip_received_at=earlier)
    olsen_agencies = [m.agency_id for m in officer_olsen.memberships.all()]
    seen = set()
    for _ in range(10):
        random_move(rng, tips, cole=coordinator_cole, staff=officer_olsen, other_agency=kirkwood_pd)
        responsible = list(Routing.objects.filter(role="responsible"))
        if rng.random() < 0.4 and responsible:  # an agency's clock running, escalated or not
            due = timezone.now() + timedelta(minutes=rng.choice([-20, 5, 40]))
            Routing.objects.filter(pk=rng.choice(responsible).pk).update(
                escalation_due_at=due, escalation_level=rng.randint(0, 2)
            )
        now = timezone.now() + timedelta(days=rng.choice([0, 1, 4]))
        for user, agency_ids in ((officer_olsen, olsen_agencies), (coordinator_cole, None)):
            expected = flags_in_sql(queue.filtered(user, queue.Filters()), agency_ids, now)
            read = list(queue.for_rows(queue.filtered(user, queue.Filters())))
            for row in queue.rows(read, now, agency_ids=agency_ids):
                mine = [p for p in row.parts if agency_ids is None or p.agency_id in agency_ids]
                clocks = [p for p in mine if p.responsible and p.escalation_due_at is not None]
                first = min(clocks, key=lambda p: p.escalation_due_at) if clocks else None
                clock = (first.escalation_due_at, first.escalation_level) if first else (None, 0)
                assert (row.awaiting, *clock, row.overdue, row.unowned) == expected[row.tip.pk], (user, move_note(row))
                seen |= {name for name in ("awaiting", "overdue", "unowned") if getattr(row, name)}
                seen |= {"clock"} if first is not None else set()
                if first is not None:
                    assert row.clock == urgency.escalation_clock(first.escalation_due_at, first.escalation_level, now)

    assert seen == {"awaiting", "overdue", "unowned", "clock"}  # each flag met, set and not


def move_note(row) -> str:
    return f"{row.tip.reference} {[(p.agency, p.status, p.detail) for p in row.parts]}"
