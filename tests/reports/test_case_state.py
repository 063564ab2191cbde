"""The tip's state is derived from its agencies' parts, and the copy kept on the tip for the
queue never disagrees with them, whatever sequence of changes the agencies make."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

import pytest
from django.utils import timezone

from reports import case_state
from reports.models import Routing, RoutingRole, RoutingState, Tip, TipState
from tests.case_moves import PART_MOVES, TIPSTER_MOVES, random_move

T0 = timezone.make_aware(datetime(2026, 3, 3, 9, 0))


def part(role=RoutingRole.RESPONSIBLE, state=RoutingState.NEW, acknowledged=None, closed=None) -> Routing:
    return Routing(role=role, state=state, acknowledged_at=acknowledged, closed_at=closed)


def test_no_responsible_agency_has_acknowledged():
    derived = case_state.derive([part(), part(), part(RoutingRole.INFO_ONLY, RoutingState.ACKNOWLEDGED, T0)])
    assert (derived.state, derived.awaiting_acknowledgement, derived.first_acknowledged_at) == ("new", True, None)


def test_one_agency_done_the_other_silent_is_in_progress_and_still_awaited():
    done = part(state=RoutingState.DONE, acknowledged=T0, closed=T0 + timedelta(hours=1))
    derived = case_state.derive([done, part()])
    assert (derived.state, derived.awaiting_acknowledgement, derived.closed_at) == ("open", True, None)
    assert derived.first_acknowledged_at == T0


def test_every_responsible_part_done_closes_at_the_last_one_whatever_the_info_only_agencies():
    first = part(state=RoutingState.DONE, acknowledged=T0, closed=T0 + timedelta(hours=1))
    last = part(state=RoutingState.DONE, acknowledged=T0, closed=T0 + timedelta(hours=3))
    derived = case_state.derive([first, last, part(RoutingRole.INFO_ONLY)])
    assert (derived.state, derived.awaiting_acknowledgement, derived.closed_at) == ("done", False, last.closed_at)


def test_a_tip_with_no_responsible_agency_never_counts_as_closed():
    assert case_state.derive([part(RoutingRole.INFO_ONLY, RoutingState.DONE, T0, T0)]).state == "new"
    assert case_state.derive([]).state == "new"


@pytest.mark.django_db
@pytest.mark.parametrize("seed", range(12))
def test_the_stored_state_never_disagrees_with_the_parts(
    seed, make_tip, clayton_high, officer_olsen, principal_park, coordinator_cole, kirkwood_pd
):
    """Random sequences of every change the dashboard makes, checked after each step."""
    rng = random.Random(seed)
    tips = [make_tip(school=clayton_high, category=rng.choice(["bullying", "weapons"])).tip for _ in range(2)]
    for _ in range(14):
        staff = rng.choice([officer_olsen, principal_park])
        moves = PART_MOVES + TIPSTER_MOVES  # the tipster's moves change the tip's place in the queue
        move = random_move(rng, tips, cole=coordinator_cole, staff=staff, other_agency=kirkwood_pd, moves=moves)
        assert case_state.disagreements() == [], (seed, move)
    states = set(Tip.objects.values_list("state", flat=True))
    assert states <= set(TipState.values)


@pytest.mark.django_db
def test_disagreements_finds_a_tip_changed_behind_its_back(make_tip, clayton_high):
    tip = make_tip(school=clayton_high).tip
    assert case_state.disagreements() == []
    Tip.objects.filter(pk=tip.pk).update(state="done")
    assert case_state.disagreements() == [tip.reference]


@pytest.mark.django_db
def test_a_tip_routed_only_for_information_starts_without_a_clock(make_tip, categories, partnership_office):
    """No school: the coordinators' office is responsible, and the tip is awaited."""
    tip = make_tip(school=None).tip
    assert tip.state == "new" and tip.awaiting_acknowledgement
    assert case_state.disagreements() == []


@pytest.mark.django_db
def test_disagreements_finds_a_routing_with_a_stale_copy_of_the_tips_state(make_tip, clayton_high):
    """The queue's tabs count an agency's tips by ``Routing.tip_state``: a copy left behind
    would miscount them, so the check that runs after every change looks at it too."""
    tip = make_tip(school=clayton_high).tip
    Routing.objects.filter(tip=tip).update(tip_state="done")
    assert case_state.disagreements() == [tip.reference]


@pytest.mark.django_db
def test_the_migration_copies_every_tips_state_onto_its_routings(make_tip, clayton_high, officer_olsen):
    import importlib

    from django.apps import apps

    from tests.conftest import finish_every_part

    copy = importlib.import_module("reports.migrations.0015_routing_tip_state").copy_tip_states
    closed, waiting = make_tip(school=clayton_high).tip, make_tip(school=clayton_high).tip
    finish_every_part(closed, by=officer_olsen)
    Routing.objects.update(tip_state="new")  # as the column is added: every routing "new"
    assert case_state.disagreements() == [closed.reference]
    copy(apps, None)
    assert case_state.disagreements() == []
    assert set(Routing.objects.filter(tip=waiting).values_list("tip_state", flat=True)) == {"new"}


@pytest.mark.django_db
def test_repairing_the_copies_sets_only_the_wrong_ones(make_tip, clayton_high, officer_olsen):
    """After a release, routings made or changed by the previous code are set right by
    ``manage.py repair_routing_copies``; the others are left as they are."""
    from io import StringIO

    from django.core.management import call_command

    from tests.conftest import finish_every_part

    closed, waiting, fine = (make_tip(school=clayton_high).tip for _ in range(3))
    finish_every_part(closed, by=officer_olsen)
    Routing.objects.filter(tip=closed).update(tip_state="new", tip_attention=1)  # as the old code left them
    Tip.objects.filter(pk=waiting.pk).update(unread_tipster_messages=2)  # written by the old code
    assert set(case_state.disagreements()) == {closed.reference, waiting.reference}
    out = StringIO()
    call_command("repair_routing_copies", stdout=out)
    assert case_state.disagreements() == []
    assert out.getvalue().strip() == f"{Routing.objects.filter(tip__in=[closed, waiting]).count()} routings repaired"
    assert case_state.repair_copies(batch=1) == 0
