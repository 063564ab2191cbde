from __future__ import annotations

import logging

from django.conf import settings
from django.db import DatabaseError
from django.http import HttpRequest
from django.utils.translation import get_language

from partners import mobiles
from partners.models import SiteSettings, nav_pages

logger = logging.getLogger(__name__)


def text_a_tip() -> dict[str, str] | None:
    """The number students can text a tip to, when text-a-tip is on (``SMS_TIPS`` and an SMS
    backend with a sender number); None otherwise, so no page offers a number that answers
    nothing."""
    if not (settings.SMS_TIPS and settings.SMS_BACKEND and settings.SMS_FROM_NUMBER):
        return None
    return {"dial": settings.SMS_FROM_NUMBER, "display": mobiles.display(settings.SMS_FROM_NUMBER)}


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
        return {
            "site": SiteSettings.current(),
            "nav_pages": nav,
            "fallback": settings.FALLBACK_CONTACT,
            "text_a_tip": text_a_tip(),
        }
    except DatabaseError:
        logger.warning("site settings unavailable; using the fallback contact numbers")
        return {"site": None, "nav_pages": [], "fallback": settings.FALLBACK_CONTACT, "text_a_tip": text_a_tip()}
