"""Triage actions shared by the agencies on a tip: acknowledge for my agency, priority,
notes, messages, links; optimistic locking; fields that cannot be posted. (Each agency's
own part — state, disposition, assignee — is tested in test_agency_parts.py.)"""

import pytest
from django.urls import reverse

from reports.models import Message, Note, Routing, Tip
from safeschools.models import AuditEvent


def action(name, tip):
    return reverse(f"dashboard:tip-{name}", args=[tip.pk])


@pytest.mark.django_db
def test_acknowledge_for_my_agency_stops_the_clock(staff_client, officer_olsen, make_tip, clayton_high):
    tip = make_tip(school=clayton_high, category="weapons").tip
    assert Routing.objects.filter(tip=tip, escalation_due_at__isnull=False).count() == 2
    response = staff_client(officer_olsen).post(action("acknowledge", tip), {})
    assert response.status_code == 302
    police = Routing.objects.get(tip=tip, agency__name="Clayton Police Department")
    district = Routing.objects.get(tip=tip, agency__name="Clayton School District")
    assert police.acknowledged_by == officer_olsen and police.escalation_due_at is None
    assert police.acknowledged_within_target is True and police.state == "acknowledged"
    assert district.acknowledged_at is None and district.escalation_due_at is not None and district.state == "new"
    tip.refresh_from_db()
    # The tip is under way, but a responsible agency (the district) has still to acknowledge.
    assert tip.state == "open" and tip.awaiting_acknowledgement and tip.first_acknowledged_at is not None
    assert tip.version == 1  # acknowledging is idempotent: it takes no version
    event = AuditEvent.objects.get(action="tip.acknowledged", actor_label="olsen")
    assert event.detail == {"agency": "Clayton Police Department", "on_behalf": False}


@pytest.mark.django_db
def test_acknowledging_twice_says_so(staff_client, officer_olsen, clayton_tip):
    client = staff_client(officer_olsen)
    client.post(action("acknowledge", clayton_tip), {})
    response = client.post(action("acknowledge", clayton_tip), {})
    assert response.status_code == 400
    assert "Your agency has already acknowledged this tip." in response.content.decode()
    assert AuditEvent.objects.filter(action="tip.acknowledged").count() == 1


@pytest.mark.django_db
def test_stale_version_gets_a_conflict_and_changes_nothing(staff_client, officer_olsen, principal_park, clayton_tip):
    staff_client(officer_olsen).post(action("priority", clayton_tip), {"priority-version": 1, "priority-priority": 4})
    response = staff_client(principal_park).post(
        action("priority", clayton_tip), {"priority-version": 1, "priority-priority": 1}
    )
    assert response.status_code == 409
    assert "Someone else changed this tip while you had it open" in response.content.decode()
    tip = Tip.objects.get(pk=clayton_tip.pk)
    assert tip.priority == 4 and tip.version == 2


@pytest.mark.django_db
def test_cannot_link_to_a_tip_of_another_agency(staff_client, officer_olsen, clayton_tip, kirkwood_tip):
    response = staff_client(officer_olsen).post(
        action("link", clayton_tip),
        {"link-version": 1, "link-reference": kirkwood_tip.reference, "link-kind": "related"},
    )
    assert "No tip you can see has that reference" in response.content.decode()
    assert not clayton_tip.related.exists()


@pytest.mark.django_db
def test_extra_posted_fields_cannot_change_routing_or_receipt(staff_client, officer_olsen, officer_kim, clayton_tip):
    from partners.models import Agency

    kirkwood = Agency.objects.get(name="Kirkwood Police Department")
    receipt_hash = clayton_tip.receipt_hash
    staff_client(officer_olsen).post(
        action("priority", clayton_tip),
        {
            "priority-version": 1,
            "priority-priority": 3,
            "receipt_hash": "0" * 64,
            "priority-receipt_hash": "0" * 64,
            "agency": kirkwood.pk,
            "priority-agency": kirkwood.pk,
            "routings": kirkwood.pk,
            "status": "closed",
            "priority-status": "closed",
            "reference": "T-HACKED",
            "is_life_safety": "on",
        },
    )
    tip = Tip.objects.get(pk=clayton_tip.pk)
    assert tip.priority == 3
    assert tip.receipt_hash == receipt_hash and tip.reference == clayton_tip.reference and tip.state == "new"
    assert not Routing.objects.filter(tip=tip, agency=kirkwood).exists()


