"""SECURITY.md 37: nothing stored dates a submission or a tipster's message finer than the
hour. Every date and time column of every installed model (ours, Django's sessions and
admin log, django-otp, django-axes, the task queue of django-tasks-db) is found by
introspection and read after a tipster submits two tips, replies, and the worker sends the
alerts and escalates. The one exception is the deadline of a life-safety escalation nobody
has acknowledged yet (each agency has its own ladder); after the acknowledgements it is
gone too. What staff do keeps its exact time (their own acts, not the tipster's).
"""

from __future__ import annotations

from datetime import date, datetime, time

import pytest
import time_machine
from django.apps import apps
from django.db import models
from django.urls import reverse
from django.utils import timezone

from reports.models import Routing, Tip
from reports.notifications.delivery import deliver_due
from reports.notifications.escalation import escalate_due
from reports.triage import actions, case_actions
from reports.triage.access import PartAccess
from safeschools.hours import is_whole_hour
from tests.reports.test_report_form import receipt_in


def local(hour: int, minute: int, second: int, micro: int = 0) -> datetime:
    return timezone.make_aware(datetime(2026, 3, 3, hour, minute, second, micro))


SUBMITTED = local(9, 46, 13, 250_000)
TICK_AFTER_SUBMIT = local(9, 46, 40)
ESCALATION_STEP = local(9, 56, 14, 500_000)  # the life-safety tip's 10 minutes are up
TICK_AFTER_STEP = local(9, 56, 30)
ASSIGNED = local(10, 5, 2, 123_000)  # staff
REPLIED = local(10, 17, 29, 500_000)
TICK_AFTER_REPLY = local(10, 17, 50)
ACKNOWLEDGED = local(10, 31, 7, 700_000)  # staff
TICK_AFTER_ACK = local(10, 31, 30)
STAFF_ACTS = {ASSIGNED, ACKNOWLEDGED}


def timestamps() -> dict[tuple[str, str, object], object]:
    """Every non-empty date, time and date-time value in the database, by (table, column, pk)."""
    values = {}
    for model in apps.get_models(include_auto_created=True):
        fields = [f for f in model._meta.concrete_fields if isinstance(f, models.DateField | models.TimeField)]
        if not fields:
            continue
        for pk, *row in model._base_manager.values_list("pk", *[f.attname for f in fields]):
            for field, value in zip(fields, row, strict=True):
                if value is not None:
                    values[(model._meta.db_table, field.column, pk)] = value
    return values


def tables_with_times() -> set[str]:
    return {
        model._meta.db_table
        for model in apps.get_models(include_auto_created=True)
        if any(isinstance(f, models.DateField | models.TimeField) for f in model._meta.concrete_fields)
    }


def finer_than_the_hour(value) -> bool:
    if isinstance(value, datetime):
        return not is_whole_hour(value)
    if isinstance(value, time):
        return (value.minute, value.second, value.microsecond) != (0, 0, 0)
    assert isinstance(value, date)
    return False  # a day says less than an hour


def written_since(before: dict) -> dict:
    return {key: value for key, value in timestamps().items() if before.get(key) != value}


def fine_values(before: dict, *, allowed_deadlines: set[datetime] = frozenset()) -> dict:
    """New or changed values finer than the hour, other than the staff's own acts and the
    given escalation deadlines (allowed in ``reports_routing.escalation_due_at`` only)."""
    return {
        key: value
        for key, value in written_since(before).items()
        if finer_than_the_hour(value)
        and value not in STAFF_ACTS
        and not (key[:2] == ("reports_routing", "escalation_due_at") and value in allowed_deadlines)
    }


def test_the_introspection_reaches_every_side_table(db):
    tables = tables_with_times()
    for table in (
        "reports_tip",
        "reports_routing",
        "reports_message",
        "reports_attachment",
        "reports_notification",
        "reports_submissiontoken",
        "safeschools_auditevent",
        "django_session",
        "django_tasks_database_dbtaskresult",
        "django_admin_log",
        "auth_user",
    ):
        assert table in tables


