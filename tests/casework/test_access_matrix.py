"""SECURITY.md 47, 18, 22: the access matrix over every casework route.

Cases are seen by their team and the coordinators; notices by the sender agency, the
receiving district's designees, a linked case's team and the coordinators; a district's
state report by its own staff and the coordinators. Everyone else gets 404 (not 403), and
nothing changes. The meta-test fails when a route is added to ``casework.urls_staff``
without a row here.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from casework import urls_staff
from casework.models import CaseMember, Notice, ThreatCase
from safeschools.models import AuditEvent

ALLOWED = "allowed"
DENIED = 404
READ_ONLY = 403


def _tomorrow() -> str:
    return (timezone.localdate() + timedelta(days=1)).isoformat()


# name → (method, object, valid POST data)
ROUTES = {
    "cases": ("get", None, None),
    "case-new": ("get", None, None),
    "case-export": ("get", None, None),
    "notices": ("get", None, None),
    "notice-new": ("get", None, None),
    "state-reports": ("get", None, None),
    "case": ("get", "case", None),
    "case-member-add": ("post", "case", lambda w: {"member-membership": w["pham_membership"]}),
    "case-member-remove": ("post", "case", lambda w: {}),
    "case-step": (
        "post",
        "case",
        lambda w: {"step-step": "transient", "step-decision": "substantive", "step-note": "Would not explain."},
    ),
    "case-action-add": (
        "post",
        "case",
        lambda w: {"action-kind": "check_in", "action-owner": w["park"].pk, "action-due_on": _tomorrow()},
    ),
    "case-action-done": ("post", "case", lambda w: {}),
    "case-review": ("post", "case", lambda w: {"review-review_on": _tomorrow()}),
    "case-close": ("post", "case", lambda w: {"close-outcome": "resolved"}),
    "case-reopen": ("post", "case", lambda w: {}),
    "case-link-tip": ("post", "case", lambda w: {"link-reference": w["other_tip"].reference}),
    "case-state-mark": ("post", "case", lambda w: {"statemark-kind": "credible_threat"}),
    "notice": ("get", "notice", None),
    "notice-acknowledge": ("post", "notice", lambda w: {}),
    "notice-acknowledge-for": ("post", "notice", lambda w: {"ackfor-note": "Phoned the district office at 9:10."}),
    "notice-link-case": ("post", "notice", lambda w: {"linkcase-case": w["case"].pk}),
    "state-report": ("get", "district", None),
    "state-report-csv": ("get", "district", None),
    "tip-hand-off": (
        "post",
        "tip",
        lambda w: {"handoff-kind": "911", "handoff-happened_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M")},
    ),
    "tip-state-mark": ("post", "tip", lambda w: {"statemark-kind": "incident"}),
}

PEOPLE = ["park", "olsen", "pham", "kim", "cole", "vega"]
# Who sees what. Park (Clayton schools) and Olsen (Clayton PD) are the case's team; Park is
# the Clayton district's Safe Schools Act designee; Olsen sent the notice; Pham is Clayton
# district staff on neither; Kim is Kirkwood PD; Cole a coordinator; Vega a Clayton PD viewer.
SEES = {
    "case": {"park", "olsen", "cole"},
    "notice": {"park", "olsen", "cole", "vega"},
    "district": {"park", "pham", "cole"},
    "tip": {"park", "olsen", "pham", "cole", "vega"},
}
# Allowed to see but not to do.
CANNOT_DO = {
    "case-reopen": {"park", "olsen"},  # coordinators reopen
    "case-state-mark": {"olsen"},  # the district's administrators decide what it reports
    "notice-acknowledge": {"olsen", "cole", "vega"},  # only the receiving designees
    "notice-acknowledge-for": {"park", "olsen", "vega"},  # only coordinators, for the designees
    "notice-link-case": {"vega"},  # only a case's team (or a coordinator) links to it
    "tip-hand-off": {"vega"},  # viewers read only
    "tip-state-mark": {"olsen", "vega"},
}


def expected(name: str, who: str):
    _, kind, _ = ROUTES[name]
    if kind is not None and who not in SEES[kind]:
        return DENIED
    if who in CANNOT_DO.get(name, set()):
        return READ_ONLY
    if name == "case-new" and who not in {"park", "pham", "cole"}:
        return READ_ONLY  # school administrators and coordinators open cases
    if name == "notice-new" and who not in {"olsen", "kim"}:
        return READ_ONLY  # police and juvenile officers notify districts
    return ALLOWED


def test_every_casework_route_is_in_the_matrix():
    names = {pattern.name for pattern in urls_staff.urlpatterns}
    assert names == set(ROUTES), f"routes without access tests: {names - set(ROUTES)}"


@pytest.fixture
def world(
    case,
    notice,
    clayton_tip,
    make_tip,
    clayton_high,
    clayton_district,
    principal_park,
    officer_olsen,
    principal_pham,
    officer_kim,
    coordinator_cole,
    viewer_vega,
):
    from partners.models import Membership

    case.review_on = timezone.localdate()
    case.save(update_fields=["review_on"])
    action = case.actions.create(kind="check_in", owner=principal_park, due_on=timezone.localdate())
    return {
        "case": case,
        "notice": notice,
        "tip": clayton_tip,
        "district": clayton_district,
        "other_tip": make_tip(school=clayton_high).tip,
        "action": action,
        "member": CaseMember.objects.get(case=case, user=officer_olsen),
        "pham_membership": Membership.objects.get(user=principal_pham).pk,
        "park": principal_park,
        "people": {
            "park": principal_park,
            "olsen": officer_olsen,
            "pham": principal_pham,
            "kim": officer_kim,
            "cole": coordinator_cole,
            "vega": viewer_vega,
        },
    }


def url_for(name: str, w: dict) -> str:
    _, kind, _ = ROUTES[name]
    if name == "case-member-remove":
        return reverse(f"casework:{name}", args=[w["case"].pk, w["member"].pk])
    if name == "case-action-done":
        return reverse(f"casework:{name}", args=[w["case"].pk, w["action"].pk])
    return reverse(f"casework:{name}", args=[w[kind].pk] if kind else [])


def _call(client, name: str, w: dict):
    method, _, data = ROUTES[name]
    url = url_for(name, w)
    return client.post(url, data(w)) if method == "post" else client.get(url)


def _state(w: dict) -> tuple:
    """What a denied request must leave unchanged."""
    case = ThreatCase.objects.get(pk=w["case"].pk)
    notice = Notice.objects.get(pk=w["notice"].pk)
    return (
        case.status,
        case.classification,
        case.review_on,
        case.state_report_kind,
        case.members.count(),
        case.steps.count(),
        case.actions.count(),
        case.actions.filter(done_at=None).count(),
        case.tips.count(),
        notice.acknowledged_at,
        notice.case_id,
        w["tip"].hand_offs.count(),
    )


@pytest.mark.django_db
@pytest.mark.parametrize("who", PEOPLE)
@pytest.mark.parametrize("name", list(ROUTES))
def test_access_matrix(staff_client, world, name, who):
    client = staff_client(world["people"][who])
    before = _state(world)
    response = _call(client, name, world)
    want = expected(name, who)
    if want == ALLOWED:
        assert response.status_code in (200, 302), (name, who, response.status_code, response.content[:800])
    else:
        assert response.status_code == want, (name, who, response.status_code)
        assert _state(world) == before, "a refused request changed something"


@pytest.mark.django_db
def test_allowed_actions_take_effect(staff_client, world):
    """The matrix's POST data is real: each allowed action changes what it should."""
    client = staff_client(world["people"]["park"])
    for name in ["case-step", "case-action-add", "case-action-done", "case-review", "case-link-tip", "case-state-mark"]:
        assert _call(client, name, world).status_code == 302, name
    case = ThreatCase.objects.get(pk=world["case"].pk)
    assert case.classification == "substantive" and case.state_report_kind == "credible_threat"
    assert case.actions.count() == 2 and case.actions.filter(done_at=None).count() == 1
    assert case.tips.count() == 2
    assert _call(client, "notice-acknowledge", world).status_code == 302
    assert Notice.objects.get(pk=world["notice"].pk).acknowledged_by == world["park"]