@pytest.mark.django_db
def test_internal_note_is_never_shown_to_the_tipster(staff_client, officer_olsen, client, make_tip, clayton_high):
    submitted = make_tip(school=clayton_high)
    staff = staff_client(officer_olsen)
    staff.post(
        action("note", submitted.tip), {"note-body": "Internal: brother is on probation", "note-audience": "all"}
    )
    staff.post(action("message", submitted.tip), {"message-body": "Thank you. Which period was it?"})
    assert Note.objects.get().body == "Internal: brother is on probation"
    assert Message.objects.get().direction == "to_tipster"
    staff.logout()
    client.post("/report/check/", {"receipt": submitted.receipt})
    page = client.get("/report/conversation/").content.decode()
    assert "Which period was it?" in page
    assert "probation" not in page


@pytest.mark.django_db
def test_canned_reply_can_be_sent(staff_client, officer_olsen, clayton_tip):
    from reports.models import CannedReply

    canned = CannedReply.objects.create(title="Thanks", body="Thank you, we are looking into it.")
    staff_client(officer_olsen).post(action("message", clayton_tip), {"message-canned": canned.pk, "message-body": ""})
    assert Message.objects.get().body == "Thank you, we are looking into it."


@pytest.mark.django_db
def test_every_action_leaves_an_audit_row(
    staff_client, officer_olsen, coordinator_cole, clayton_tip, make_tip, clayton_high, kirkwood_pd, client
):
    other = make_tip(school=clayton_high).tip
    police = Routing.objects.get(tip=clayton_tip, agency__name="Clayton Police Department")
    part = f"/staff/tips/{clayton_tip.pk}/parts/{police.pk}/"
    staff = staff_client(officer_olsen)
    staff.post(action("acknowledge", clayton_tip), {})
    staff.post(part + "assign/", {f"assign{police.pk}-version": 1, f"assign{police.pk}-assignee": officer_olsen.pk})
    staff.post(action("priority", clayton_tip), {"priority-version": 1, "priority-priority": 4})
    staff.post(part, {f"part{police.pk}-version": 2, f"part{police.pk}-step": "start"})
    staff.post(action("note", clayton_tip), {"note-body": "n", "note-audience": "all"})
    staff.post(action("message", clayton_tip), {"message-body": "m"})
    staff.post(
        action("link", clayton_tip), {"link-version": 2, "link-reference": other.reference, "link-kind": "related"}
    )
    client.logout()
    from partners.models import Agency

    staff_client(coordinator_cole).post(
        action("reroute", clayton_tip),
        {"reroute-version": 3, "reroute-add_agency": Agency.objects.get(name="Kirkwood Police Department").pk},
    )
    actions = list(AuditEvent.objects.filter(tip_id=clayton_tip.pk).values_list("action", "detail"))
    kinds = [a for a, _ in actions]
    assert kinds.count("tip.updated") == 2  # priority, link
    for expected in (
        "tip.submitted",
        "tip.acknowledged",
        "routing.assigned",
        "routing.state",
        "note.added",
        "message.to_tipster",
        "tip.routed",
    ):
        assert expected in kinds, expected
    fields = {d.get("field") for a, d in actions if a == "tip.updated"}
    assert fields == {"priority", "related"}
    assert Tip.objects.get(pk=clayton_tip.pk).version == 4
    assert Routing.objects.get(pk=police.pk).version == 3
