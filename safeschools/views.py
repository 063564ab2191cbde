"""Error pages and the health check: all render without touching the database, so that a
student who hits an error still sees 911, 988 and the hotline (SECURITY.md 35)."""

from __future__ import annotations

from functools import cache

from django.conf import settings
from django.db import connection
from django.http import (
    HttpRequest,
    HttpResponse,
    HttpResponseForbidden,
    HttpResponseNotFound,
    HttpResponseServerError,
    JsonResponse,
)
from django.template import loader
from django.views.decorators.cache import cache_control, never_cache
from django.views.decorators.csrf import requires_csrf_token
from django.views.decorators.http import require_safe


def _fallback_context() -> dict[str, object]:
    return {"fallback": settings.FALLBACK_CONTACT}


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    # Rendered with the request, so the header shows the editable numbers (cached).
    body = loader.render_to_string("404.html", _fallback_context(), request=request)
    return HttpResponseNotFound(body)


@requires_csrf_token
def permission_denied(request: HttpRequest, exception: Exception) -> HttpResponse:
    # Like the 500 page: no request context, so no database or cache access. A 403 is
    # mostly staff (a viewer's action, a coordinator-only page); the help numbers stay.
    body = loader.render_to_string("403.html", _fallback_context())
    return HttpResponseForbidden(body)


@requires_csrf_token
def server_error(request: HttpRequest) -> HttpResponse:
    # No request context: no context processor, hence no database or cache access.
    body = loader.render_to_string("500.html", _fallback_context())
    return HttpResponseServerError(body)


@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """For the load balancer: 200 when the database answers, 503 otherwise."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception:
        return JsonResponse({"database": "unavailable"}, status=503)
    return JsonResponse({"database": "ok"})


@cache
def _favicon() -> bytes:
    return (settings.BASE_DIR / "static" / "img" / "favicon.ico").read_bytes()


@require_safe
@cache_control(max_age=86400, public=True)
def favicon(request: HttpRequest) -> HttpResponse:
    """Browsers ask for /favicon.ico whatever the page links to: the site's icon, from the
    file in static/ (the pages link the SVG)."""
    return HttpResponse(_favicon(), content_type="image/x-icon")
