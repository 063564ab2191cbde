from __future__ import annotations

from django.core.management.base import BaseCommand
from django.db import transaction

from reports import search
from reports.models import Tip


class Command(BaseCommand):
    help = (
        "Rebuild the keyed search index of every tip (reports.search) from the tip's "
        "decrypted text. Run it after changing SEARCH_INDEX_KEY. Safe to run again."
    )

    def handle(self, *args, **options) -> None:
        count = 0
        for tip in Tip.objects.order_by("pk").iterator(chunk_size=500):
            with transaction.atomic():
                search.index_tip(tip)
            count += 1
        self.stdout.write(self.style.SUCCESS(f"re-indexed {count} tips"))
