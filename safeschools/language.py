"""Spanish for visitors whose browser asks for it, without a cookie.

The public pages live at / in English and at /es/ in Spanish; the address carries the
language. A visitor who arrives from outside the site (a typed address, a bookmark, a link
from a school's page: ``Sec-Fetch-Site`` other than ``same-origin``) at an English page,
with a browser that prefers Spanish, is sent to the Spanish address. Moving around the
site never redirects, so choosing English in the footer sticks. Browsers too old to send
``Sec-Fetch-Site`` are not redirected at all: they can still choose Spanish in the footer,
and nobody is bounced back into a language they just left. POSTs, staff pages and the
admin are never redirected.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import translate_url
from django.utils.cache import patch_vary_headers
from django.utils.translation import get_language_from_path, get_language_from_request

ARRIVALS = {"none", "cross-site", "same-site"}
NEVER = ("/staff/", "/admin/")


def spanish_for_spanish_browsers(get_response: Callable[[HttpRequest], HttpResponse]):
    """After LocaleMiddleware, which has made an unprefixed address English."""

    def middleware(request: HttpRequest) -> HttpResponse:
        spanish = _spanish_address(request)
        if spanish is None:
            return get_response(request)
        if request.headers.get("Sec-Fetch-Site") in ARRIVALS and get_language_from_request(request) == "es":
            response = HttpResponseRedirect(spanish)
        else:
            response = get_response(request)
        patch_vary_headers(response, ("Accept-Language", "Sec-Fetch-Site"))
        return response

    return middleware


def _spanish_address(request: HttpRequest) -> str | None:
    """The Spanish address of an English public page read with GET; otherwise None."""
    if request.method not in ("GET", "HEAD") or request.path_info.startswith(NEVER):
        return None
    if get_language_from_path(request.path_info) is not None:
        return None  # already has a language prefix (/es/…)
    here = request.get_full_path()
    spanish = translate_url(here, "es")
    return spanish if spanish != here else None
