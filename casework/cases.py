"""Changes to a threat assessment case. Each is one transaction that locks the case row (so
two team members recording at once are serialised), makes the change and writes the audit
event. Audit details carry references, field names and staff choices, never the student's
name or anything staff wrote."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from django.db import transaction
from django.utils import timezone

from casework import cstag
from casework.access import record, team_candidates
from casework.models import (
    CaseMember,
    DecisionStep,
    SafetyAction,
    StateReportEntry,
    ThreatCase,
    new_reference,
)
from partners.models import Agency, Membership, School
from reports.models import Tip
from safeschools import audit
from safeschools.models import AuditEvent

Changed = AuditEvent.Action.CASE_CHANGED


def _tip_linked(tip: Tip, actor) -> None:
    # On the tip's timeline, which everyone at its agencies reads: that a case exists, not
    # which one (a case is for its team only).
    audit.record(AuditEvent.Action.TIP_UPDATED, actor=actor, tip=tip, field="threat assessment case", value="linked")


class CaseworkError(Exception):
    """A change that cannot be made; the message is shown to the staff member."""


def _locked(case: ThreatCase) -> ThreatCase:
    return ThreatCase.objects.select_for_update().get(pk=case.pk)


def _require_open(case: ThreatCase) -> None:
    if not case.is_open:
        raise CaseworkError("This case is closed. A coordinator can reopen it.")


@transaction.atomic
def open_case(
    *, actor, agency: Agency, school: School, student_name: str, account: str, tips: Iterable[Tip] = ()
) -> ThreatCase:
    """A new case for one school, with the opener on its team and step 1 (the threat and its
    context as reported) recorded."""
    case = ThreatCase.objects.create(
        reference=new_reference("C"), school=school, student_name=student_name.strip(), opened_by=actor
    )
    tips = list(tips)
    case.tips.set(tips)
    CaseMember.objects.create(case=case, user=actor, agency=agency, added_by=actor)
    DecisionStep.objects.create(
        case=case,
        step=DecisionStep.Step.ACCOUNT,
        decision=DecisionStep.Decision.RECORDED,
        note=account,
        decided_by=actor,
    )
    record(
        AuditEvent.Action.CASE_OPENED,
        actor=actor,
        reference=case.reference,
        school_id=school.pk,
        agency=agency.name,
        tips=[tip.reference for tip in tips],
    )
    for tip in tips:
        _tip_linked(tip, actor)
    return case


@transaction.atomic
def add_member(*, case: ThreatCase, actor, membership: Membership) -> CaseMember:
    case = _locked(case)
    _require_open(case)
    if not team_candidates(case).filter(pk=membership.pk).exists():
        raise CaseworkError("That person cannot join this team.")
    member = CaseMember.objects.create(case=case, user=membership.user, agency=membership.agency, added_by=actor)
    record(
        Changed,
        actor=actor,
        reference=case.reference,
        change="member added",
        member=membership.user.get_username(),
        agency=membership.agency.name,
    )
    return member


@transaction.atomic
def remove_member(*, case: ThreatCase, actor, member: CaseMember) -> None:
    case = _locked(case)
    _require_open(case)
    if case.members.count() <= 1:
        raise CaseworkError("A case keeps at least one team member.")
    if case.actions.filter(owner=member.user, done_at=None).exists():
        raise CaseworkError("This person owns open safety-plan actions: give them to someone else first.")
    member.delete()
    record(Changed, actor=actor, reference=case.reference, change="member removed", member=member.user.get_username())


@transaction.atomic
def record_step(
    *, case: ThreatCase, actor, step: str, decision: str, checks: list[str], note: str, override_reason: str
) -> DecisionStep:
    """Record one CSTAG step. Anything the guidelines would not do at this point (out of
    order, a changed decision, a missing confirmation) needs a written reason."""
    case = _locked(case)
    _require_open(case)
    rule = cstag.RULES[step]
    if decision not in rule.decisions:
        raise CaseworkError("Choose one of the decisions offered for this step.")
    if rule.note_required and not note.strip():
        raise CaseworkError(f"Write the note for this step: {rule.note_label.lower()}.")
    latest = cstag.latest_by_step(case.steps.all())
    reasons = cstag.override_reasons(latest, step=step, decision=decision, checks=checks)
    if reasons and not override_reason.strip():
        raise CaseworkError("This is an override (" + "; ".join(reasons) + "). Write the reason for it.")
    record_row = DecisionStep.objects.create(
        case=case,
        step=step,
        decision=decision,
        checks=sorted(checks),
        note=note.strip(),
        override_reason=override_reason.strip() if reasons else "",
        decided_by=actor,
    )
    latest[step] = record_row
    case.classification = cstag.classification(latest)
    case.save(update_fields=["classification"])
    record(
        Changed,
        actor=actor,
        reference=case.reference,
        change="decision step",
        step=step,
        decision=decision,
        checks=sorted(checks),
        override=bool(reasons),
    )
    return record_row


@transaction.atomic
def add_action(*, case: ThreatCase, actor, kind: str, details: str, owner, due_on: date) -> SafetyAction:
    case = _locked(case)
    _require_open(case)
    if not case.members.filter(user=owner).exists():
        raise CaseworkError("The owner of an action must be on the case's team.")
    if due_on < timezone.localdate():
        raise CaseworkError("The due date has already passed.")
    action = SafetyAction.objects.create(
        case=case, kind=kind, details=details.strip(), owner=owner, due_on=due_on, created_by=actor
    )
    record(
        Changed,
        actor=actor,
        reference=case.reference,
        change="safety action added",
        action_id=action.pk,
        kind=kind,
        owner=owner.get_username(),
        due_on=due_on.isoformat(),
    )
    return action


@transaction.atomic
def complete_action(*, case: ThreatCase, actor, action: SafetyAction) -> None:
    _require_open(_locked(case))
    if not action.mark_done(by=actor):
        raise CaseworkError("This action is already marked done.")
    record(Changed, actor=actor, reference=case.reference, change="safety action done", action_id=action.pk)


@transaction.atomic
def set_review(*, case: ThreatCase, actor, review_on: date) -> None:
    case = _locked(case)
    _require_open(case)
    case.review_on = review_on
    case.review_reminded_on = None
    case.save(update_fields=["review_on", "review_reminded_on"])
    record(Changed, actor=actor, reference=case.reference, change="follow-up review", review_on=review_on.isoformat())


@transaction.atomic
def close_case(*, case: ThreatCase, actor, outcome: str, note: str) -> None:
    """Closing needs an outcome and a follow-up review whose date has come."""
    case = _locked(case)
    _require_open(case)
    if not case.review_passed():
        raise CaseworkError("A case closes after its follow-up review: set a review date that has come, and hold it.")
    case.status = ThreatCase.Status.CLOSED
    case.outcome = outcome
    case.outcome_note = note.strip()
    case.closed_at = timezone.now()
    case.closed_by = actor
    case.save(update_fields=["status", "outcome", "outcome_note", "closed_at", "closed_by"])
    record(
        Changed,
        actor=actor,
        reference=case.reference,
        change="closed",
        outcome=outcome,
        open_actions=case.actions.filter(done_at=None).count(),
    )


@transaction.atomic
def reopen_case(*, case: ThreatCase, actor) -> None:
    case = _locked(case)
    if case.is_open:
        raise CaseworkError("This case is open.")
    case.status = ThreatCase.Status.OPEN
    case.closed_at = None
    case.closed_by = None
    case.outcome = ""
    case.save(update_fields=["status", "closed_at", "closed_by", "outcome"])
    record(Changed, actor=actor, reference=case.reference, change="reopened")


@transaction.atomic
def link_tip(*, case: ThreatCase, actor, tip: Tip) -> None:
    _require_open(_locked(case))
    if case.tips.filter(pk=tip.pk).exists():
        raise CaseworkError("That tip is already linked to this case.")
    case.tips.add(tip)
    record(Changed, actor=actor, reference=case.reference, change="tip linked", tip=tip.reference)
    _tip_linked(tip, actor)


@transaction.atomic
def set_state_report_kind(*, case: ThreatCase, actor, kind: str) -> None:
    """Count (or stop counting) the case in its district's state report."""
    case = _locked(case)
    case.state_report_kind = kind
    case.save(update_fields=["state_report_kind"])
    StateReportEntry.mark(
        district_id=case.school.district_id,
        kind=kind,
        school=case.school,
        occurred_on=timezone.localdate(case.opened_at),
        by=actor,
        case=case,
    )
    record(Changed, actor=actor, reference=case.reference, change="state report", value=kind or "not counted")
