"""Recurring background jobs on the django-tasks API, with no scheduler process.

django-tasks has no periodic scheduler, so a recurring job enqueues its own next run with
``run_after``. Each run enqueues its successor *before* it works, so a worker killed in the
middle leaves the chain intact (django-tasks-db leaves the killed run's row RUNNING and
never retries it; the next run redoes its work).

The jobs themselves live in the apps above (``reports.jobs``) and register here with
``@recurring``; ``ensure_schedule`` (``manage.py start_schedule``, and every outbox drain)
enqueues any registered chain that has no waiting run. This module imports none of them, so
the code that asks for work (the outbox) and the code that schedules it do not import each
other.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime

from django.db import connection, transaction
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks.base import Task
from django_tasks_db.backend import DatabaseBackend
from django_tasks_db.models import DBTaskResult

FirstRun = Callable[[datetime], datetime]
_RECURRING: dict[str, tuple[Task, FirstRun]] = {}


def recurring(first_run: FirstRun) -> Callable[[Task], Task]:
    """Register a task as a recurring chain; ``first_run(now)`` says when a new chain starts."""

    def register(job: Task) -> Task:
        _RECURRING[job.module_path] = (job, first_run)
        return job

    return register


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


def ensure_schedule(now: datetime | None = None) -> list[str]:
    """Start whichever registered recurring job is not waiting to run; returns the names started."""
    now = now or timezone.now()
    return [job.name for job, first_run in _RECURRING.values() if schedule(job, first_run(now))]
