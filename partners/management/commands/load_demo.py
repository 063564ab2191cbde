from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand

from partners import demo
from reports import demo as reports_demo


class Command(BaseCommand):
    help = (
        "Load demo data for a local run: St. Louis County's districts, police agencies, "
        "partners and sample schools, the Partnership's pages and resources, and demo staff "
        "accounts. Safe to run again: rows that exist are left as they are."
    )

    def handle(self, *args, **options) -> None:
        accounts = demo.load()
        reports_demo.load()
        self.stdout.write(self.style.SUCCESS("Demo data loaded."))
        self.stdout.write(
            f"Admin: {settings.SITE_URL}/admin/  user: {accounts['coordinator'].username}  "
            f"password: {demo.DEMO_PASSWORD}  (demo only)"
        )
