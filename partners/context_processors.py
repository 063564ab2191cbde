from __future__ import annotations

import logging

from django.conf import settings
from django.db import DatabaseError
from django.http import HttpRequest

from partners.models import SiteSettings, nav_pages

logger = logging.getLogger(__name__)


def site(request: HttpRequest) -> dict[str, object]:
    """Site-wide numbers and navigation for every template (both cached).

    If the database is down the page still renders, with the fallback numbers: the pages
    that say "your report was not sent" must never fail themselves.
    """
    try:
        return {"site": SiteSettings.current(), "nav_pages": nav_pages(), "fallback": settings.FALLBACK_CONTACT}
    except DatabaseError:
        logger.warning("site settings unavailable; using the fallback contact numbers")
        return {"site": None, "nav_pages": [], "fallback": settings.FALLBACK_CONTACT}
