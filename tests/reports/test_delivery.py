"""The outbox worker (reports.notifications.delivery): each alert delivered once, retried with backoff,
failed visibly after the last try, and nothing lost while the mail server is down."""

from __future__ import annotations

import logging
import threading
from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.db import connection, transaction

from reports.models import Notification
from reports.notifications import delivery
from reports.notifications.delivery import LEASE, MAX_ATTEMPTS, claim_next, deliver, deliver_due
from safeschools.models import AuditEvent
from tests.reports.conftest import TUESDAY_10AM

DUMMY_TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}


@pytest.mark.django_db
def test_due_alerts_are_sent_once_and_marked_sent(make_tip, clayton_high, officer_olsen, principal_park, smtp):
    tip = make_tip(school=clayton_high).tip

    report = deliver_due()

    assert report.sent == 2
    assert sorted(m.to[0] for m in mail.outbox) == ["olsen@example.org", "park@example.org"]
    rows = Notification.objects.filter(tip=tip)
    assert set(rows.values_list("status", "attempts")) == {("sent", 1)}
    assert all(row.sent_at is not None for row in rows)
    assert deliver_due().sent == 0
    assert len(mail.outbox) == 2
    timeline = AuditEvent.objects.filter(tip_id=tip.pk, action=AuditEvent.Action.NOTIFICATION)
    assert sorted(e.detail["recipient"] for e in timeline) == ["olsen", "park"]
    assert {e.detail["outcome"] for e in timeline} == {"sent"}


@pytest.mark.django_db
def test_a_tip_enqueues_no_task_and_the_next_tick_sends_its_alerts(
    settings, make_tip, clayton_high, officer_olsen, django_capture_on_commit_callbacks
):
    """SECURITY.md 37: a task row records its enqueue time to the microsecond, so a tip
    enqueues none; the worker's tick (every 30 s) sends its alerts."""
    from django_tasks_db.models import DBTaskResult

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        tip = make_tip(school=clayton_high, danger_now=True).tip

    assert callbacks == [] and not DBTaskResult.objects.exists()
    assert deliver_due().sent == 1  # what the tick does
    assert [m.to for m in mail.outbox] == [["olsen@example.org"]]
    assert Notification.objects.get(tip=tip).status == Notification.Status.SENT


@pytest.mark.django_db
def test_a_staff_retry_asks_a_worker_at_once_and_survives_a_failing_queue(
    make_tip, clayton_high, officer_olsen, coordinator_cole, django_capture_on_commit_callbacks, monkeypatch, caplog
):
    from reports.notifications.delivery import deliver_notifications

    tip = make_tip(school=clayton_high).tip
    Notification.objects.filter(tip=tip).update(status=Notification.Status.FAILED)
    with django_capture_on_commit_callbacks(execute=True):
        delivery.retry_failed(Notification.objects.filter(tip=tip), by=coordinator_cole)
    # The immediate task backend of the tests ran deliver_notifications on commit.
    assert [m.to for m in mail.outbox] == [["olsen@example.org"]]

    def broken_enqueue(*args, **kwargs):
        raise RuntimeError("queue table unavailable")

    Notification.objects.filter(tip=tip).update(status=Notification.Status.FAILED)
    monkeypatch.setattr(type(deliver_notifications), "enqueue", broken_enqueue)
    with django_capture_on_commit_callbacks(execute=True):
        delivery.retry_failed(Notification.objects.filter(tip=tip), by=coordinator_cole)

    assert Notification.objects.get(tip=tip).status == Notification.Status.PENDING
    assert "queue table unavailable" in caplog.text
    # The worker's periodic tick still finds the row.
    assert deliver_due().sent == 1


