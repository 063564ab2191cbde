"""manage.py purge_expired (SECURITY.md 36): closed tips past retention go with everything
that belongs to them; an audit stub stays; a second run changes nothing."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command

from reports.intake import receipts
from reports.intake.services import (
    CleanImage,
    TipReport,
    add_tipster_message,
    find_tip_by_receipt,
    submit_tip,
)
from reports.models import (
    Attachment,
    Message,
    Note,
    Notification,
    Routing,
    SubmissionToken,
    Tip,
)
from reports.retention import prune_submission_tokens, purge_expired
from reports.triage.actions import message_tipster
from safeschools.models import AuditEvent
from tests.conftest import finish_every_part
from tests.reports.conftest import TUESDAY_10AM

DISPOSITION = "-".join(["marker", "disposition", "text"])
PNG = CleanImage(content=b"\x89PNG-pixels", content_type="image/png", width=1, height=1)


@pytest.fixture
def close_tip(time_machine, officer_olsen):
    """Submit a tip at some moment, with images, messages and a note, and close it later."""

    def close(categories, school, *, category="bullying", received_days_ago: int, closed_days_ago: int | None):
        time_machine.move_to(TUESDAY_10AM - timedelta(days=received_days_ago), tick=False)
        receipt = receipts.generate()
        report = TipReport(category=categories[category], school=school, description="Pushed at lunch", images=[PNG])
        tip = submit_tip(report=report, receipt=receipt, form_token=receipt).tip
        tip.routings.get(agency__name="Clayton Police Department").assign(officer_olsen)
        add_tipster_message(tip=tip, body="More about it", images=[PNG])
        message_tipster(tip=tip, author=officer_olsen, agency=None, body="Thank you")
        Note.objects.create(tip=tip, author=officer_olsen, body="Talked to the counselor")
        if closed_days_ago is not None:
            time_machine.move_to(TUESDAY_10AM - timedelta(days=closed_days_ago), tick=False)
            finish_every_part(tip, by=officer_olsen, note=DISPOSITION)
        time_machine.move_to(TUESDAY_10AM, tick=False)
        return Tip.objects.get(pk=tip.pk), receipt

    return close


def _rows_of(tip_id: int) -> dict[str, int]:
    return {
        "tip": Tip.objects.filter(pk=tip_id).count(),
        "routings": Routing.objects.filter(tip_id=tip_id).count(),
        "images": Attachment.objects.filter(tip_id=tip_id).count(),
        "messages": Message.objects.filter(tip_id=tip_id).count(),
        "notes": Note.objects.filter(tip_id=tip_id).count(),
        "notifications": Notification.objects.filter(tip_id=tip_id).count(),
        "submission tokens": SubmissionToken.objects.filter(tip_id=tip_id).count(),
    }


@pytest.fixture
def tips(close_tip, categories, clayton_high, officer_olsen, principal_park):
    categories["self_harm"].retention_days = 30
    categories["self_harm"].save()
    return {
        "expired": close_tip(categories, clayton_high, received_days_ago=400, closed_days_ago=366),
        "kept": close_tip(categories, clayton_high, received_days_ago=400, closed_days_ago=364),
        "open": close_tip(categories, clayton_high, received_days_ago=1000, closed_days_ago=None),
        "short expired": close_tip(
            categories, clayton_high, category="self_harm", received_days_ago=40, closed_days_ago=31
        ),
        "short kept": close_tip(
            categories, clayton_high, category="self_harm", received_days_ago=40, closed_days_ago=29
        ),
    }


@pytest.mark.django_db
def test_purge_deletes_everything_of_expired_tips_and_leaves_a_stub(tips, time_machine):
    expired, receipt = tips["expired"]
    short_expired, short_receipt = tips["short expired"]
    before = _rows_of(expired.pk)
    assert before == {
        "tip": 1,
        "routings": 2,
        "images": 2,
        "messages": 2,
        "notes": 1,
        "notifications": 2,  # two new-tip alerts; the tipster's message came inside their coalescing window
        "submission tokens": 1,
    }
    expired.related.add(tips["kept"][0])
    out = StringIO()

    call_command("purge_expired", stdout=out)

    for tip in (expired, short_expired):
        assert set(_rows_of(tip.pk).values()) == {0}
    assert find_tip_by_receipt(receipt) is None and find_tip_by_receipt(short_receipt) is None
    assert not Tip.objects.filter(receipt_hash__in=[expired.receipt_hash, short_expired.receipt_hash]).exists()
    assert set(Tip.objects.values_list("pk", flat=True)) == {tips[k][0].pk for k in ("kept", "open", "short kept")}
    assert tips["kept"][0].related.count() == 0

    stub = AuditEvent.objects.get(action=AuditEvent.Action.TIP_PURGED, tip_reference=expired.reference)
    assert stub.tip_id == expired.pk
    assert stub.detail == {
        "received_hour": "2025-01-27 10:00",
        "closed_on": "2025-03-02",
        "category": "Bullying",
        "dispositions": {"Clayton Police Department": "resolved", "Clayton School District": "resolved"},
    }
    assert DISPOSITION not in str(AuditEvent.objects.values())
    # The rest of the tip's audit trail stays: it holds no tipster data.
    assert AuditEvent.objects.filter(tip_id=expired.pk, action=AuditEvent.Action.TIP_SUBMITTED).exists()
    assert out.getvalue() == (
        "Deleted:\n  tips: 2\n  routings: 4\n  images: 4\n  messages: 4\n  notes: 2\n"
        "  notifications: 4\n  submission tokens: 2\nAudit stubs written: 2\n"
    )


@pytest.mark.django_db
def test_purge_twice_deletes_nothing_more(tips):
    purge_expired()
    stubs = AuditEvent.objects.filter(action=AuditEvent.Action.TIP_PURGED).count()
    remaining = Tip.objects.count()
    out = StringIO()

    call_command("purge_expired", stdout=out)

    assert "  tips: 0\n" in out.getvalue() and "Audit stubs written: 0" in out.getvalue()
    assert AuditEvent.objects.filter(action=AuditEvent.Action.TIP_PURGED).count() == stubs == 2
    assert Tip.objects.count() == remaining == 3


@pytest.mark.django_db
def test_dry_run_counts_and_changes_nothing(tips):
    out = StringIO()

    call_command("purge_expired", "--dry-run", stdout=out)

    assert out.getvalue().startswith("Would delete:\n  tips: 2\n  routings: 4\n")
    assert Tip.objects.count() == 5
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.TIP_PURGED).exists()


@pytest.mark.django_db
def test_retention_days_come_from_the_setting(tips, settings):
    settings.TIP_RETENTION_DAYS = 1000

    assert purge_expired().tips == 1  # only the category with its own 30 days


@pytest.mark.django_db
def test_help_says_what_is_deleted():
    from reports.management.commands.purge_expired import Command

    for word in ["routings", "images", "messages", "notes", "notifications", "submission tokens", "receipt hash"]:
        assert word in Command.help
    assert "not the disposition text" in Command.help


@pytest.mark.django_db
def test_old_submission_tokens_are_pruned(make_tip, clayton_high, time_machine):
    time_machine.move_to(TUESDAY_10AM - timedelta(days=2), tick=False)
    old = make_tip(school=clayton_high).tip
    time_machine.move_to(TUESDAY_10AM - timedelta(hours=3), tick=False)
    recent = make_tip(school=clayton_high).tip
    time_machine.move_to(TUESDAY_10AM, tick=False)

    assert prune_submission_tokens() == 1
    assert list(SubmissionToken.objects.values_list("tip_id", flat=True)) == [recent.pk]
    assert Tip.objects.filter(pk=old.pk).exists()


@pytest.mark.django_db
def test_new_information_nobody_has_read_is_not_purged(tips):
    expired, _ = tips["expired"]
    Tip.objects.filter(pk=expired.pk).update(new_info_after_closing=True)

    purge_expired()

    assert Tip.objects.filter(pk=expired.pk).exists()
