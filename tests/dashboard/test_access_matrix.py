"""SECURITY.md 13, 18, 22: the access matrix over every dashboard route.

For every route: the allowed staff get 200/302, an officer of another agency gets 404 (not
403) on anything touching the tip, a viewer gets 403 on actions, anonymous visitors are sent
to sign in, and GET on an action is 405. The meta-test fails when a route is added to
``reports.urls_staff`` without a row here.
"""

import pytest
from django.urls import reverse

from reports import urls_staff
from reports.models import Routing, Tip

# name → (method, needs a tip, valid POST data builder)
ROUTES = {
    "queue": ("get", False, None),
    "export": ("get", False, None),
    "stats": ("get", False, None),
    "audit": ("get", False, None),  # coordinators only: tested separately
    "coverage": ("get", False, None),  # coordinators only: tested separately
    "preferences": ("get", False, None),  # only the user's own memberships
    "tip-detail": ("get", True, None),
    "tip-image": ("get", True, None),
    "tip-image-file": ("get", True, None),
    "tip-acknowledge": ("post", True, lambda tip: {}),
    "tip-acknowledge-for": (
        "post",
        True,
        lambda tip: {"ackfor-agency": tip.routings.first().agency_id, "ackfor-note": "Phoned their front desk."},
    ),
    "tip-mark-read": ("post", True, lambda tip: {}),
    "part-step": (
        "post",
        True,
        lambda tip: {f"part{police(tip).pk}-version": 1, f"part{police(tip).pk}-step": "start"},
    ),
    "part-assign": (
        "post",
        True,
        lambda tip: {f"assign{police(tip).pk}-version": 1, f"assign{police(tip).pk}-assignee": ""},
    ),
    "tip-priority": ("post", True, lambda tip: {"priority-version": tip.version, "priority-priority": 3}),
    "tip-note": ("post", True, lambda tip: {"note-body": "Called the school.", "note-audience": "all"}),
    "tip-message": ("post", True, lambda tip: {"message-body": "Thank you."}),
    "tip-link": (
        "post",
        True,
        lambda tip: {"link-version": tip.version, "link-reference": "T-NOPE", "link-kind": "related"},
    ),
    "tip-reroute": ("post", True, lambda tip: {"reroute-version": tip.version}),
    # The user's own mobile number (tests/dashboard/test_mobile.py): any staff member, viewers too.
    "mobile-send-code": ("post", False, lambda tip: {"number": "not a number"}),
    "mobile-confirm": ("post", False, lambda tip: {"code": "123456"}),
    "mobile-cancel": ("post", False, lambda tip: {}),
    "mobile-options": ("post", False, lambda tip: {}),
    "mobile-remove": ("post", False, lambda tip: {}),
}
ACTIONS = [name for name, (method, needs_tip, _) in ROUTES.items() if method == "post" and needs_tip]
OWN_ACTIONS = [name for name, (method, needs_tip, _) in ROUTES.items() if method == "post" and not needs_tip]
TIP_ROUTES = [name for name, (_, needs_tip, _) in ROUTES.items() if needs_tip]


def test_every_dashboard_route_is_in_the_matrix():
    names = {pattern.name for pattern in urls_staff.urlpatterns}
    assert names == set(ROUTES), f"routes without access tests: {names - set(ROUTES)}"


def police(tip: Tip) -> Routing:
    """The police department's part of a Clayton tip: Officer Olsen's agency's."""
    return Routing.objects.get(tip=tip, agency__name="Clayton Police Department")


def url_for(name: str, tip: Tip | None) -> str:
    if name in ("tip-image", "tip-image-file"):
        attachment = tip.attachments.first()
        return reverse(f"dashboard:{name}", args=[tip.pk, attachment.public_id])
    if name.startswith("part-"):
        return reverse(f"dashboard:{name}", args=[tip.pk, police(tip).pk])
    return reverse(f"dashboard:{name}", args=[tip.pk] if ROUTES[name][1] else [])


@pytest.fixture
def tip_with_image(categories, clayton_high):
    from reports.intake import receipts
    from reports.intake.services import CleanImage, TipReport, submit_tip
    from tests.reports.test_report_form import _jpeg_with_gps

    image = CleanImage(content=_jpeg_with_gps(), content_type="image/jpeg", width=40, height=30)
    report = TipReport(
        category=categories["weapons"], school=clayton_high, description="Photo of the knife", images=[image]
    )
    return submit_tip(report=report, receipt=receipts.generate(), form_token="matrix").tip


@pytest.mark.django_db
@pytest.mark.parametrize("name", TIP_ROUTES)
def test_officer_of_other_agency_gets_404(staff_client, officer_kim, tip_with_image, name):
    client = staff_client(officer_kim)
    method, _, data = ROUTES[name]
    url = url_for(name, tip_with_image)
    response = client.post(url, data(tip_with_image)) if method == "post" else client.get(url)
    assert response.status_code == 404
    assert Tip.objects.get(pk=tip_with_image.pk).version == tip_with_image.version
    assert police(tip_with_image).version == 1 and police(tip_with_image).acknowledged_at is None


