"""Casework recorded on a tip: hand-offs outside the tip line, and whether the district
counts the tip in its state report. Both are audited against the tip, so they appear on
the tip's timeline (``reports.triage.actions.timeline`` lists a tip's audit events)."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone

from casework.cases import CaseworkError
from casework.models import HandOff, StateReportEntry
from partners.models import Agency
from reports.models import Tip
from safeschools import audit
from safeschools.models import AuditEvent


@transaction.atomic
def record_hand_off(
    *,
    tip: Tip,
    actor,
    agency: Agency | None,
    kind: str,
    happened_at: datetime,
    external_reference: str = "",
    partner: Agency | None = None,
    note: str = "",
) -> HandOff:
    if happened_at > timezone.now():
        raise CaseworkError("A hand-off is recorded after it happened: the time is in the future.")
    if kind == HandOff.Kind.MENTAL_HEALTH and partner is None:
        raise CaseworkError("Choose the mental-health partner the student was referred to.")
    hand_off = HandOff.objects.create(
        tip=tip,
        kind=kind,
        happened_at=happened_at,
        external_reference=external_reference.strip(),
        partner=partner if kind == HandOff.Kind.MENTAL_HEALTH else None,
        note=note.strip(),
        agency=agency,
        recorded_by=actor,
    )
    audit.record(
        AuditEvent.Action.HANDOFF_RECORDED,
        actor=actor,
        tip=tip,
        hand_off=str(hand_off.get_kind_display()),
        reference=hand_off.external_reference or "none given",
        happened_at=timezone.localtime(happened_at).strftime("%Y-%m-%d %H:%M"),
        **({"partner": partner.name} if hand_off.partner_id else {}),
    )
    return hand_off


@transaction.atomic
def mark_for_state_report(*, tip: Tip, actor, kind: str) -> None:
    """Count the tip (or stop counting it) in its school's district's state report."""
    if tip.school_id is None:
        raise CaseworkError("Only a tip about a known school can be counted in a district's state report.")
    StateReportEntry.mark(
        district_id=tip.school.district_id,
        kind=kind,
        school=tip.school,
        occurred_on=timezone.localdate(tip.received_at),
        by=actor,
        tip=tip,
    )
    audit.record(AuditEvent.Action.TIP_UPDATED, actor=actor, tip=tip, field="state report", value=kind or "not counted")
