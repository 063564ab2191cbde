"""The queue's tab counts for someone in one agency come from the routing table alone
(``Routing.tip_state``); they must equal counting the visible tips, whatever happened to
the tips, and the unfiltered queue's filter form is served from the cache as rendered."""

from __future__ import annotations

import random

import pytest

from reports.triage import queue
from reports.triage.forms import QueueFilterForm, blank_queue_filters
from tests.case_moves import random_move

QUEUE = "/staff/"


def counted_on_tips(user, filters: queue.Filters) -> list[int]:
    base = queue.Filters()
    tabs = [base, queue.Filters(unacknowledged=True)] + [queue.Filters(state=s) for s in ("new", "open", "done")]
    assert filters == base
    return [queue.bounded_count(queue.filtered(user, tab)).value for tab in tabs]


def tabs_of(user) -> list[queue.Tab]:
    filters = queue.Filters()
    tips, routings = queue.filtered(user, filters), queue.own_routings(user, filters)
    return queue.tabs_and_unread(user, filters, tips, routings, coordinator=False)[0]


@pytest.mark.django_db
@pytest.mark.parametrize("seed", range(4))
def test_an_agencys_tab_counts_equal_counting_its_tips(
    seed, make_tip, clayton_high, kirkwood_high, officer_olsen, coordinator_cole, kirkwood_pd
):
    rng = random.Random(seed)
    tips = [make_tip(school=rng.choice([clayton_high, kirkwood_high])).tip for _ in range(6)]
    for _ in range(10):
        moves = ("ack", "finish", "reopen", "reroute", "writes", "reply")
        move = random_move(rng, tips, cole=coordinator_cole, staff=officer_olsen, other_agency=kirkwood_pd, moves=moves)
        fast = [tab.count.value for tab in tabs_of(officer_olsen)]
        assert fast == counted_on_tips(officer_olsen, queue.Filters()), move


@pytest.mark.django_db
def test_someone_in_two_agencies_is_counted_on_the_tips(make_tip, clayton_high, officer_olsen, clayton_district):
    """A tip routed to both of their agencies has two routings and is one tip."""
    from partners.models import Membership

    Membership.objects.create(user=officer_olsen, agency=clayton_district, role=Membership.Role.AGENCY_STAFF)
    make_tip(school=clayton_high)
    assert [tab.count.value for tab in tabs_of(officer_olsen)] == [1, 1, 1, 0, 0]


@pytest.mark.django_db
def test_the_blank_filter_form_is_the_form_as_rendered_and_follows_new_categories(
    staff_client, officer_olsen, categories
):
    from crispy_forms.utils import render_crispy_form

    from reports.models import Category

    client = staff_client(officer_olsen)
    assert str(blank_queue_filters(coordinator=False)) == render_crispy_form(QueueFilterForm(coordinator=False))
    assert "Unowned" not in str(blank_queue_filters(coordinator=False))
    assert "Unowned" in str(blank_queue_filters(coordinator=True))
    Category.objects.create(name="Vaping in the restrooms", description="Someone vapes.", card="something_else")
    assert "Vaping in the restrooms" in client.get(QUEUE).content.decode()
    # A filtered queue renders its bound form: what was chosen stays chosen.
    body = client.get(QUEUE + "?q=lockers").content.decode()
    assert 'value="lockers"' in body


@pytest.mark.django_db
def test_the_exports_audit_count_equals_counting_the_tips(
    make_tip, clayton_high, kirkwood_high, officer_olsen, coordinator_cole, principal_park
):
    from tests.conftest import finish_every_part

    tips = [make_tip(school=school).tip for school in (clayton_high, clayton_high, kirkwood_high)]
    finish_every_part(tips[0], by=officer_olsen)
    for user in (officer_olsen, coordinator_cole, principal_park):
        for filters in (
            queue.Filters(),
            queue.Filters(state="done"),
            queue.Filters(unacknowledged=True),
            queue.Filters(query="lockers"),
        ):
            assert queue.count(user, filters) == queue.filtered(user, filters).count(), (user, filters)
    assert queue.count(officer_olsen, queue.Filters()) == 2


@pytest.mark.django_db
def test_the_next_page_of_the_unfiltered_queue_shows_the_blank_filter_form(
    staff_client, officer_olsen, make_tip, clayton_high
):
    """Paging on (``cursor``) is not filtering: the panel stays closed and the page size
    shown is the one in use (a form bound to the cursor alone showed none selected)."""
    import re

    for _ in range(3):
        make_tip(school=clayton_high)
    client = staff_client(officer_olsen)
    first = client.get(QUEUE + "?size=25").content.decode()
    assert '<details class="mb-3" open>' in first
    cursor = queue.page(queue.filtered(officer_olsen, queue.Filters()), sort="attention", size=1).next_cursor
    body = client.get(f"{QUEUE}?cursor={cursor}").content.decode()
    assert '<details class="mb-3">' in body
    assert re.search(r'<option value="50"\s+selected>', body)
    assert str(blank_queue_filters(coordinator=False)) in body
