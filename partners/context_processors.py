from __future__ import annotations

from django.http import HttpRequest

from partners.models import SiteSettings, nav_pages


def site(request: HttpRequest) -> dict[str, object]:
    """Site-wide numbers and navigation for every template (both cached)."""
    return {"site": SiteSettings.current(), "nav_pages": nav_pages()}
