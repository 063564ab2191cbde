"""manage.py purge_expired: the retention purge (SECURITY.md 36). The worker also runs it
daily (reports.jobs.daily); run it by hand to see what it does, or with --dry-run."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from reports.retention import purge_expired


class Command(BaseCommand):
    help = (
        "Delete closed tips whose retention period has passed: the category's retention days if set, "
        "otherwise the TIP_RETENTION_DAYS setting (default 365), counted from the day the tip was "
        "closed. Open tips are never deleted. With each tip it deletes its routings, images, messages, internal "
        "notes, notifications, submission tokens and its receipt hash (so the receipt opens nothing). It keeps "
        "the audit log and adds one 'tip purged' event per tip with its reference, the hour it arrived, the day "
        "it was closed, its category's name and each agency's disposition (not the disposition text). Safe to run twice."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--dry-run", action="store_true", help="Count what would be deleted; change nothing.")

    def handle(self, *, dry_run: bool, **options) -> None:
        report = purge_expired(dry_run=dry_run)
        verb = "Would delete" if dry_run else "Deleted"
        self.stdout.write(f"{verb}:")
        for label, number in report.counts.items():
            self.stdout.write(f"  {label}: {number}")
        if not dry_run:
            self.stdout.write(f"Audit stubs written: {report.tips}")