@pytest.mark.django_db
def test_failed_sends_back_off_exponentially_then_fail_with_the_error(make_tip, clayton_high, officer_olsen, smtp):
    smtp.down = True
    with time_machine.travel(TUESDAY_10AM, tick=False) as clock:
        make_tip(school=clayton_high)
        row = Notification.objects.get()
        waits = []
        while True:
            report = deliver_due()
            row.refresh_from_db()
            if row.status == Notification.Status.FAILED:
                assert report.failed == 1
                break
            assert report.retrying == 1 and row.status == Notification.Status.PENDING
            # Not due again before its time.
            assert deliver_due().retrying == 0
            waits.append((row.next_attempt_at - delivery.timezone.now()).total_seconds())
            clock.move_to(row.next_attempt_at)

    assert waits[:7] == [30, 60, 120, 240, 480, 600, 600]
    assert set(waits[5:]) == {600}
    assert row.attempts == MAX_ATTEMPTS == smtp.refused
    assert row.last_error == "SMTPServerDisconnected: Connection unexpectedly closed"
    assert mail.outbox == []
    failed = AuditEvent.objects.get(action=AuditEvent.Action.NOTIFICATION, detail__outcome="failed")
    assert failed.detail["attempts"] == MAX_ATTEMPTS


@pytest.mark.django_db
def test_an_hour_long_smtp_outage_loses_nothing_and_doubles_nothing(
    make_tip, clayton_high, kirkwood_high, officer_olsen, principal_park, officer_kim, smtp
):
    smtp.down = True
    with time_machine.travel(TUESDAY_10AM, tick=False) as clock:
        make_tip(school=clayton_high)
        make_tip(school=kirkwood_high, danger_now=True)
        for _ in range(120):  # the worker's 30-second tick, for an hour
            deliver_due()
            clock.shift(timedelta(seconds=30))
        assert Notification.objects.filter(status=Notification.Status.PENDING).count() == 3
        assert mail.outbox == [] and smtp.refused > 3

        smtp.down = False
        for _ in range(40):  # twenty more minutes
            deliver_due()
            clock.shift(timedelta(seconds=30))

    assert set(Notification.objects.values_list("status", flat=True)) == {"sent"}
    assert sorted(m.to[0] for m in mail.outbox) == ["kim@example.org", "olsen@example.org", "park@example.org"]


@pytest.mark.django_db
def test_a_channel_without_a_backend_fails_at_once(officer_olsen):
    Notification.objects.create(kind=Notification.Kind.NEW_TIP, recipient=officer_olsen, channel="voice")

    assert deliver_due().failed == 1
    row = Notification.objects.get()
    assert (row.status, row.attempts) == ("failed", 1)
    assert row.last_error == "PermanentDeliveryError: No delivery backend for channel 'voice'."


@pytest.mark.django_db
def test_a_recipient_without_an_address_fails_at_once(make_tip, clayton_high, officer_olsen, smtp):
    make_tip(school=clayton_high)
    officer_olsen.email = ""  # removed after the alert was queued
    officer_olsen.save()

    assert deliver_due().failed == 1
    assert Notification.objects.get().last_error == "PermanentDeliveryError: olsen has no e-mail address."


@pytest.mark.django_db
def test_channels_are_chosen_by_the_rows_channel(make_tip, clayton_high, officer_olsen, monkeypatch, smtp):
    calls = []

    class PagerChannel(delivery.Channel):
        def send(self, notification) -> None:
            calls.append(notification.recipient.username)

    monkeypatch.setitem(delivery.CHANNELS, "pager", PagerChannel)
    make_tip(school=clayton_high)
    Notification.objects.update(channel="pager")

    assert deliver_due().sent == 1
    assert calls == ["olsen"] and mail.outbox == []


@pytest.mark.django_db
def test_urgent_alerts_go_first(make_tip, clayton_high, officer_olsen, recorder):
    make_tip(school=clayton_high)
    urgent = make_tip(school=clayton_high, danger_now=True).tip

    deliver_due()

    assert recorder.sent[0] == Notification.objects.get(tip=urgent).pk


