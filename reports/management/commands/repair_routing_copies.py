from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from reports import case_state


class Command(BaseCommand):
    help = (
        "Set each routing's copies of its tip (state and place in the queue: Routing.tip_state, "
        "tip_attention, tip_received_at) to the tip's. Run once after a release that adds such a "
        "copy, when every node runs the new code. Safe to run again."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        repaired = case_state.repair_copies()
        self.stdout.write(self.style.SUCCESS(f"{repaired} routings repaired"))
