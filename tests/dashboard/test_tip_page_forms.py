"""The tip page's blank forms come from ``safeschools.form_cache``, rendered once per state
for a stand-in tip and part (``reports.triage.detail.StandIns``) and filled with this tip's
ids and versions and this request's CSRF token. The page must be exactly the page rendered
without them, for every reader and state of the tip; and a form kept for one tip or agency
must never carry its values to another."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from django.utils import timezone

from reports.models import Routing, RoutingState, Tip
from reports.triage import detail
from safeschools import form_cache, page_cache

CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
SLOTS = (str(detail.TIP_SLOT), str(detail.ROUTING_SLOT), str(detail.VERSION_SLOT), page_cache.CSRF_SLOT)


def page(client, tip: Tip) -> str:
    response = client.get(reverse("dashboard:tip-detail", args=[tip.pk]))
    assert response.status_code == 200
    return response.content.decode()


def without_tokens(html: str) -> str:
    """Each request has its own (masked) CSRF token."""
    return CSRF.sub('name="csrfmiddlewaretoken" value=""', html)


class RealValues(detail.StandIns):
    """The forms built for the tip and its parts themselves, as before there was a cache."""

    def __init__(self, tip: Tip, csrf_token: str) -> None:
        super().__init__(tip, csrf_token)
        self.tip = tip

    def routing(self, routing: Routing) -> tuple[Routing, dict[str, str]]:
        return routing, super().routing(routing)[1]


@pytest.fixture
def tips_in_every_state(make_tip, clayton_high, clayton_tip, officer_olsen):
    """Clayton tips: new (the fixture's), acknowledged and being worked on with an assignee,
    finished with new information after closing, and a life-safety tip nobody acknowledged."""
    now = timezone.now()
    working = make_tip(school=clayton_high, description="Threats in a group chat.").tip
    Routing.objects.filter(tip=working).update(
        state=RoutingState.WORKING,
        acknowledged_at=now,
        acknowledged_by=officer_olsen,
        assigned_to=officer_olsen,
        version=3,
    )
    Tip.objects.filter(pk=working.pk).update(version=4, priority=3)
    closed = make_tip(school=clayton_high, description="A fight after school.").tip
    Routing.objects.filter(tip=closed).update(
        state=RoutingState.DONE, disposition="resolved", acknowledged_at=now, closed_at=now, version=5
    )
    Tip.objects.filter(pk=closed.pk).update(state=Tip.State.DONE, new_info_after_closing=True)
    urgent = make_tip(school=clayton_high, category="weapons", description="A gun in a backpack.").tip
    return [Tip.objects.get(pk=tip.pk) for tip in (clayton_tip, working, closed, urgent)]


@pytest.mark.django_db
@pytest.mark.parametrize("reader", ["officer_olsen", "principal_park", "coordinator_cole"])
def test_the_page_is_the_page_rendered_without_the_cache(
    reader, request, staff_client, tips_in_every_state, monkeypatch, time_machine
):
    time_machine.move_to("2026-11-30 10:15:00-06:00", tick=False)  # the hand-off form says the minute
    client = staff_client(request.getfixturevalue(reader))
    # In turn, so that each tip after the first is shown forms its predecessors left in the cache.
    cached = [page(client, tip) for tip in tips_in_every_state]
    assert form_cache._rendered
    with monkeypatch.context() as patch:
        patch.setattr(detail, "StandIns", RealValues)
        patch.setattr(form_cache, "_key", lambda form, helper: None)
        rendered = [page(client, tip) for tip in tips_in_every_state]
    for tip, with_cache, without in zip(tips_in_every_state, cached, rendered, strict=True):
        assert without_tokens(with_cache) == without_tokens(without), tip.reference
        assert not [slot for slot in SLOTS if slot in with_cache]
    assert 'value="acknowledge"' in cached[0] and 'value="reopen"' in cached[2]


@pytest.mark.django_db
def test_a_form_from_the_cache_carries_this_tips_ids_version_and_token(
    staff_client, officer_olsen, tips_in_every_state
):
    new, working = tips_in_every_state[:2]
    client = staff_client(officer_olsen)
    page(client, new)
    body = page(client, working)
    police = working.routings.get(agency__name="Clayton Police Department")
    assert f'action="/staff/tips/{working.pk}/priority/"' in body
    assert f'<input type="hidden" name="priority-version" value="{working.version}"' in body
    assert f'name="part{police.pk}-version" value="{police.version}"' in body
    assert f'action="/staff/tips/{working.pk}/parts/{police.pk}/"' in body
    assert f"/staff/tips/{new.pk}/" not in body
    token = CSRF.search(body.split('id="form-priority"')[1]).group(1)
    response = client.post(
        reverse("dashboard:tip-priority", args=[working.pk]),
        {"csrfmiddlewaretoken": token, "priority-version": working.version, "priority-priority": 4},
    )
    assert response.status_code == 302
    assert Tip.objects.get(pk=working.pk).priority == 4


@pytest.mark.django_db
def test_another_agencys_forms_never_show_on_its_page(
    staff_client, officer_olsen, officer_kim, clayton_tip, kirkwood_tip, client
):
    """Olsen's forms name Clayton PD and its people; Kim's page, after his, names neither."""
    olsen = page(staff_client(officer_olsen), clayton_tip)
    assert "Only Clayton Police Department" in olsen and "Oliver Olsen" in olsen
    client.logout()
    kim = page(staff_client(officer_kim), kirkwood_tip)
    assert "Only Kirkwood Police Department" in kim and "Kris Kim" in kim
    assert "Clayton" not in kim.split('id="summary-title"')[1].split("</section>")[1]
    assert "Olsen" not in kim and "Clayton Police" not in kim


@pytest.mark.django_db
def test_a_form_posted_with_a_problem_is_shown_as_typed(staff_client, officer_olsen, clayton_tip):
    client = staff_client(officer_olsen)
    page(client, clayton_tip)  # its blank forms are in the cache
    response = client.post(
        reverse("dashboard:tip-link", args=[clayton_tip.pk]),
        {"link-version": clayton_tip.version, "link-reference": "T-NOSUCH1", "link-kind": "related"},
    )
    body = response.content.decode()
    assert response.status_code == 400
    assert 'name="link-reference" value="T-NOSUCH1"' in body
    assert "No tip you can see has that reference." in body
