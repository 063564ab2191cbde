"""The staff dashboard. Every view that touches a tip starts with ``get_visible_tip``."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from partners.access import staff_required
from reports.models import Tip


@staff_required
def queue(request: HttpRequest) -> HttpResponse:
    tips = Tip.objects.visible_to(request.user).select_related("category", "school")[:50]
    return render(request, "dashboard/queue.html", {"tips": tips})
