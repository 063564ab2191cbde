"""CSRF checks that work with ``Referrer-Policy: no-referrer``.

With that policy (SECURITY.md 5) browsers send ``Origin: null`` on our own form posts, and
no ``Referer``. Django's middleware then refuses every POST: the origin does not match, and
on HTTPS a missing Referer is refused too. For an opaque origin we therefore rely on the
parts that still prove the request came from our page:

- ``Sec-Fetch-Site``, which pages cannot forge: when present it must say ``same-origin``;
- the CSRF token, checked exactly as Django checks it (cookie + form field).

A request with a real Origin header goes through Django's full checks unchanged.
"""

from __future__ import annotations

from django.middleware.csrf import CsrfViewMiddleware, RejectRequest

SAFE_METHODS = {"GET", "HEAD", "OPTIONS", "TRACE"}


class NoReferrerCsrfViewMiddleware(CsrfViewMiddleware):
    def process_view(self, request, callback, callback_args, callback_kwargs):
        opaque_origin = request.META.get("HTTP_ORIGIN") == "null"
        if (
            not opaque_origin
            or request.method in SAFE_METHODS
            or getattr(request, "csrf_processing_done", False)
            or getattr(callback, "csrf_exempt", False)
            or getattr(request, "_dont_enforce_csrf_checks", False)
        ):
            return super().process_view(request, callback, callback_args, callback_kwargs)
        if request.META.get("HTTP_SEC_FETCH_SITE", "same-origin") != "same-origin":
            return self._reject(request, "Cross-site request from an opaque origin.")
        try:
            self._check_token(request)
        except RejectRequest as exc:
            return self._reject(request, exc.reason)
        return self._accept(request)
