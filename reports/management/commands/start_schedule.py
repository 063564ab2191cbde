"""manage.py start_schedule: start the worker's recurring jobs if they are not queued."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from safeschools.schedule import ensure_schedule


class Command(BaseCommand):
    help = (
        "Queue the worker's recurring jobs unless a run of each is already waiting: the 30-second tick "
        "(escalations of unacknowledged life-safety tips, outbox retries) and the daily jobs (digests, "
        "retention purge, old submission tokens). Safe to run any number of times, from any machine; "
        "run it before starting db_worker (make run and the systemd unit in the README do)."
    )

    def handle(self, **options) -> None:
        started = ensure_schedule()
        if started:
            self.stdout.write("Started: " + ", ".join(started))
        else:
            self.stdout.write("Already scheduled.")
