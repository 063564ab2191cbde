"""Error pages and the health check: all render without touching the database, so that a
student who hits an error still sees 911, 988 and the hotline (SECURITY.md 35)."""

from __future__ import annotations

from django.conf import settings
from django.db import connection
from django.http import HttpRequest, HttpResponse, HttpResponseNotFound, HttpResponseServerError, JsonResponse
from django.template import loader
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import requires_csrf_token


def _fallback_context() -> dict[str, object]:
    return {"fallback": settings.FALLBACK_CONTACT}


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    # Rendered with the request, so the header shows the editable numbers (cached).
    body = loader.render_to_string("404.html", _fallback_context(), request=request)
    return HttpResponseNotFound(body)


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
