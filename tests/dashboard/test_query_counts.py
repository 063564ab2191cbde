"""Every staff route has an absolute query budget (STYLE.md: pinned query counts).

A page with a realistic tip (two agencies, a picture, messages both ways, a note, a linked
tip) and a queue of a dozen tips is requested once to warm the session and caches, then
once more inside ``django_assert_num_queries``. A change that adds a query to a page (an
N+1, a lookup repeated per request) fails here; a change that removes one lowers the pin.
The meta-test fails when a route is added to ``reports.urls_staff`` without a pin.

What every signed-in staff request costs before the view runs: the session, the user,
the authenticator device (django-otp) and the user's memberships (read once per request,
``partners.models.memberships_of``): 4 queries.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.contrib import admin
from django.urls import reverse

from partners.models import Agency
from reports import urls_staff
from reports.intake.services import CleanImage, add_tipster_message
from reports.models import Tip
from reports.triage import actions

PER_REQUEST = 4  # session, user, authenticator device, memberships


@dataclass(frozen=True)
class Pin:
    queries: int
    who: str = "officer_olsen"
    method: str = "get"
    data: Callable[[Tip], dict] | None = None
    query: dict | None = None
    status: int | None = None  # expected answer when not the usual 200 (GET) or 302 (POST)


PINS: dict[str, Pin] = {
    # + the page's tips in order from the agency's routings, the tips by key, each agency's
    # part, the tabs' live bounded counts (all, not acknowledged, one per state: no cached
    # count that contradicts the rows; the matching count is the active tab's) and the
    # unread count in one statement, the tips with new information after closing (the
    # unfiltered queue's filter form, and category and school names, come from the cache)
    # + casework: my overdue safety-plan actions (notices awaiting me: only for a designee)
    "queue": Pin(PER_REQUEST + 6),
    # + agencies, members, rota, mobiles, coordinators, their mobiles, open tips' routings
    "coverage": Pin(PER_REQUEST + 8, who="coordinator_cole"),
    # + count, audit row, the tips, their routings with agencies
    "export": Pin(PER_REQUEST + 4),
    # + one query per figure and chart
    "stats": Pin(PER_REQUEST + 1),
    # + the page of events, the staff they name (events read as sentences)
    "audit": Pin(PER_REQUEST + 2, who="coordinator_cole"),
    # the memberships shown are the request's own; + the mobile number and a pending code
    "preferences": Pin(PER_REQUEST + 2),
    # Text-message settings (POST, then a redirect to the preferences page). SMS is off in
    # tests unless a test turns it on, so sending a code stops at "not switched on" and
    # confirming finds no code sent: both show the page again with the reason (400).
    "mobile-send-code": Pin(PER_REQUEST + 3, method="post", data=lambda tip: {"number": "(314) 555-0142"}, status=400),
    "mobile-confirm": Pin(PER_REQUEST + 6, method="post", data=lambda tip: {"code": "123456"}, status=400),
    "mobile-cancel": Pin(PER_REQUEST + 3, method="post", data=lambda tip: {}),
    "mobile-options": Pin(PER_REQUEST + 3, method="post", data=lambda tip: {"sms_for_all_alerts": "on"}),
    "mobile-remove": Pin(PER_REQUEST + 3, method="post", data=lambda tip: {}),
    # + tip (with the texting tipster of a tip sent by SMS and casework's panel: hand-offs,
    #   cases, the state-report mark, the mental-health partners, and whether it has
    #   pictures or related tips, as annotations), audit row, routings, pictures, timeline
    #   (events, messages, notes), staff names, the linked tips the viewer may open (its own
    #   and its history's, one query; pictures and links are asked only for a tip with some,
    #   as this one), + the alerts sent of a life-safety tip's ladder (its people, on call
    #   and textable, are read with the staff names). Canned replies come from the cache.
    #   Issue 11/15's budget: 15.
    "tip-detail": Pin(PER_REQUEST + 10),
    # + tip, picture, audit row
    "tip-image": Pin(PER_REQUEST + 3),
    # + tip, picture, audit row: the file itself, always an attachment
    "tip-image-file": Pin(PER_REQUEST + 3),
    # Actions: + tip, routed agencies, then the change in a transaction (savepoint, version
    # claim, the change, audit row, release) and the redirect; acknowledging a life-safety tip
    # also settles its waiting escalation alerts at the tip's hour (SECURITY.md 37).
    # + the tip's place in the queue copied onto its routings (``case_state.copy_attention``).
    "tip-acknowledge": Pin(PER_REQUEST + 13, who="principal_park", method="post", data=lambda tip: {}),
    # One agency's part: + tip, the part, then (locked tip, part, version claim, change,
    # derived state, audit rows) and the redirect.
    "part-step": Pin(
        PER_REQUEST + 10,
        method="post",
        data=lambda tip: {f"part{police(tip).pk}-version": police(tip).version, f"part{police(tip).pk}-step": "start"},
    ),
    "part-assign": Pin(
        PER_REQUEST + 9,
        method="post",
        data=lambda tip: {
            f"assign{police(tip).pk}-version": police(tip).version,
            f"assign{police(tip).pk}-assignee": "",
        },
    ),
    "tip-priority": Pin(
        PER_REQUEST + 7, method="post", data=lambda tip: {"priority-version": tip.version, "priority-priority": 3}
    ),
    "tip-note": Pin(
        PER_REQUEST + 7, method="post", data=lambda tip: {"note-body": "Called the school.", "note-audience": "all"}
    ),
    # + a reply marks the tipster's messages read (a POST from the page, SECURITY.md 22)
    # + whether the tipster reported by text (their replies then go out by text too)
    "tip-message": Pin(PER_REQUEST + 8, method="post", data=lambda tip: {"message-body": "Thank you."}),
    # + tip, routed agencies, the count read and cleared, audit row
    "tip-mark-read": Pin(PER_REQUEST + 5, method="post", data=lambda tip: {}),
    "tip-link": Pin(
        PER_REQUEST + 10,
        method="post",
        data=lambda tip: {
            "link-version": tip.version,
            "link-reference": Tip.objects.exclude(pk=tip.pk).exclude(related=tip).first().reference,
            "link-kind": "related",
        },
    ),
    # + tip, routings, the change in a transaction (version claim, routing, audit, timeline),
    # the waiting escalation alerts settled, the tip's place in the queue copied
    "tip-acknowledge-for": Pin(
        PER_REQUEST + 15,
        who="coordinator_cole",
        method="post",
        data=lambda tip: {
            "ackfor-agency": tip.routings.filter(acknowledged_at=None, role="responsible").first().agency_id,
            "ackfor-note": "Phoned their dispatch; Sgt. Diaz is on it.",
        },
    ),
    # + the new routing's alerts and ladder (who can be reached there now: the agency, then
    # its members and the coordinators with their shifts and mobiles in one query; an
    # agency added for information only has no ladder to save; the tip's place in the
    # queue copied onto the new routing as it is under the lock)
    "tip-reroute": Pin(
        PER_REQUEST + 18,
        who="coordinator_cole",
        method="post",
        data=lambda tip: {
            "reroute-version": tip.version,
            "reroute-add_agency": Agency.objects.get(slug="kirkwood-pd").pk,
            "reroute-role": "info_only",
        },
    ),
}


def police(tip: Tip):
    return tip.routings.get(agency__name="Clayton Police Department")


def test_every_staff_route_has_a_pinned_query_count():
    names = {pattern.name for pattern in urls_staff.urlpatterns}
    assert names == set(PINS), f"routes without a pinned query count: {names - set(PINS)}"


@pytest.fixture
def busy_tip(make_tip, clayton_high, officer_olsen, principal_park, kirkwood_pd):
    """A Clayton tip with a picture, acknowledged, messages both ways, a note and a related tip."""
    from tests.reports.test_report_form import _jpeg_with_gps

    picture = CleanImage(content=_jpeg_with_gps(), content_type="image/jpeg", width=40, height=30)
    tip = make_tip(school=clayton_high, category="weapons", description="A knife in a locker.", images=[picture]).tip
    from reports.triage.permissions import acting_memberships

    actions.acknowledge(tip=tip, actor=officer_olsen, memberships=acting_memberships(officer_olsen, tip))
    tip.refresh_from_db()
    actions.message_tipster(tip=tip, author=officer_olsen, agency=None, body="Which locker?")
    add_tipster_message(tip=tip, body="Number 214, by the gym.", images=[picture])
    actions.add_note(tip=tip, actor=principal_park, agency=None, body="Locker opened with the principal.")
    other = make_tip(school=clayton_high).tip
    tip.refresh_from_db()
    actions.link(tip=tip, actor=officer_olsen, other=other, kind="related", version=tip.version)
    for _ in range(10):
        make_tip(school=clayton_high)
    Tip.objects.filter(pk=tip.pk).update(unread_tipster_messages=0)
    return Tip.objects.get(pk=tip.pk)


def url_for(name: str, tip: Tip) -> str:
    if name in {"tip-image", "tip-image-file"}:
        return reverse(f"dashboard:{name}", args=[tip.pk, tip.attachments.first().public_id])
    if name.startswith("part-"):
        return reverse(f"dashboard:{name}", args=[tip.pk, police(tip).pk])
    if name.startswith("tip-"):
        return reverse(f"dashboard:{name}", args=[tip.pk])
    return reverse(f"dashboard:{name}")


@pytest.mark.django_db
@pytest.mark.parametrize("name", list(PINS))
def test_staff_route_query_count(name, request, staff_client, busy_tip, coordinator_cole, django_assert_num_queries):
    pin = PINS[name]
    client = staff_client(request.getfixturevalue(pin.who))
    url = url_for(name, busy_tip)
    assert client.get(reverse("dashboard:queue")).status_code == 200  # warm: session clocks, cached counts
    if pin.method == "get":
        client.get(url, pin.query or {})
    data = pin.data(Tip.objects.get(pk=busy_tip.pk)) if pin.data else None
    with django_assert_num_queries(pin.queries):
        if pin.method == "get":
            response = client.get(url, pin.query or {})
            if response.streaming:
                b"".join(response.streaming_content)
        else:
            response = client.post(url, data)
    assert response.status_code == (pin.status or (200 if pin.method == "get" else 302)), response.status_code


@pytest.mark.django_db
def test_tip_detail_is_within_its_budget_for_a_coordinator(
    staff_client, coordinator_cole, busy_tip, django_assert_num_queries
):
    """A coordinator's page also has the re-routing form (the agencies to add and those to
    remove, with every agency's coverage, read with the alert ladders' people): one query
    more, every agency (its choices are those agencies)."""
    client = staff_client(coordinator_cole)
    url = url_for("tip-detail", busy_tip)
    client.get(url)
    with django_assert_num_queries(PINS["tip-detail"].queries + 1):
        assert client.get(url).status_code == 200


@pytest.mark.django_db
def test_queue_count_does_not_grow_with_the_tips(staff_client, officer_olsen, busy_tip, make_tip, clayton_high):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = staff_client(officer_olsen)
    client.get(reverse("dashboard:queue"))
    with CaptureQueriesContext(connection) as before:
        client.get(reverse("dashboard:queue"))
    for _ in range(15):
        make_tip(school=clayton_high)
    with CaptureQueriesContext(connection) as after:
        client.get(reverse("dashboard:queue"))
    assert len(after) == len(before)


# --- The admin: our apps' changelists ------------------------------------------------

ADMIN_CHANGELISTS = {
    # model label → queries for a coordinator (superuser here) with a few rows of each: the
    # 4 of every staff request, the rows, their count, and each list filter's choices.
    "partners.agency": 7,
    "partners.school": 9,
    "partners.membership": 8,
    "partners.page": 7,
    "partners.networkrange": 7,
    "partners.resource": 7,
    "partners.sitesettings": 8,
    "partners.staffmobile": 7,
    "reports.category": 7,
    "reports.routingrule": 8,
    "reports.cannedreply": 7,
    "reports.notification": 9,
    "safeschools.auditevent": 9,
}


def test_every_admin_changelist_of_ours_is_pinned():
    ours = {
        model._meta.label_lower
        for model in admin.site._registry
        if model._meta.app_label in {"partners", "reports", "safeschools"}
    }
    assert ours == set(ADMIN_CHANGELISTS), f"admin changelists without a pin: {ours - set(ADMIN_CHANGELISTS)}"


@pytest.mark.django_db
@pytest.mark.parametrize("label", list(ADMIN_CHANGELISTS))
def test_admin_changelist_query_count(
    label, client, login_verified, coordinator_cole, busy_tip, django_assert_num_queries
):
    from django.apps import apps

    coordinator_cole.is_superuser = True
    coordinator_cole.save()
    login_verified(client, coordinator_cole)
    model = apps.get_model(label)
    url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
    assert client.get(url).status_code == 200
    with django_assert_num_queries(ADMIN_CHANGELISTS[label]):
        assert client.get(url).status_code == 200


@pytest.mark.django_db
def test_tip_detail_count_does_not_grow_with_the_conversation(
    staff_client, officer_olsen, busy_tip, principal_park, django_assert_max_num_queries
):
    from tests.reports.test_report_form import _jpeg_with_gps

    picture = CleanImage(content=_jpeg_with_gps(), content_type="image/jpeg", width=40, height=30)
    for n in range(5):
        actions.message_tipster(tip=busy_tip, author=officer_olsen, agency=None, body=f"Question {n}?")
        add_tipster_message(tip=busy_tip, body=f"Answer {n}.", images=[picture])
        actions.add_note(tip=busy_tip, actor=principal_park, agency=None, body=f"Note {n}.")
    Tip.objects.filter(pk=busy_tip.pk).update(unread_tipster_messages=0)
    client = staff_client(officer_olsen)
    url = url_for("tip-detail", busy_tip)
    client.get(url)
    with django_assert_max_num_queries(PINS["tip-detail"].queries):
        assert client.get(url).status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize("label", ["reports.notification", "safeschools.auditevent", "partners.membership"])
def test_admin_changelist_count_does_not_grow_with_rows(
    label, client, login_verified, coordinator_cole, busy_tip, make_tip, clayton_high, django_assert_num_queries
):
    from django.apps import apps

    coordinator_cole.is_superuser = True
    coordinator_cole.save()
    for _ in range(8):
        make_tip(school=clayton_high, category="weapons")
    login_verified(client, coordinator_cole)
    model = apps.get_model(label)
    client.get(reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist"))
    with django_assert_num_queries(ADMIN_CHANGELISTS[label]):
        client.get(reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist"))
