"""The queue: only visible tips, needs-attention order, filters, search, counts, keyset
pages, and a query count that does not grow with the page size."""

import re

import pytest

from reports.models import Tip
from reports.triage import actions

QUEUE = "/staff/"


def references(response) -> list[str]:
    return re.findall(r'href="/staff/tips/\d+/">(T-[0-9A-Z]+)</a>', response.content.decode())


@pytest.mark.django_db
def test_officer_sees_only_tips_of_their_agency(staff_client, officer_olsen, clayton_tip, kirkwood_tip):
    response = staff_client(officer_olsen).get(QUEUE)
    assert references(response) == [clayton_tip.reference]
    assert kirkwood_tip.reference not in response.content.decode()
    assert "1 matching" in response.content.decode()


@pytest.mark.django_db
def test_coordinator_sees_every_tip(staff_client, coordinator_cole, clayton_tip, kirkwood_tip):
    assert set(references(staff_client(coordinator_cole).get(QUEUE))) == {clayton_tip.reference, kirkwood_tip.reference}


@pytest.mark.django_db
def test_default_order_is_unacknowledged_life_safety_then_new_information_then_the_rest(
    staff_client, officer_olsen, principal_park, make_tip, clayton_high
):
    from reports.intake.services import add_tipster_message
    from tests.conftest import finish_every_part

    urgent = make_tip(school=clayton_high, category="weapons").tip
    closed = make_tip(school=clayton_high).tip
    finish_every_part(closed, by=officer_olsen)
    calm = make_tip(school=clayton_high).tip
    chatty = make_tip(school=clayton_high).tip
    add_tipster_message(tip=chatty, body="One more thing.")
    half_seen = make_tip(school=clayton_high, category="weapons").tip
    actions.acknowledge(tip=half_seen, actor=officer_olsen, memberships=list(officer_olsen.memberships.all()))
    seen = make_tip(school=clayton_high, category="weapons").tip
    for person in (officer_olsen, principal_park):
        actions.acknowledge(tip=seen, actor=person, memberships=list(person.memberships.all()))

    order = references(staff_client(officer_olsen).get(QUEUE))
    # Life safety not acknowledged by every responsible agency (newest first), then new
    # information from the tipster, then open tips newest first, then closed ones.
    expected = [half_seen, urgent, chatty, seen, calm, closed]
    assert order == [t.reference for t in expected]


@pytest.mark.django_db
def test_filters_and_counts(staff_client, officer_olsen, make_tip, clayton_high, categories):
    from reports.models import Routing

    bullying = make_tip(school=clayton_high).tip
    weapons = make_tip(school=clayton_high, category="weapons").tip
    police = Routing.objects.get(tip=bullying, agency__name="Clayton Police Department")
    police.start_work(by=officer_olsen)
    police.assign(officer_olsen)
    from reports import case_state

    case_state.refresh_tip_state(bullying)
    client = staff_client(officer_olsen)
    assert references(client.get(QUEUE, {"category": categories["weapons"].pk})) == [weapons.reference]
    assert references(client.get(QUEUE, {"state": "open"})) == [bullying.reference]
    assert references(client.get(QUEUE, {"mine": "on"})) == [bullying.reference]
    assert references(client.get(QUEUE, {"priority": 4})) == [weapons.reference]
    assert references(client.get(QUEUE, {"unacknowledged": "on"})) == [weapons.reference]
    body = client.get(QUEUE, {"state": "open"}).content.decode()
    assert re.search(r"In progress <span class=\"badge text-bg-light\">1</span>", body)
    assert re.search(r"New <span class=\"badge text-bg-light\">1</span>", body)
    assert re.search(r"Not acknowledged by my agency <span class=\"badge text-bg-light\">1</span>", body)
    assert re.search(r"All <span class=\"badge text-bg-light\">2</span>", body)
    assert "1 matching" in body


@pytest.mark.django_db
def test_unacknowledged_filter_is_per_agency(staff_client, officer_olsen, principal_park, clayton_tip):
    actions.acknowledge(tip=clayton_tip, actor=principal_park, memberships=list(principal_park.memberships.all()))
    client = staff_client(officer_olsen)
    assert references(client.get(QUEUE, {"unacknowledged": "on"})) == [clayton_tip.reference]


