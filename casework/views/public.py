"""The public page "What students reported": the stored quarterly figures, nothing live."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from casework import figures
from casework.suppression import THRESHOLD


@require_safe
def figures_page(request: HttpRequest) -> HttpResponse:
    quarters = figures.published()
    context = {
        "quarters": quarters,
        "categories": _rows(quarters, "categories", "id"),
        "districts": _rows(quarters, "districts", "id"),
        "threshold": THRESHOLD,
    }
    return render(request, "casework/public/figures.html", context)


def _rows(quarters, section: str, key: str) -> list[dict]:
    """One row per category or district across the quarters shown (latest names first)."""
    rows: dict = {}
    for index, quarter in enumerate(reversed(quarters)):
        for item in quarter.figures[section]:
            row = rows.setdefault(item[key], {"item": item, "cells": [None] * len(quarters)})
            row["cells"][len(quarters) - 1 - index] = item
    return list(rows.values())