@pytest.mark.django_db
def test_no_stored_time_dates_a_tipster_finer_than_the_hour(
    settings,
    client,
    tip_post,
    officer_olsen,
    principal_park,
    sergeant_stone,
    coordinator_cole,
    categories,
    django_capture_on_commit_callbacks,
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tests.reports.test_images import encode, picture

    photo = SimpleUploadedFile("photo.png", encode(picture(), "PNG"), content_type="image/png")
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}  # a real queue table
    before = timestamps()

    # On-commit callbacks run, as after a real commit: whatever the flow enqueues is a row.
    with time_machine.travel(SUBMITTED, tick=False), django_capture_on_commit_callbacks(execute=True):
        client.get(reverse("reports:report"))
        urgent = receipt_in(
            client.post(
                reverse("reports:report"),
                tip_post(danger_now="yes", contact_choice="contact", contact_details="555-0100", images=[photo]),
            )
        )
        receipt_in(client.post(reverse("reports:report"), tip_post()))
        client.post(reverse("reports:confirm-receipt"), {"receipt": urgent, "saved": "yes"})
    with time_machine.travel(TICK_AFTER_SUBMIT, tick=False):
        assert deliver_due().sent > 0  # the worker's tick
    with time_machine.travel(ESCALATION_STEP, tick=False):
        assert escalate_due() == 2
    with time_machine.travel(TICK_AFTER_STEP, tick=False):
        assert deliver_due().sent > 0
    tip = Tip.objects.get(is_life_safety=True)
    with time_machine.travel(ASSIGNED, tick=False):
        police = Routing.objects.select_related("agency").get(tip=tip, agency__name="Clayton Police Department")
        case_actions.assign(
            tip=tip, actor=officer_olsen, part=PartAccess(police, on_behalf=False), assignee=officer_olsen, version=1
        )
    with time_machine.travel(REPLIED, tick=False), django_capture_on_commit_callbacks(execute=True):
        assert client.post(reverse("reports:check"), {"receipt": urgent}).status_code == 302
        assert client.post(reverse("reports:conversation"), {"body": "It was in the gym."}).status_code == 302
    with time_machine.travel(TICK_AFTER_REPLY, tick=False):
        # The tipster's message: on a life-safety tip, to everyone a new tip alerts at once.
        assert deliver_due().sent > 0

    deadlines = set(Routing.objects.filter(escalation_due_at__isnull=False).values_list("escalation_due_at", flat=True))
    assert deadlines and all(finer_than_the_hour(d) for d in deadlines)  # the exception is real…
    assert fine_values(before, allowed_deadlines=deadlines) == {}  # …and the only one
    assert len(written_since(before)) > 40  # the check saw the rows the flow wrote

    tip.refresh_from_db()
    with time_machine.travel(ACKNOWLEDGED, tick=False):
        memberships = list(officer_olsen.memberships.all())
        actions.acknowledge(tip=tip, actor=officer_olsen, memberships=memberships)
    # Each agency has its own ladder: the district's deadline stays while it is silent…
    silent = Routing.objects.filter(escalation_due_at__isnull=False)
    assert [r.acknowledged_at for r in silent] == [None]
    tip.refresh_from_db()
    with time_machine.travel(ACKNOWLEDGED, tick=False):  # …until it acknowledges too
        memberships = list(principal_park.memberships.all())
        actions.acknowledge(tip=tip, actor=principal_park, memberships=memberships)
    with time_machine.travel(TICK_AFTER_ACK, tick=False):
        deliver_due()
        escalate_due()

    assert not Routing.objects.filter(escalation_due_at__isnull=False).exists()
    assert fine_values(before) == {}


@pytest.mark.django_db
def test_screens_show_the_hour_and_not_a_minute(client, tip_post, login_verified, coordinator_cole, officer_olsen):
    """The timeline and the audit log say "9 AM hour" for what the tipster did; they cannot
    print a minute that is not kept."""
    with time_machine.travel(SUBMITTED, tick=False):
        receipt = receipt_in(client.post(reverse("reports:report"), tip_post()))
    with time_machine.travel(REPLIED, tick=False):
        client.post(reverse("reports:check"), {"receipt": receipt})
        client.post(reverse("reports:conversation"), {"body": "Second lunch."})
    deliver_due()
    tip = Tip.objects.get()
    from django.test import Client

    staff = Client()
    login_verified(staff, coordinator_cole)
    page = staff.get(reverse("dashboard:tip-detail", args=[tip.pk])).content.decode()
    audit_log = staff.get(reverse("dashboard:audit")).content.decode()
    assert "9 AM hour" in page and "10 AM hour" in page
    assert "9:46" not in page and "10:17" not in page
    assert "09:00" in audit_log and "hour" in audit_log
    assert "09:46" not in audit_log and "10:17" not in audit_log