@pytest.mark.django_db
def test_a_worker_killed_mid_delivery_leaves_the_alert_to_another_after_the_lease(
    make_tip, clayton_high, officer_olsen, recorder
):
    with time_machine.travel(TUESDAY_10AM, tick=False) as clock:
        make_tip(school=clayton_high)
        claimed = claim_next()  # ...and the worker dies here, before sending
        assert claimed.status == Notification.Status.SENDING

        clock.shift(LEASE - timedelta(seconds=1))
        assert deliver_due().sent == 0  # still leased

        clock.shift(timedelta(seconds=1))
        assert deliver_due().sent == 1

    assert recorder.sent == [claimed.pk]
    row = Notification.objects.get()
    assert (row.status, row.attempts) == ("sent", 2)


@pytest.mark.django_db
def test_a_worker_whose_lease_ran_out_cannot_overwrite_the_new_holder(
    make_tip, clayton_high, officer_olsen, smtp, caplog
):
    with time_machine.travel(TUESDAY_10AM, tick=False) as clock:
        make_tip(school=clayton_high)
        slow = claim_next()
        clock.shift(LEASE + timedelta(seconds=1))
        smtp.down = True
        assert deliver_due().retrying == 1  # the second worker's attempt fails
        smtp.down = False

        with caplog.at_level(logging.WARNING, logger="reports.notifications.delivery"):
            deliver(slow)  # the first worker finally gets through

    row = Notification.objects.get()
    assert (row.status, row.attempts) == ("pending", 2)
    assert "lease lost" in caplog.text


# --- Several workers on PostgreSQL -----------------------------------------------------


def _in_thread(target, *args):
    """Run ``target`` in a thread with its own database connection; re-raise its error."""
    errors = []

    def run():
        try:
            target(*args)
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    return thread, errors


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_workers_racing_deliver_each_alert_exactly_once(
    settings, make_tip, clayton_high, officer_olsen, principal_park, monkeypatch
):
    settings.TASKS = DUMMY_TASKS  # nothing delivers on commit: the two workers do it all
    for _ in range(20):
        make_tip(school=clayton_high)
    expected = sorted(Notification.objects.values_list("pk", flat=True))
    assert len(expected) == 40

    sent: list[tuple[str, int]] = []
    both_holding_a_row = threading.Barrier(2, timeout=10)

    class RecordingChannel(delivery.Channel):
        def send(self, notification) -> None:
            name = threading.current_thread().name
            if not any(worker == name for worker, _ in sent):
                # Each worker's first send waits until the other also holds a row.
                sent.append((name, notification.pk))
                both_holding_a_row.wait()
            else:
                sent.append((name, notification.pk))

    monkeypatch.setitem(delivery.CHANNELS, "email", RecordingChannel)
    start = threading.Barrier(2, timeout=10)

    def worker():
        start.wait()
        deliver_due()

    workers = [_in_thread(worker), _in_thread(worker)]
    for thread, _ in workers:
        thread.join(timeout=60)
    assert [errors for _, errors in workers] == [[], []]

    assert sorted(pk for _, pk in sent) == expected
    assert len({worker for worker, _ in sent}) == 2
    assert set(Notification.objects.values_list("status", "attempts")) == {("sent", 1)}


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_worker_skips_a_row_another_worker_has_locked(
    settings, make_tip, clayton_high, officer_olsen, principal_park
):
    settings.TASKS = DUMMY_TASKS
    make_tip(school=clayton_high)
    first, second = Notification.objects.order_by("-urgent", "next_attempt_at", "id").values_list("pk", flat=True)
    claimed = []

    with transaction.atomic():
        Notification.objects.select_for_update().get(pk=first)  # another worker is mid-claim
        thread, errors = _in_thread(lambda: claimed.append(claim_next().pk))
        thread.join(timeout=10)
        assert not thread.is_alive(), "the second worker waited for the lock instead of skipping the row"

    assert errors == []
    assert claimed == [second]
