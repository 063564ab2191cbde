"""The intake service: one transaction writes the tip and everything that goes with it."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from partners.models import Membership
from reports.intake import receipts
from reports.intake.services import CleanImage, TipReport, find_tip_by_receipt, submit_tip
from reports.models import Notification, Priority, Routing, RoutingRule, SubmissionToken, Tip, TipWord
from safeschools.models import AuditEvent


@pytest.mark.django_db
def test_tip_is_routed_to_district_and_police(make_tip, clayton_high, officer_olsen, principal_park, officer_kim):
    submitted = make_tip(school=clayton_high)
    tip = submitted.tip
    routings = {r.agency.name: (r.role, r.reason) for r in tip.routings.select_related("agency")}
    assert routings == {
        "Clayton School District": ("responsible", "school district"),
        "Clayton Police Department": ("responsible", "police jurisdiction"),
    }
    recipients = set(Notification.objects.filter(tip=tip).values_list("recipient__username", flat=True))
    assert recipients == {"olsen", "park"}
    assert AuditEvent.objects.filter(action="tip.submitted", tip_id=tip.pk).count() == 1


@pytest.mark.django_db
def test_tip_without_school_goes_to_the_coordinators(make_tip, partnership_office, coordinator_cole):
    tip = make_tip(school=None).tip
    assert list(tip.routings.values_list("agency__name", flat=True)) == ["Safe Schools Partnership Office"]


@pytest.mark.django_db
def test_category_rules_add_agencies(make_tip, categories, clayton_high):
    from partners.models import Agency

    crisis = Agency.objects.create(name="Crisis line", slug="crisis", kind=Agency.Kind.MENTAL_HEALTH)
    RoutingRule.objects.create(category=categories["self_harm"], agency=crisis, role="responsible")
    tip = make_tip(school=clayton_high, category="self_harm").tip
    assert tip.routings.get(agency=crisis).reason == "category rule: Suicide or self-harm"
    assert tip.is_life_safety and tip.priority == Priority.URGENT
    assert all(r.escalation_due_at is not None for r in tip.routings.all())


@pytest.mark.django_db
def test_danger_now_makes_a_tip_life_safety_and_alerts_everyone(make_tip, clayton_high, officer_olsen):
    Membership.objects.filter(user=officer_olsen).update(new_tip_alerts="none")
    quiet = make_tip(school=clayton_high)
    assert not Notification.objects.filter(tip=quiet.tip).exists()
    urgent = make_tip(school=clayton_high, danger_now=True)
    assert urgent.tip.is_life_safety
    assert Notification.objects.get(tip=urgent.tip).urgent is True


@pytest.mark.django_db
def test_only_the_receipt_hash_is_stored(make_tip, clayton_high):
    receipt = receipts.generate()
    from reports.models import Category

    submitted = submit_tip(
        report=TipReport(category=Category.objects.first(), school=clayton_high, description="Knife in a bag"),
        receipt=receipt,
        form_token="t" * 32,
    )
    stored = Tip.objects.get(pk=submitted.tip.pk)
    assert stored.receipt_hash == receipts.receipt_hash(receipt)
    assert receipt not in str(Tip.objects.values().get(pk=stored.pk))
    assert find_tip_by_receipt(receipt.lower().replace("-", " ")) == stored


@pytest.mark.django_db
def test_same_form_token_creates_one_tip(categories, clayton_high):
    report = TipReport(category=categories["bullying"], school=clayton_high, description="Twice clicked")
    receipt = receipts.generate()
    first = submit_tip(report=report, receipt=receipt, form_token="same-token-123")
    second = submit_tip(report=report, receipt=receipt, form_token="same-token-123")
    assert first.created and not second.created
    assert first.tip.pk == second.tip.pk
    assert Tip.objects.count() == 1 and Routing.objects.count() == 2
    assert SubmissionToken.objects.count() == 1


@pytest.mark.django_db
def test_a_reference_taken_by_another_tip_is_replaced(categories, clayton_high, monkeypatch):
    report = TipReport(category=categories["bullying"], school=clayton_high, description="First")
    taken = submit_tip(report=report, receipt=receipts.generate(), form_token="first").tip.reference
    fresh = iter([taken, "T-NEWREF2"])
    monkeypatch.setattr(Tip, "new_reference", staticmethod(lambda: next(fresh)))

    second = submit_tip(report=report, receipt=receipts.generate(), form_token="second")

    assert second.created and second.tip.reference == "T-NEWREF2"
    assert Tip.objects.count() == 2 and Routing.objects.filter(tip=second.tip).count() == 2
    assert SubmissionToken.objects.get(tip=second.tip)  # the claim was rolled back and made again, once


@pytest.mark.django_db(transaction=True)
def test_a_submission_takes_no_savepoint(categories, clayton_high):
    """The token claim is one INSERT … ON CONFLICT DO NOTHING, the tip one INSERT."""
    report = TipReport(category=categories["bullying"], school=clayton_high, description="Once")
    with CaptureQueriesContext(connection) as queries:
        submit_tip(report=report, receipt=receipts.generate(), form_token="token-1")
        submit_tip(report=report, receipt=receipts.generate(), form_token="token-1")  # a replay
    statements = [q["sql"] for q in queries.captured_queries]
    assert not [sql for sql in statements if "SAVEPOINT" in sql.upper()]
    assert Tip.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_a_replay_with_another_receipt_writes_nothing(categories, clayton_high, officer_olsen):
    """A replay whose receipt differs (a text-a-tip resend) passes the tip's INSERT and is
    stopped by the claim: its tip, routings, alerts, words and audit event are undone."""
    report = TipReport(category=categories["weapons"], school=clayton_high, description="Gun in a locker")
    first = submit_tip(report=report, receipt=receipts.generate(), form_token="token-2")
    tables = [Tip, Routing, Notification, AuditEvent, SubmissionToken, TipWord]
    before = {model: model.objects.count() for model in tables}

    again = submit_tip(report=report, receipt=receipts.generate(), form_token="token-2")

    assert not again.created and again.tip.pk == first.tip.pk
    assert {model: model.objects.count() for model in tables} == before


@pytest.mark.django_db
def test_a_submission_writes_each_row_once(categories, clayton_high, officer_olsen, principal_park):
    """The routings' INSERT carries the alert ladder's fields and the token's claim carries
    the tip: a life-safety submission updates no row it has just written."""
    report = TipReport(category=categories["weapons"], school=clayton_high, description="Gun in a locker")
    with CaptureQueriesContext(connection) as queries:
        tip = submit_tip(report=report, receipt=receipts.generate(), form_token="token-3").tip
    updates = [q["sql"] for q in queries.captured_queries if q["sql"].lstrip().upper().startswith("UPDATE")]
    assert updates == []
    responsible = tip.routings.filter(role="responsible")
    assert responsible.exists()
    assert all(r.escalation_due_at is not None and r.ladder_rung > 0 for r in responsible)
    assert SubmissionToken.objects.get().tip_id == tip.pk


@pytest.mark.django_db
def test_images_are_stored_encrypted(categories, clayton_high):
    image = CleanImage(content=b"\x89PNG-pixels", content_type="image/png", width=1, height=1)
    report = TipReport(category=categories["bullying"], school=clayton_high, description="See photo", images=[image])
    tip = submit_tip(report=report, receipt=receipts.generate(), form_token="tok").tip
    attachment = tip.attachments.get()
    assert attachment.content == b"\x89PNG-pixels"
    assert attachment.size == len(b"\x89PNG-pixels")
