from __future__ import annotations

import logging

from django.conf import settings
from django.db import DatabaseError
from django.http import HttpRequest
from django.utils.translation import get_language

from partners.models import SiteSettings, nav_pages

logger = logging.getLogger(__name__)


def site(request: HttpRequest) -> dict[str, object]:
    """Site-wide numbers and navigation for every template (both cached).

    If the database is down the page still renders, with the fallback numbers: the pages
    that say "your report was not sent" must never fail themselves.
    """
    try:
        spanish = get_language() == "es"
        nav = [
            {"slug": item["slug"], "title": (spanish and item.get("title_es")) or item["title"]} for item in nav_pages()
        ]
        return {"site": SiteSettings.current(), "nav_pages": nav, "fallback": settings.FALLBACK_CONTACT}
    except DatabaseError:
        logger.warning("site settings unavailable; using the fallback contact numbers")
        return {"site": None, "nav_pages": [], "fallback": settings.FALLBACK_CONTACT}
