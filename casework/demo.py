"""A demo threat assessment case, a Safe Schools Act notice and a hand-off, for a local run
(``manage.py load_casework_demo``, after ``load_demo``). Everything here is invented. Runs
once: if any case or notice exists, it leaves the data alone."""

from __future__ import annotations

import secrets
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from casework import cases, tip_work
from casework.models import DecisionStep, Notice, Offence, SafetyAction, ThreatCase
from casework.notices import NoticeDraft, send_notice
from partners.models import Agency, Membership, School
from reports.intake import receipts
from reports.intake.services import TipReport, submit_tip
from reports.models import Category

Step = DecisionStep.Step
Decision = DecisionStep.Decision


@transaction.atomic
def load() -> bool:
    """Load the demo casework; False if there was already some (nothing changes then)."""
    if ThreatCase.objects.exists() or Notice.objects.exists():
        return False
    district = Agency.objects.get(name="Clayton School District")
    police = Agency.objects.get(name="Clayton Police Department")
    park = Membership.objects.select_related("user").get(user__username="principal.park", agency=district)
    olsen = Membership.objects.select_related("user").get(user__username="officer.olsen", agency=police)
    Membership.objects.filter(pk=park.pk).update(is_safe_schools_designee=True)
    school = School.objects.get(name="Wydown Middle School", district=district)
    report = TipReport(
        category=Category.objects.get(name="Planned attack or threat"),
        school=school,
        description="(Demo) A boy in 7th grade told friends he would 'make them pay' after the game on Friday.",
    )
    tip = submit_tip(report=report, receipt=receipts.generate(), form_token=secrets.token_hex(16)).tip
    tip_work.record_hand_off(
        tip=tip,
        actor=olsen.user,
        agency=police,
        kind="911",
        happened_at=timezone.now() - timedelta(hours=2),
        external_reference="CPD-DEMO-0001",
    )
    case = cases.open_case(
        actor=park.user,
        agency=district,
        school=school,
        student_name="Demo Student (fictional)",
        account="(Demo) Said to two friends at lunch that he would make a rival team 'pay'; no weapon mentioned.",
        tips=[tip],
    )
    cases.add_member(case=case, actor=park.user, membership=olsen)
    steps = [
        (Step.TRANSIENT, Decision.SUBSTANTIVE, [], "Would not explain or take it back."),
        (Step.SERIOUSNESS, Decision.SERIOUS, [], "A threat to fight; no weapon, no plan."),
    ]
    for step, decision, checks, note in steps:
        cases.record_step(
            case=case, actor=park.user, step=step, decision=decision, checks=checks, note=note, override_reason=""
        )
    today = timezone.localdate()
    cases.add_action(
        case=case, actor=park.user, kind="parent_meeting", details="", owner=park.user, due_on=today + timedelta(3)
    )
    # An action already overdue, as if added last week.
    SafetyAction.objects.create(
        case=case, kind="check_in", owner=olsen.user, due_on=today - timedelta(1), created_by=park.user
    )
    cases.set_review(case=case, actor=park.user, review_on=today + timedelta(14))
    send_notice(
        actor=olsen.user,
        sender=olsen,
        draft=NoticeDraft(
            direction=Notice.Direction.TO_DISTRICT,
            school=school,
            recipient=district,
            pupil_name="Demo Pupil (fictional)",
            conduct="(Demo) Alleged to have struck another pupil with a lock in the locker room.",
            conduct_on=today - timedelta(10),
            filed_on=today - timedelta(2),
            offences=(Offence.objects.get(name="Second-degree assault"),),
            case=case,
        ),
        victim_name="",
    )
    return True