@pytest.mark.django_db
@pytest.mark.parametrize("name", TIP_ROUTES)
def test_officer_of_routed_agency_is_allowed(staff_client, officer_olsen, tip_with_image, coordinator_cole, name):
    client = staff_client(officer_olsen)
    method, _, data = ROUTES[name]
    url = url_for(name, tip_with_image)
    response = client.post(url, data(tip_with_image)) if method == "post" else client.get(url)
    if name in ("tip-reroute", "tip-acknowledge-for"):
        assert response.status_code == 403  # coordinators only
    elif name == "tip-link":
        assert response.status_code == 400 and b"No tip you can see has that reference" in response.content
    else:
        assert response.status_code in (200, 302), response.content[:500]


@pytest.mark.django_db
@pytest.mark.parametrize("name", ACTIONS)
def test_viewer_gets_403_on_actions(staff_client, viewer_vega, tip_with_image, name):
    client = staff_client(viewer_vega)
    response = client.post(url_for(name, tip_with_image), ROUTES[name][2](tip_with_image))
    assert response.status_code == 403
    assert Tip.objects.get(pk=tip_with_image.pk).version == tip_with_image.version
    assert police(tip_with_image).version == 1 and police(tip_with_image).state == "new"


@pytest.mark.django_db
def test_viewer_may_read(staff_client, viewer_vega, tip_with_image):
    response = staff_client(viewer_vega).get(url_for("tip-detail", tip_with_image))
    assert response.status_code == 200
    assert b"read-only access" in response.content


@pytest.mark.django_db
@pytest.mark.parametrize("name", ACTIONS + OWN_ACTIONS)
def test_get_on_an_action_is_405(staff_client, officer_olsen, tip_with_image, name):
    response = staff_client(officer_olsen).get(url_for(name, tip_with_image))
    assert response.status_code == 405


@pytest.mark.django_db
@pytest.mark.parametrize("name", list(ROUTES))
def test_anonymous_is_sent_to_sign_in(client, tip_with_image, name):
    method, _, data = ROUTES[name]
    url = url_for(name, tip_with_image)
    response = client.post(url, data(tip_with_image)) if method == "post" else client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account:login"))


@pytest.mark.django_db
@pytest.mark.parametrize("name", list(ROUTES))
def test_password_only_session_is_sent_to_the_second_factor(client, officer_olsen, tip_with_image, name):
    client.force_login(officer_olsen)
    method, _, data = ROUTES[name]
    url = url_for(name, tip_with_image)
    response = client.post(url, data(tip_with_image)) if method == "post" else client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account:verify"))


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["audit", "coverage"])
def test_coordinator_pages_are_for_coordinators_only(staff_client, officer_olsen, coordinator_cole, client, name):
    assert staff_client(officer_olsen).get(reverse(f"dashboard:{name}")).status_code == 403
    client.logout()
    assert staff_client(coordinator_cole).get(reverse(f"dashboard:{name}")).status_code == 200


@pytest.mark.django_db
def test_denied_access_is_audited(staff_client, officer_kim, tip_with_image):
    from safeschools.models import AuditEvent

    staff_client(officer_kim).get(url_for("tip-detail", tip_with_image))
    event = AuditEvent.objects.get(action="access.denied")
    assert event.actor_label == "kim" and event.detail["requested_tip_id"] == tip_with_image.pk


# --- Per-agency parts: an agency changes only its own; coordinators act for any ---------
PART_ROUTES = [name for name in ROUTES if name.startswith("part-")]


@pytest.mark.django_db
@pytest.mark.parametrize("name", PART_ROUTES)
def test_another_agency_on_the_tip_gets_403_on_a_part_not_its_own(staff_client, principal_park, tip_with_image, name):
    """Principal Park sees the tip (her district is on it) but not the police's part."""
    response = staff_client(principal_park).post(url_for(name, tip_with_image), ROUTES[name][2](tip_with_image))
    assert response.status_code == 403
    part = police(tip_with_image)
    assert (part.version, part.state, part.assigned_to) == (1, "new", None)


@pytest.mark.django_db
@pytest.mark.parametrize("name", PART_ROUTES)
def test_coordinator_may_act_on_any_part_and_is_recorded_as_acting_for_it(
    staff_client, coordinator_cole, tip_with_image, name
):
    from safeschools.models import AuditEvent

    response = staff_client(coordinator_cole).post(url_for(name, tip_with_image), ROUTES[name][2](tip_with_image))
    assert response.status_code == 302
    assert police(tip_with_image).version == 2
    event = AuditEvent.objects.filter(action__in=["routing.state", "routing.assigned"]).get()
    assert event.actor_label == "cole" and event.detail["on_behalf"] is True
    assert event.detail["agency"] == "Clayton Police Department"


@pytest.mark.django_db
def test_a_part_of_another_tip_is_404_even_with_a_valid_tip(
    staff_client, officer_olsen, tip_with_image, make_tip, clayton_high
):
    """The part must belong to the tip in the address: no reaching a routing through another tip."""
    other = make_tip(school=clayton_high).tip
    part = police(tip_with_image)
    response = staff_client(officer_olsen).post(
        reverse("dashboard:part-step", args=[other.pk, part.pk]),
        {f"part{part.pk}-version": 1, f"part{part.pk}-step": "start"},
    )
    assert response.status_code == 404
    assert police(tip_with_image).state == "new"