@pytest.mark.django_db
def test_search_finds_words_in_encrypted_text(staff_client, officer_olsen, make_tip, clayton_high, kirkwood_high):
    knife = make_tip(school=clayton_high, description="Jalen showed a knife near the bleachers").tip
    make_tip(school=clayton_high, description="Vaping in the bathroom")
    other_agency = make_tip(school=kirkwood_high, description="knife in a backpack").tip
    client = staff_client(officer_olsen)
    assert references(client.get(QUEUE, {"q": "KNIFE bleachers"})) == [knife.reference]
    assert references(client.get(QUEUE, {"q": "knife"})) == [knife.reference]  # never the other agency's
    assert references(client.get(QUEUE, {"q": "knives"})) == []
    assert other_agency.reference not in client.get(QUEUE, {"q": "knife"}).content.decode()


@pytest.mark.django_db
def test_keyset_pages_cover_every_tip_once(staff_client, officer_olsen, make_tip, clayton_high):
    tips = [make_tip(school=clayton_high, category="weapons" if n % 3 == 0 else "bullying").tip for n in range(60)]
    client = staff_client(officer_olsen)
    for sort in ("attention", "newest", "oldest", "priority"):
        collected, cursor = [], ""
        while True:
            params = {"sort": sort, "size": 25}
            if cursor:
                params["cursor"] = cursor
            response = client.get(QUEUE, params)
            collected += references(response)
            match = re.search(r'cursor=([A-Za-z0-9_-]+)">Next', response.content.decode())
            if not match:
                break
            cursor = match.group(1)
        assert sorted(collected) == sorted(t.reference for t in tips), sort


@pytest.mark.django_db
def test_keyset_paging_forward_and_back(officer_olsen, make_tip, clayton_high):
    from reports.triage import queue

    for _ in range(7):
        make_tip(school=clayton_high)
    tips = Tip.objects.visible_to(officer_olsen)
    first = queue.page(tips, sort="newest", size=3)
    second = queue.page(tips, sort="newest", cursor=first.next_cursor, size=3)
    third = queue.page(tips, sort="newest", cursor=second.next_cursor, size=3)
    assert len(first.items) == 3 and len(second.items) == 3 and len(third.items) == 1
    assert third.next_cursor is None and first.previous_cursor is None
    back = queue.page(tips, sort="newest", cursor=second.previous_cursor, size=3)
    assert [t.pk for t in back.items] == [t.pk for t in first.items]
    everything = [t.pk for t in tips.order_by("-received_at", "-id")]
    assert [t.pk for t in first.items + second.items + third.items] == everything


def test_a_broken_cursor_starts_at_the_first_page():
    from reports.triage import queue

    assert queue._decode("not-base64!!", queue.ORDERINGS["newest"]) is None


@pytest.mark.django_db
def test_query_count_does_not_depend_on_page_size(
    staff_client, officer_olsen, make_tip, clayton_high, django_assert_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for _ in range(30):
        make_tip(school=clayton_high)
    client = staff_client(officer_olsen)
    client.get(QUEUE)  # warm caches
    counts = []
    for size in (25, 100):
        with CaptureQueriesContext(connection) as queries:
            response = client.get(QUEUE, {"size": size})
        assert response.status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]
    with django_assert_num_queries(counts[0]):
        client.get(QUEUE, {"size": 50})


@pytest.mark.django_db
def test_tip_unacknowledged_for_a_business_day_shows_overdue(staff_client, officer_olsen, make_tip, clayton_high):
    from datetime import timedelta

    from django.utils import timezone

    old = make_tip(school=clayton_high).tip
    Tip.objects.filter(pk=old.pk).update(received_at=timezone.now() - timedelta(days=5))
    fresh = make_tip(school=clayton_high).tip
    body = staff_client(officer_olsen).get(QUEUE, {"sort": "newest"}).content.decode()
    rows = body.split("<tr")
    old_row = next(r for r in rows if old.reference in r)
    fresh_row = next(r for r in rows if fresh.reference in r)
    assert "Overdue" in old_row and "Overdue" not in fresh_row
