"""The worker's recurring jobs (in production django-tasks-db's queue table and
``manage.py db_worker`` processes: any number, on any machine), registered with
``safeschools.schedule``, which keeps exactly one waiting run of each chain:

- ``tick``, every 30 seconds: the escalation steps that are due, then the outbox (retries
  whose time has come, and any row whose "deliver now" request was lost).
- ``daily``, at ``settings.DAILY_JOBS_HOUR`` local time: digests, the retention purge, old
  submission tokens, old SMS reply codes and inbound ids, the numbers of texting tipsters
  whose tips closed more than ``SMS_TIPSTER_GRACE_DAYS`` ago, expired sessions and old task
  results.

Alerts a tipster's act causes (a new tip, a message) wait for the next tick, at most 30
seconds: enqueueing a task at the moment of the act would record that moment in the task
table (SECURITY.md 37). Alerts a staff action causes go at once
(``notifications.delivery.request_delivery``). Each chain restarts the other if it has
stopped. This module is imported by ``ReportsConfig.ready`` so that every process knows the
chains.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta

from django.conf import settings
from django.utils import timezone
from django_tasks import task
from django_tasks_db.models import DBTaskResult

from reports import retention
from reports.notifications import alerts, delivery, escalation
from safeschools import sessions
from safeschools.schedule import ensure_schedule, recurring, schedule, scheduler_lock

TICK_EVERY = timedelta(seconds=30)
TASK_RESULTS_KEPT = timedelta(days=7)


def next_daily_run(now: datetime) -> datetime:
    local = timezone.localtime(now)
    at = timezone.make_aware(datetime.combine(local.date(), time(settings.DAILY_JOBS_HOUR)))
    if at <= now:
        at = timezone.make_aware(datetime.combine(local.date() + timedelta(days=1), time(settings.DAILY_JOBS_HOUR)))
    return at


@recurring(first_run=lambda now: now)
@task(priority=10)
def tick() -> None:
    """Escalations that are due, then the outbox. It returns nothing: its task row keeps
    its finish time, and what it sent beside that time would date the tips it was about."""
    schedule(tick, timezone.now() + TICK_EVERY)
    ensure_schedule()
    escalation.escalate_due()
    delivery.deliver_due()


@recurring(first_run=next_daily_run)
@task()
def daily() -> dict[str, int]:
    now = timezone.now()
    schedule(daily, next_daily_run(now))
    ensure_schedule()
    with scheduler_lock("reports.notifications.alerts.queue_daily_digests"):
        digests = alerts.queue_daily_digests(now=now)
    purged = retention.purge_expired(now=now)
    tokens = retention.prune_submission_tokens(now=now)
    sms_records = retention.prune_sms_records(now=now)
    numbers = retention.erase_texting_numbers(now=now)
    sessions_deleted = sessions.delete_expired()
    results, _ = DBTaskResult.objects.finished().filter(finished_at__lt=now - TASK_RESULTS_KEPT).delete()
    return {
        "digests": len(digests),
        "tips_purged": purged.tips,
        "tokens_pruned": tokens,
        "sms_records_pruned": sms_records,
        "texting_numbers_erased": numbers,
        "sessions_deleted": sessions_deleted,
        "task_results_pruned": results,
    }
