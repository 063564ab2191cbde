"""The worker's daily casework job, registered with ``safeschools.schedule`` like the jobs
of ``reports.jobs`` and run at the same hour: safety-plan and review reminders, overdue
notices, the case retention purge and the quarterly public figures."""

from __future__ import annotations

from datetime import datetime

from django.utils import timezone
from django_tasks import task

from casework import alerts, figures, retention
from reports.jobs import next_daily_run
from safeschools.schedule import recurring, schedule, scheduler_lock


def run_daily(*, now: datetime | None = None) -> dict[str, int]:
    """The day's casework; safe to run twice (each reminder is claimed once per day)."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    with scheduler_lock("casework.jobs.run_daily"):
        reminders = alerts.queue_action_reminders(today=today)
        reviews = alerts.queue_review_reminders(today=today)
        notices = alerts.queue_overdue_notice_alerts(now=now)
    purged = retention.purge_expired_cases(now=now)
    notices_purged = retention.purge_expired_notices(now=now)
    quarters = figures.refresh(today=today)
    return {
        "action_reminders": reminders,
        "review_reminders": reviews,
        "overdue_notices": notices,
        "cases_purged": purged,
        "notices_purged": notices_purged,
        "figure_quarters": len(quarters),
    }


@recurring(first_run=next_daily_run)
@task()
def casework_daily() -> dict[str, int]:
    schedule(casework_daily, next_daily_run(timezone.now()))
    return run_daily()
