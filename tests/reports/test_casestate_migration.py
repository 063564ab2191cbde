"""Migration 0009 maps each tip's old status, disposition and assignee onto its agencies'
parts, so no tip changes state (or loses its outcome) on the way to per-agency work."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

BEFORE = [
    ("partners", "0005_student_school_network_ranges"),
    ("reports", "0008_student_text_a_tip_and_decoys"),
    ("safeschools", "0007_student_tipster_audit_actions"),
]
AFTER = [
    ("partners", "0005_student_school_network_ranges"),
    ("reports", "0012_casestate_queue_indexes"),
    ("safeschools", "0008_casestate_audit_actions"),
]
T0 = timezone.make_aware(datetime(2026, 1, 5, 9, 0))


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.fixture(autouse=True)
def _latest_schema_afterwards():
    """Later tests need every migration, including those after ``AFTER``."""
    yield
    migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())


@pytest.mark.django_db(transaction=True)
def test_old_statuses_become_agency_parts():
    apps = migrate(BEFORE)
    Agency = apps.get_model("partners", "Agency")
    School = apps.get_model("partners", "School")
    Category = apps.get_model("reports", "Category")
    Tip = apps.get_model("reports", "Tip")
    Routing = apps.get_model("reports", "Routing")
    Membership = apps.get_model("partners", "Membership")
    AuditEvent = apps.get_model("safeschools", "AuditEvent")
    User = apps.get_model("auth", "User")

    district = Agency.objects.create(name="Clayton School District", slug="csd", kind="district")
    police = Agency.objects.create(name="Clayton Police Department", slug="cpd", kind="police")
    school = School.objects.create(name="Clayton High", district=district, police_agency=police, grade_band="high")
    category = Category.objects.create(name="Bullying", description="d")
    olsen = User.objects.create(username="olsen")
    Membership.objects.create(user=olsen, agency=police, role="officer")

    def tip(reference, status, *, acknowledged=(), **fields):
        made = Tip.objects.create(
            reference=reference,
            receipt_hash=(reference * 8)[:64],
            category=category,
            school=school,
            description="old text",
            status=status,
            received_at=T0,
            **fields,
        )
        for agency in (district, police):
            Routing.objects.create(
                tip=made,
                agency=agency,
                role="responsible",
                reason="school",
                acknowledged_at=T0 + timedelta(minutes=5) if agency in acknowledged else None,
            )
        return made

    closed = tip(
        "T-CLOSED1",
        "closed",
        acknowledged=[police],
        disposition="Spoke to the family.",
        closed_at=T0 + timedelta(days=2),
    )
    AuditEvent.objects.create(
        action="tip.updated", tip_id=closed.pk, detail={"field": "status", "previous": "unfounded", "value": "closed"}
    )
    working = tip("T-WORKS1", "investigating", acknowledged=[police], assigned_to=olsen)
    fresh = tip("T-FRESH1", "new")
    resolved = tip("T-RESOLV1", "resolved", acknowledged=[police, district], disposition="Handled.")

    apps = migrate(AFTER)
    Tip = apps.get_model("reports", "Tip")
    Routing = apps.get_model("reports", "Routing")

    def parts(made):
        return {r.agency.slug: r for r in Routing.objects.filter(tip_id=made.pk).select_related("agency")}

    closed_parts = parts(closed)
    for part in closed_parts.values():
        assert (part.state, part.disposition, part.disposition_note) == ("done", "unfounded", "Spoke to the family.")
        assert part.closed_at == T0 + timedelta(days=2) and part.acknowledged_at is not None
    assert closed_parts["cpd"].acknowledged_at == T0 + timedelta(minutes=5)  # the real one is kept
    migrated = Tip.objects.get(pk=closed.pk)
    assert (migrated.state, migrated.closed_at, migrated.awaiting_acknowledgement) == (
        "done",
        T0 + timedelta(days=2),
        False,
    )
    assert migrated.attention == 0

    working_parts = parts(working)
    assert (working_parts["cpd"].state, working_parts["cpd"].assigned_to_id) == ("working", olsen.pk)
    assert (working_parts["csd"].state, working_parts["csd"].assigned_to_id) == ("new", None)
    migrated = Tip.objects.get(pk=working.pk)
    assert (migrated.state, migrated.awaiting_acknowledgement, migrated.closed_at) == ("open", True, None)

    assert {p.state for p in parts(fresh).values()} == {"new"}
    assert Tip.objects.get(pk=fresh.pk).state == "new"

    assert {(p.state, p.disposition) for p in parts(resolved).values()} == {("done", "resolved")}
    assert Tip.objects.get(pk=resolved.pk).state == "done"

    # And back: one status per tip again, from the parts.
    apps = migrate(BEFORE)
    Tip = apps.get_model("reports", "Tip")
    assert dict(Tip.objects.values_list("reference", "status")) == {
        "T-CLOSED1": "closed",
        "T-WORKS1": "investigating",
        "T-FRESH1": "new",
        "T-RESOLV1": "closed",
    }
    assert Tip.objects.get(reference="T-WORKS1").assigned_to_id == olsen.pk
    migrate(AFTER)
