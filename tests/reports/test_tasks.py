"""The worker's jobs (reports.jobs) on the real django-tasks-db queue: recurring jobs that
re-enqueue themselves, started idempotently, and the whole path from a committed tip to
e-mails and escalation steps through ``manage.py db_worker``."""

from __future__ import annotations

import signal
from datetime import timedelta
from io import StringIO

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from partners.models import Membership
from reports import jobs
from reports.models import Notification
from safeschools.models import AuditEvent
from safeschools.schedule import ensure_schedule
from tests.reports.conftest import TUESDAY_10AM

DATABASE_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


@pytest.fixture
def queue(settings):
    """The production task backend: a table in the database."""
    settings.TASKS = DATABASE_TASKS
    return DBTaskResult.objects


@pytest.fixture
def run_worker():
    """``manage.py db_worker --batch``: run every task that is due, then return. (The worker
    closes its connection between tasks, so tests using it need ``transaction=True``.)"""
    saved = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGQUIT)}

    def run() -> None:
        call_command("db_worker", "--batch", "--no-reload", "--no-startup-delay", verbosity=0)

    yield run
    for sig, handler in saved.items():
        signal.signal(sig, handler)


def _waiting(queue) -> list[tuple[str, object]]:
    rows = queue.filter(status="READY").order_by("run_after", "task_path")
    return [(path.rsplit(".", 1)[1], run_after) for path, run_after in rows.values_list("task_path", "run_after")]


@pytest.mark.django_db
def test_start_schedule_queues_each_recurring_job_once(queue, clock):
    out = StringIO()
    call_command("start_schedule", stdout=out)
    call_command("start_schedule", stdout=out)
    ensure_schedule()

    # casework_daily: registered by the casework app, above reports (casework.jobs).
    assert out.getvalue() == "Started: tick, daily, casework_daily\nAlready scheduled.\n"
    tomorrow_6am = timezone.make_aware(timezone.datetime(2026, 3, 4, 6, 0))
    assert _waiting(queue) == [("tick", TUESDAY_10AM), ("casework_daily", tomorrow_6am), ("daily", tomorrow_6am)]


@pytest.mark.django_db
def test_the_test_backend_schedules_nothing(clock):
    assert ensure_schedule() == []
    assert not DBTaskResult.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_tick_queues_its_next_run_before_working(queue, clock, run_worker):
    ensure_schedule()

    run_worker()

    assert queue.filter(task_path="reports.jobs.tick", status="SUCCESSFUL").count() == 1
    assert _waiting(queue)[0] == ("tick", TUESDAY_10AM + timedelta(seconds=30))
    clock.shift(timedelta(seconds=30))
    run_worker()
    assert queue.filter(task_path="reports.jobs.tick", status="SUCCESSFUL").count() == 2
    assert [name for name, _ in _waiting(queue)] == ["tick", "casework_daily", "daily"]


@pytest.mark.django_db(transaction=True)
def test_a_second_chain_ends_itself(queue, clock, run_worker):
    ensure_schedule()
    jobs.tick.enqueue()  # e.g. started by hand while one was already waiting

    run_worker()

    assert [name for name, _ in _waiting(queue)] == ["tick", "casework_daily", "daily"]


@pytest.mark.django_db(transaction=True)
def test_daily_jobs_queue_digests_purge_and_reschedule(
    queue, clock, run_worker, make_tip, clayton_high, principal_park
):
    Membership.objects.filter(user=principal_park).update(new_tip_alerts="digest")
    make_tip(school=clayton_high)
    ensure_schedule()
    clock.move_to(timezone.make_aware(timezone.datetime(2026, 3, 4, 6, 0)))

    run_worker()

    daily = queue.get(task_path="reports.jobs.daily", status="SUCCESSFUL")
    assert daily.return_value == {
        "digests": 1,
        "tips_purged": 0,
        "tokens_pruned": 0,
        "sms_records_pruned": 0,
        "texting_numbers_erased": 0,
        "sessions_deleted": 0,
        "task_results_pruned": 0,
    }
    assert Notification.objects.get(kind="digest").recipient == principal_park
    assert ("daily", timezone.make_aware(timezone.datetime(2026, 3, 5, 6, 0))) in _waiting(queue)


@pytest.mark.django_db(transaction=True)
def test_a_life_safety_tip_goes_out_and_escalates_through_the_worker(
    queue,
    clock,
    run_worker,
    make_tip,
    clayton_high,
    officer_olsen,
    sergeant_stone,
    coordinator_cole,
):
    ensure_schedule()
    tip = make_tip(school=clayton_high, danger_now=True).tip
    assert [name for name, _ in _waiting(queue)] == ["tick", "casework_daily", "daily"]  # the tip enqueued nothing

    run_worker()
    # Clayton PD's members as a new tip; nobody at the district, so the coordinators at once.
    assert sorted((m.to[0], m.subject.split(tip.reference)[0]) for m in mail.outbox) == [
        ("cole@example.org", "URGENT: nobody at Clayton School District can be reached for tip "),
        ("olsen@example.org", "URGENT: new tip "),
        ("stone@example.org", "URGENT: new tip "),
    ]

    for _ in range(2 * 20):  # twenty minutes of ticks, nobody acknowledges
        clock.shift(timedelta(seconds=30))
        run_worker()

    steps = AuditEvent.objects.filter(tip_id=tip.pk, action=AuditEvent.Action.ESCALATION).order_by("at")
    # The district has nobody: the coordinators at once (level 0), then again each step.
    # Clayton PD: its members at once, its escalation contact at 10 minutes, then the coordinators.
    assert sorted((e.detail["level"], e.detail["agency"], e.detail["step"]) for e in steps) == [
        (0, "Clayton School District", "Partnership coordinators"),
        (1, "Clayton Police Department", "Escalation contacts"),
        (1, "Clayton School District", "Partnership coordinators"),
        (2, "Clayton Police Department", "Partnership coordinators"),
        (2, "Clayton School District", "Partnership coordinators"),
    ]
    escalations = [m.to[0] for m in mail.outbox if "not acknowledged" in m.subject]
    assert sorted(escalations) == ["cole@example.org", "cole@example.org", "stone@example.org"]
    assert [m.to[0] for m in mail.outbox if "can be reached" in m.subject] == ["cole@example.org"]
    assert not queue.filter(status="FAILED").exists()
