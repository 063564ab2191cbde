"""CSRF protection that works with ``Referrer-Policy: no-referrer`` (SECURITY.md 5).

Under that policy browsers send ``Origin: null`` with every form POST, even to the page's
own site (Fetch standard, "serializing a request origin"), and no Referer at all. Django's
CsrfViewMiddleware rejects a POST whose Origin does not match, so in a real browser no form
on the site could be sent. Browsers also send ``Sec-Fetch-Site``, which a page can neither
set nor forge: ``same-origin`` means the request comes from one of this site's own pages.
For such a request, this middleware (placed just before Django's) puts the site's own
origin in place of ``null``; Django's middleware then checks the CSRF token as always.
Any other Origin, and requests without the header, reach Django's checks unchanged.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import suppress

from django.core.exceptions import DisallowedHost
from django.http import HttpRequest, HttpResponse


def null_origin_from_own_pages(get_response: Callable[[HttpRequest], HttpResponse]):
    def middleware(request: HttpRequest) -> HttpResponse:
        meta = request.META
        if meta.get("HTTP_ORIGIN") == "null" and meta.get("HTTP_SEC_FETCH_SITE") == "same-origin":
            # An unknown host leaves "null" in place: refused below, as before.
            with suppress(DisallowedHost):
                meta["HTTP_ORIGIN"] = f"{request.scheme}://{request.get_host()}"
        return get_response(request)

    return middleware
