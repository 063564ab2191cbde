"""The state report (RSMo 160.261): counts by school and type for a district and period,
as a page and as CSV, with no personal data in either."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.apps import apps
from django.urls import reverse
from django.utils import timezone

from casework import cases, state_report, tip_work
from casework.models import StateReportEntry
from safeschools.crypto import encrypted_fields
from safeschools.models import AuditEvent

pytestmark = pytest.mark.django_db


def _column(report, school_name: str, key: str) -> int:
    index = [k for k, _ in state_report.COLUMNS].index(key)
    return next(row.counts[index] for row in report.rows if row.school == school_name)


def test_school_year_runs_july_to_june():
    assert state_report.school_year(date(2026, 11, 29)) == (date(2026, 7, 1), date(2027, 6, 30))
    assert state_report.school_year(date(2027, 3, 1)) == (date(2026, 7, 1), date(2027, 6, 30))


def test_marked_tips_and_cases_are_counted_once(
    case, clayton_tip, make_tip, clayton_high, principal_park, clayton_district
):
    other = make_tip(school=clayton_high).tip
    tip_work.mark_for_state_report(tip=clayton_tip, actor=principal_park, kind="credible_threat")
    tip_work.mark_for_state_report(tip=other, actor=principal_park, kind="incident")
    start, end = state_report.school_year()
    report = state_report.build(clayton_district, start, end)
    assert _column(report, clayton_high.name, "credible_threat") == 1
    assert _column(report, clayton_high.name, "incident") == 1
    assert _column(report, clayton_high.name, "cases") == 1
    # The case opened from the tip is marked too: one credible threat, not two.
    cases.set_state_report_kind(case=case, actor=principal_park, kind="credible_threat")
    report = state_report.build(clayton_district, start, end)
    assert _column(report, clayton_high.name, "credible_threat") == 1
    assert report.totals[0] == 1
    tip_work.mark_for_state_report(tip=other, actor=principal_park, kind="")
    assert _column(state_report.build(clayton_district, start, end), clayton_high.name, "incident") == 0


def test_the_period_limits_the_counts(clayton_tip, principal_park, clayton_district, clayton_high):
    tip_work.mark_for_state_report(tip=clayton_tip, actor=principal_park, kind="incident")
    today = timezone.localdate()
    assert state_report.build(clayton_district, today, today).totals[1] == 1
    assert state_report.build(clayton_district, today - timedelta(30), today - timedelta(1)).totals[1] == 0


def test_a_count_survives_the_tips_purge(clayton_tip, principal_park, clayton_district):
    tip_work.mark_for_state_report(tip=clayton_tip, actor=principal_park, kind="incident")
    clayton_tip.delete()
    entry = StateReportEntry.objects.get()
    assert entry.tip_id is None
    assert state_report.build(clayton_district, *state_report.school_year()).totals[1] == 1


def test_hand_offs_are_counted(clayton_tip, officer_olsen, clayton_district, clayton_high, clayton_pd):
    tip_work.record_hand_off(
        tip=clayton_tip,
        actor=officer_olsen,
        agency=clayton_pd,
        kind="911",
        happened_at=timezone.now(),
        external_reference="CPD-26-1101",
    )
    tip_work.record_hand_off(
        tip=clayton_tip, actor=officer_olsen, agency=clayton_pd, kind="cd_hotline", happened_at=timezone.now()
    )
    report = state_report.build(clayton_district, *state_report.school_year())
    assert _column(report, clayton_high.name, "911") == 1 and _column(report, clayton_high.name, "cd_hotline") == 1


def test_only_district_administrators_mark(clayton_tip, officer_olsen):
    from casework.access import can_mark_for_state_report

    assert not can_mark_for_state_report(officer_olsen, clayton_tip.school.district_id)


def _every_encrypted_plaintext() -> set[str]:
    """The decrypted value of every encrypted field of every row in the database."""
    values = set()
    for model in apps.get_models():
        fields = [f for f in encrypted_fields(model) if f.get_internal_type() == "TextField"]
        for field in fields:
            values |= {v for v in model.objects.values_list(field.name, flat=True) if v and len(v) > 3}
    return values


def test_the_report_holds_no_personal_data(
    staff_client, case, notice, clayton_tip, principal_park, officer_olsen, clayton_district, clayton_pd
):
    from reports.triage import actions

    tip_work.mark_for_state_report(tip=clayton_tip, actor=principal_park, kind="credible_threat")
    tip_work.record_hand_off(
        tip=clayton_tip,
        actor=officer_olsen,
        agency=clayton_pd,
        kind="911",
        happened_at=timezone.now(),
        note="Dispatcher spoke to Quentin's mother.",
    )
    cases.add_action(
        case=case,
        actor=principal_park,
        kind="check_in",
        details="Check in with Quentin each morning",
        owner=principal_park,
        due_on=timezone.localdate() + timedelta(1),
    )
    actions.add_note(tip=clayton_tip, actor=officer_olsen, agency=clayton_pd, body="Spoke to the family of Quentin.")
    secrets = _every_encrypted_plaintext()
    assert len(secrets) >= 8  # the student, the pupil, the tip's text, notes, conduct, …
    client = staff_client(principal_park)
    page = client.get(reverse("casework:state-report", args=[clayton_district.pk])).content.decode()
    csv = b"".join(
        client.get(reverse("casework:state-report-csv", args=[clayton_district.pk])).streaming_content
    ).decode()
    assert "Credible school safety threats" in page and "Credible school safety threats" in csv
    for secret in secrets:
        assert secret not in page and secret not in csv, secret
    assert clayton_tip.reference not in page + csv and case.reference not in page + csv
    export = AuditEvent.objects.get(action=AuditEvent.Action.EXPORT)
    assert export.detail["export"] == "state report" and export.detail["district"] == clayton_district.name


def test_csv_cells_that_start_a_formula_are_neutralised(staff_client, principal_park, clayton_district, clayton_pd):
    from partners.models import School

    School.objects.create(
        name="=cmd|' /C calc'!A0", district=clayton_district, police_agency=clayton_pd, grade_band="high"
    )
    client = staff_client(principal_park)
    csv = b"".join(
        client.get(reverse("casework:state-report-csv", args=[clayton_district.pk])).streaming_content
    ).decode()
    assert "'=cmd" in csv and "\n=cmd" not in csv


def test_a_bad_period_falls_back_to_the_school_year(staff_client, principal_park, clayton_district):
    page = staff_client(principal_park).get(
        reverse("casework:state-report", args=[clayton_district.pk]), {"start": "2027-01-01", "end": "2026-01-01"}
    )
    start, _ = state_report.school_year()
    assert page.status_code == 200 and start.strftime("%B %-d, %Y") in page.content.decode()


def test_state_report_page_uses_a_fixed_number_of_queries(
    staff_client, principal_park, clayton_district, pinned, more_schools
):
    url = reverse("casework:state-report", args=[clayton_district.pk])
    pinned(staff_client(principal_park), url, 9, more_schools)


def test_state_report_index_uses_a_fixed_number_of_queries(staff_client, coordinator_cole, pinned):
    from partners.models import Agency

    def grow(n: int) -> None:
        for i in range(5):
            Agency.objects.create(name=f"District {n}-{i}", slug=f"d-{n}-{i}", kind=Agency.Kind.DISTRICT)

    pinned(staff_client(coordinator_cole), reverse("casework:state-reports"), 5, grow)