@pytest.mark.django_db
@pytest.mark.parametrize("name", [n for n, (method, _, _) in ROUTES.items() if method == "post"])
def test_get_on_an_action_is_405(staff_client, world, name):
    response = staff_client(world["people"]["park"]).get(url_for(name, world))
    assert response.status_code == 405


@pytest.mark.django_db
@pytest.mark.parametrize("name", list(ROUTES))
def test_anonymous_is_sent_to_sign_in(client, world, name):
    response = _call(client, name, world)
    assert response.status_code == 302 and response["Location"].startswith(reverse("account:login"))


@pytest.mark.django_db
def test_denied_case_access_is_audited(staff_client, world):
    staff_client(world["people"]["pham"]).get(url_for("case", world))
    event = AuditEvent.objects.get(action=AuditEvent.Action.ACCESS_DENIED)
    assert event.actor_label == "pham" and event.detail["requested_case_id"] == world["case"].pk


@pytest.mark.django_db
def test_lists_show_only_what_the_user_may_see(staff_client, world):
    case_ref, notice_ref = world["case"].reference, world["notice"].reference
    for who, sees_case, sees_notice in [("pham", False, False), ("kim", False, False), ("olsen", True, True)]:
        client = staff_client(world["people"][who])
        cases = client.get(reverse("casework:cases"), {"show": "all"}).content.decode()
        notices = client.get(reverse("casework:notices")).content.decode()
        assert (case_ref in cases) is sees_case, who
        assert (notice_ref in notices) is sees_notice, who


@pytest.mark.django_db
def test_a_linked_case_team_sees_the_notice(staff_client, world, counsellor_cruz):
    """Counsellor Cruz joins the team: the notice linked to the case opens for them."""
    from casework import cases, notices
    from partners.models import Membership

    client = staff_client(counsellor_cruz)
    assert client.get(url_for("notice", world)).status_code == 404
    notices.link_to_case(notice=world["notice"], case=world["case"], actor=world["park"])
    cases.add_member(case=world["case"], actor=world["park"], membership=Membership.objects.get(user=counsellor_cruz))
    assert client.get(url_for("notice", world)).status_code == 200
