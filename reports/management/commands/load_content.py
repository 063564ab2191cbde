from __future__ import annotations

from django.core.management.base import BaseCommand

from partners import content
from partners.models import Agency, Page, Resource, School
from reports import content as reports_content
from reports.models import Category


class Command(BaseCommand):
    help = (
        "Load the Partnership's content: St. Louis County's districts, police agencies, partners "
        "and schools, the site's pages and resources, the tip categories, routing rules and "
        "canned replies. No accounts: safe on the real site. Safe to run again: rows that exist "
        "(and a coordinator's edits to them) are left as they are."
    )

    def handle(self, *args: object, **options: object) -> None:
        content.load()
        reports_content.load()
        self.stdout.write(
            self.style.SUCCESS(
                f"Content loaded: {Agency.objects.count()} agencies, {School.objects.count()} schools, "
                f"{Page.objects.count()} pages, {Resource.objects.count()} resources, "
                f"{Category.objects.count()} categories."
            )
        )
