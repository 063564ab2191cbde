"""Threat assessment cases: opening from a tip, the CSTAG steps with overrides, the safety
plan, closure rules, the team, and the pages' query counts."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from casework import cases
from casework.models import DecisionStep, SafetyAction, ThreatCase
from partners.models import Membership
from safeschools.models import AuditEvent
from tests.casework.conftest import STUDENT

pytestmark = pytest.mark.django_db
Step, Decision = DecisionStep.Step, DecisionStep.Decision


def _record(case, actor, step, decision, checks=(), note="Because.", override_reason=""):
    return cases.record_step(
        case=case,
        actor=actor,
        step=step,
        decision=decision,
        checks=list(checks),
        note=note,
        override_reason=override_reason,
    )


def test_principal_opens_a_case_from_a_tip(staff_client, principal_park, clayton_tip):
    client = staff_client(principal_park)
    page = client.get(reverse("dashboard:tip-detail", args=[clayton_tip.pk])).content.decode()
    assert "Open a threat assessment case from this tip" in page
    form = client.get(reverse("casework:case-new"), {"tip": clayton_tip.pk}).content.decode()
    assert clayton_tip.reference in form
    response = client.post(
        reverse("casework:case-new") + f"?tip={clayton_tip.pk}",
        {
            "school": clayton_tip.school_id,
            "student_name": STUDENT,
            "account": "Said in class he would bring a knife.",
            "tip_references": clayton_tip.reference.lower(),
        },
    )
    case = ThreatCase.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("casework:case", args=[case.pk])
    assert list(case.tips.all()) == [clayton_tip]
    assert case.members.get().user == principal_park
    assert case.steps.get().step == Step.ACCOUNT
    opened = AuditEvent.objects.get(action=AuditEvent.Action.CASE_OPENED)
    assert opened.tip_reference == case.reference and opened.tip_id is None
    assert STUDENT not in str(opened.detail)
    # The tip's timeline says a case exists, not which one: the case is for its team only.
    linked = AuditEvent.objects.get(action=AuditEvent.Action.TIP_UPDATED, tip_id=clayton_tip.pk)
    assert case.reference not in str(linked.detail)


def test_a_tip_reference_the_principal_cannot_see_is_refused(
    staff_client, principal_park, make_tip, kirkwood_high, clayton_high
):
    other = make_tip(school=kirkwood_high).tip
    client = staff_client(principal_park)
    response = client.post(
        reverse("casework:case-new"),
        {
            "school": clayton_high.pk,
            "student_name": STUDENT,
            "account": "x",
            "tip_references": other.reference,
        },
    )
    assert response.status_code == 400 and b"No tip you can see has the reference" in response.content
    assert not ThreatCase.objects.exists()


def test_officers_do_not_open_cases(staff_client, officer_olsen, clayton_high):
    assert staff_client(officer_olsen).get(reverse("casework:case-new")).status_code == 403


def test_guided_steps_reach_very_serious(case, principal_park):
    assert _next(case) == Step.TRANSIENT
    _record(case, principal_park, Step.TRANSIENT, Decision.SUBSTANTIVE)
    assert _next(case) == Step.SERIOUSNESS
    _record(case, principal_park, Step.SERIOUSNESS, Decision.VERY_SERIOUS)
    assert ThreatCase.objects.get(pk=case.pk).classification == "very_serious"
    checks = ["protective_actions", "targets_parents", "student_parents"]
    _record(case, principal_park, Step.PROTECTIVE, Decision.DONE, checks)
    assert _next(case) == Step.SAFETY_EVALUATION
    checks = ["mental_health_assessment", "law_enforcement", "evaluation_complete"]
    _record(case, principal_park, Step.SAFETY_EVALUATION, Decision.DONE, checks, note="Findings.")
    assert _next(case) is None
    assert not any(step.is_override for step in case.steps.all())


def _next(case):
    from casework import cstag

    return cstag.next_step(cstag.latest_by_step(case.steps.all()))


def test_a_step_out_of_order_needs_a_reason(case, principal_park):
    with pytest.raises(cases.CaseworkError, match="out of the guidelines' order"):
        _record(case, principal_park, Step.SERIOUSNESS, Decision.SERIOUS)
    row = _record(case, principal_park, Step.SERIOUSNESS, Decision.SERIOUS, override_reason="Police already charged.")
    assert row.is_override and row.override_reason == "Police already charged."


def test_transient_without_confirmations_needs_a_reason(case, principal_park):
    with pytest.raises(cases.CaseworkError, match="not confirmed"):
        _record(case, principal_park, Step.TRANSIENT, Decision.TRANSIENT, ["explained"])
    _record(case, principal_park, Step.TRANSIENT, Decision.TRANSIENT, ["explained", "amends", "no_intent"])
    assert ThreatCase.objects.get(pk=case.pk).classification == "transient"
    assert _next(case) is None


def test_changing_a_decision_is_an_override_and_keeps_history(case, principal_park):
    _record(case, principal_park, Step.TRANSIENT, Decision.SUBSTANTIVE)
    _record(case, principal_park, Step.SERIOUSNESS, Decision.SERIOUS)
    with pytest.raises(cases.CaseworkError, match="already decided"):
        _record(case, principal_park, Step.SERIOUSNESS, Decision.VERY_SERIOUS)
    _record(case, principal_park, Step.SERIOUSNESS, Decision.VERY_SERIOUS, override_reason="A weapon was found.")
    assert ThreatCase.objects.get(pk=case.pk).classification == "very_serious"
    assert case.steps.filter(step=Step.SERIOUSNESS).count() == 2
    event = AuditEvent.objects.filter(action=AuditEvent.Action.CASE_CHANGED, detail__step="seriousness").latest("id")
    assert event.detail["override"] is True and "weapon" not in str(event.detail)


def test_step_form_on_the_page_shows_who_and_when(staff_client, case, principal_park):
    client = staff_client(principal_park)
    url = reverse("casework:case-step", args=[case.pk])
    response = client.post(url, {"step-step": "transient", "step-decision": "transient", "step-checks": ["explained"]})
    assert response.status_code == 400 and "Write the reason for it" in response.content.decode()
    client.post(
        url,
        {"step-step": "transient", "step-decision": "substantive", "step-note": "Did not take it back."},
    )
    page = client.get(reverse("casework:case", args=[case.pk])).content.decode()
    assert "Substantive" in page and "by Pat Park" in page and "Did not take it back." in page


def test_safety_action_owner_must_be_on_the_team(case, principal_park, principal_pham):
    tomorrow = timezone.localdate() + timedelta(days=1)
    with pytest.raises(cases.CaseworkError, match="on the case's team"):
        cases.add_action(
            case=case, actor=principal_park, kind="check_in", details="", owner=principal_pham, due_on=tomorrow
        )
    action = cases.add_action(
        case=case, actor=principal_park, kind="check_in", details="Daily at 8", owner=principal_park, due_on=tomorrow
    )
    assert not action.is_overdue()
    assert action.is_overdue(today=tomorrow + timedelta(days=1))


def test_an_owner_of_open_actions_stays_on_the_team(case, principal_park, officer_olsen):
    tomorrow = timezone.localdate() + timedelta(days=1)
    cases.add_action(
        case=case, actor=principal_park, kind="supervision", details="", owner=officer_olsen, due_on=tomorrow
    )
    member = case.members.get(user=officer_olsen)
    with pytest.raises(cases.CaseworkError, match="owns open safety-plan actions"):
        cases.remove_member(case=case, actor=principal_park, member=member)


def test_closing_needs_a_review_date_that_has_passed(case, principal_park, time_machine):
    with pytest.raises(cases.CaseworkError, match="follow-up review"):
        cases.close_case(case=case, actor=principal_park, outcome="resolved", note="")
    cases.set_review(case=case, actor=principal_park, review_on=timezone.localdate() + timedelta(days=7))
    with pytest.raises(cases.CaseworkError):
        cases.close_case(case=case, actor=principal_park, outcome="resolved", note="")
    time_machine.move_to(timezone.now() + timedelta(days=8))
    cases.close_case(case=case, actor=principal_park, outcome="resolved", note="Plan carried out.")
    closed = ThreatCase.objects.get(pk=case.pk)
    assert closed.status == "closed" and closed.outcome == "resolved" and closed.closed_by == principal_park
    with pytest.raises(cases.CaseworkError, match="closed"):
        _record(closed, principal_park, Step.TRANSIENT, Decision.SUBSTANTIVE)


def test_closed_case_without_outcome_is_refused_by_the_database(case):
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        ThreatCase.objects.filter(pk=case.pk).update(status="closed", closed_at=timezone.now())


def test_team_members_from_the_school_police_and_mental_health(case, principal_park, counsellor_cruz, officer_kim):
    from casework.access import team_candidates

    candidates = {m.user for m in team_candidates(case)}
    assert counsellor_cruz in candidates
    assert officer_kim not in candidates  # Kirkwood PD has no say at Clayton High
    with pytest.raises(cases.CaseworkError):
        cases.add_member(case=case, actor=principal_park, membership=Membership.objects.get(user=officer_kim))


def test_student_name_is_encrypted_at_rest(case):
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT student_name FROM casework_threatcase")
        stored = cursor.fetchone()[0]
    assert STUDENT not in stored and "Marlowe" not in stored
    assert ThreatCase.objects.get().student_name == STUDENT


def test_case_pages_use_a_fixed_number_of_queries(staff_client, case, principal_park, django_assert_num_queries):
    client = staff_client(principal_park)
    tomorrow = timezone.localdate() + timedelta(days=1)
    list_url, detail_url = reverse("casework:cases"), reverse("casework:case", args=[case.pk])
    client.get(list_url)
    client.get(detail_url)
    with django_assert_num_queries(6):  # who may open a case: from the request's memberships
        client.get(list_url)
    with django_assert_num_queries(15):  # may mark for the state report: the request's memberships
        client.get(detail_url)
    for _ in range(5):
        cases.add_action(
            case=case, actor=principal_park, kind="check_in", details="", owner=principal_park, due_on=tomorrow
        )
        _other_case(principal_park, case)
    with django_assert_num_queries(6):  # who may open a case: from the request's memberships
        client.get(list_url)
    with django_assert_num_queries(15):  # may mark for the state report: the request's memberships
        client.get(detail_url)


def _other_case(actor, case):
    return cases.open_case(
        actor=actor, agency=case.members.first().agency, school=case.school, student_name="Another", account="x"
    )


def test_export_without_names_and_with_a_recorded_reason(staff_client, case, principal_park):
    client = staff_client(principal_park)
    plain = client.get(reverse("casework:case-export"))
    body = b"".join(plain.streaming_content).decode()
    assert case.reference in body and STUDENT not in body
    refused = client.post(reverse("casework:case-export"), {"reason": "short"})
    assert refused.status_code == 400
    named = client.post(reverse("casework:case-export"), {"reason": "Hand-over to the new principal in January."})
    assert STUDENT in b"".join(named.streaming_content).decode()
    exports = AuditEvent.objects.filter(action=AuditEvent.Action.EXPORT).order_by("id")
    assert [e.detail["with_student_names"] for e in exports] == [False, True]
    assert exports.last().detail["reason"] == "Hand-over to the new principal in January."


def test_export_neutralises_formula_cells(staff_client, principal_park, clayton_high, clayton_district):
    case = cases.open_case(
        actor=principal_park, agency=clayton_district, school=clayton_high, student_name="=HYPERLINK(1)", account="x"
    )
    response = staff_client(principal_park).post(
        reverse("casework:case-export"), {"reason": "Checking the export cells."}
    )
    body = b"".join(response.streaming_content).decode()
    assert "'=HYPERLINK(1)" in body and case.reference in body


def test_overdue_actions_show_on_the_owners_queue(staff_client, case, officer_olsen, principal_park):
    SafetyAction.objects.create(
        case=case, kind="check_in", owner=officer_olsen, due_on=timezone.localdate() - timedelta(1)
    )
    queue = staff_client(officer_olsen).get(reverse("dashboard:queue")).content.decode()
    assert "Overdue safety-plan actions you own" in queue and case.reference in queue
    queue = staff_client(principal_park).get(reverse("dashboard:queue")).content.decode()
    assert "Overdue safety-plan actions you own" not in queue


def test_new_case_page_uses_a_fixed_number_of_queries(staff_client, principal_park, clayton_tip, pinned, more_schools):
    url = reverse("casework:case-new") + f"?tip={clayton_tip.pk}"
    pinned(staff_client(principal_park), url, 6, more_schools)
