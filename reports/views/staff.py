"""The staff dashboard. Every view that touches a tip starts with ``get_visible_tip``."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from reports.models import Tip


@login_required
def queue(request: HttpRequest) -> HttpResponse:
    tips = Tip.objects.visible_to(request.user).select_related("category", "school")[:50]
    return render(request, "dashboard/queue.html", {"tips": tips})
