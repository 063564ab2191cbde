"""Background work, on the django-tasks API (in production django-tasks-db's queue table and
``manage.py db_worker`` processes: any number, on any machine).

django-tasks has no periodic scheduler, so the two recurring jobs enqueue their own next
run with ``run_after``:

- ``tick``, every 30 seconds: the escalation steps that are due, then the outbox (retries
  whose time has come, and any row whose "deliver now" request was lost).
- ``daily``, at ``settings.DAILY_JOBS_HOUR`` local time: digests, the retention purge, old
  submission tokens and old task results.

Each run enqueues its successor *before* it works, so a worker killed in the middle leaves
the chain intact (django-tasks-db leaves the killed run's row RUNNING and never retries
it; the next run redoes its work). ``ensure_schedule`` (``manage.py start_schedule``, run
before the workers start, and again by every outbox drain) enqueues a chain only if no run
of it is waiting. Both take a lock shared by every worker first, so any number of workers
and restarts keeps exactly one waiting run of each chain.

New alerts do not wait for the tick: ``delivery.request_delivery`` enqueues
``deliver_notifications`` when the transaction that wrote them commits.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, time, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from django_tasks import TaskResultStatus, task
from django_tasks.base import Task
from django_tasks_db.backend import DatabaseBackend
from django_tasks_db.models import DBTaskResult

from reports import alerts, delivery, escalation, retention

TICK_EVERY = timedelta(seconds=30)
TASK_RESULTS_KEPT = timedelta(days=7)


@contextmanager
def scheduler_lock(name: str) -> Iterator[None]:
    """A transaction that one worker at a time may hold for ``name``, on every machine.

    PostgreSQL: an advisory lock released at commit. SQLite: write transactions are already
    one at a time (``transaction_mode`` IMMEDIATE in settings).
    """
    with transaction.atomic():
        if connection.vendor == "postgresql":
            key = int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big", signed=True)
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [key])
        yield


def _waiting(job: Task) -> bool:
    backend = job.get_backend()
    if not isinstance(backend, DatabaseBackend):
        return False
    return DBTaskResult.objects.filter(
        task_path=job.module_path, backend_name=backend.alias, status=TaskResultStatus.READY
    ).exists()


def schedule(job: Task, run_after: datetime) -> bool:
    """Enqueue ``job`` to run at ``run_after`` unless a run of it is already waiting.
    Returns whether it enqueued. Backends that cannot defer (the immediate backend of the
    tests) get nothing: there, tests call the work functions themselves."""
    if not job.get_backend().supports_defer:
        return False
    with scheduler_lock(job.module_path):
        if _waiting(job):
            return False
        job.using(run_after=run_after).enqueue()
    return True


def next_daily_run(now: datetime) -> datetime:
    local = timezone.localtime(now)
    at = timezone.make_aware(datetime.combine(local.date(), time(settings.DAILY_JOBS_HOUR)))
    if at <= now:
        at = timezone.make_aware(datetime.combine(local.date() + timedelta(days=1), time(settings.DAILY_JOBS_HOUR)))
    return at


def ensure_schedule(now: datetime | None = None) -> list[str]:
    """Start whichever recurring job is not waiting to run; returns the names started."""
    now = now or timezone.now()
    started = []
    if schedule(tick, now):
        started.append(tick.name)
    if schedule(daily, next_daily_run(now)):
        started.append(daily.name)
    return started


@task(priority=10)
def deliver_notifications() -> dict[str, int]:
    """Drain the outbox now (enqueued when new alerts are committed)."""
    ensure_schedule()
    return delivery.deliver_due().as_dict()


@task(priority=10)
def tick() -> dict[str, int]:
    schedule(tick, timezone.now() + TICK_EVERY)
    escalated = escalation.escalate_due()
    return {"escalated": escalated, **delivery.deliver_due().as_dict()}


@task()
def daily() -> dict[str, int]:
    now = timezone.now()
    schedule(daily, next_daily_run(now))
    with scheduler_lock("reports.alerts.queue_daily_digests"):
        digests = alerts.queue_daily_digests(now=now)
    purged = retention.purge_expired(now=now)
    tokens = retention.prune_submission_tokens(now=now)
    results, _ = DBTaskResult.objects.finished().filter(finished_at__lt=now - TASK_RESULTS_KEPT).delete()
    return {
        "digests": len(digests),
        "tips_purged": purged.tips,
        "tokens_pruned": tokens,
        "task_results_pruned": results,
    }
