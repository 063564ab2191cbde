"""A shared cache of the public pages, and the generation that invalidates it.

The Partnership's public pages (home, about, partners, districts, resources, contact) are
the same for every visitor and set no cookie (SECURITY.md 4). Rendering one costs a dozen
middleware, a few queries and a template; serving it from the cache costs one Redis round
trip. So ``public_pages`` keeps each such response in the shared cache (Redis in
production: every web process and machine sees the same copy, nothing stays in a process)
for ``PUBLIC_PAGE_CACHE_SECONDS``.

What is never cached: anything but a GET without a query string; a request that carries a
session or messages cookie (staff, or a tipster following up: their pages may differ); a
response that is not a plain 200, sets a cookie (a CSRF token was rendered) or says
``no-store``/``private`` (every tip page and every staff page). Editing public content
(anything in ``partners``, or a tip category) starts a new generation, so coordinators see
their change at once; the TTL bounds staleness from changes that bypass signals
(``QuerySet.update``).

Each process also keeps the pages it just served for ``CACHE_LOCAL_SECONDS`` (a few
seconds), which saves the Redis round trip on a busy page: an edit shows at once in the
process that made it and within those seconds everywhere else.

If the cache is down, pages are rendered as usual and a warning is logged (SECURITY.md 29).

HTML kept for more than one request (the blank tip form, the staff forms of
``safeschools.form_cache``) never holds a per-request value such as the CSRF token: it is
rendered with a slot in its place, and ``fill`` puts each request's value in.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Callable, Mapping

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.utils.translation import get_language_from_request

from safeschools.cache import cached_locally, forget_local
from safeschools.language import ARRIVALS

logger = logging.getLogger(__name__)
GENERATION_KEY = "public-pages:generation"
NEVER_CACHED_PREFIXES = ("/staff/", "/admin/", "/static/", "/media/", "/healthz", "/report/")
# Apps and models whose rows public pages (or the blank tip form, or the reference data
# a submission reads: reports.intake.reference) show.
CONTENT_APPS = {"partners"}
CONTENT_MODELS = {"reports.category", "reports.routingrule", "casework.figuresquarter"}


# Slots are letters or digits only, so that no escaping changes them. (This one's name is
# the tip form's, where slots began: pages cached under it stay valid across a deploy.)
CSRF_SLOT = "tipformcsrftokenslot"


def fill(html: str, values: Mapping[str, str]) -> str:
    """``html`` with each slot replaced by its value for this request."""
    for slot, value in values.items():
        html = html.replace(slot, value)
    return html


def generation() -> str:
    """The current generation of public content ('0' when the cache cannot say)."""
    try:
        value = cache.get(GENERATION_KEY)
        if value is None:
            value = str(time.time_ns())
            cache.add(GENERATION_KEY, value, None)
            value = cache.get(GENERATION_KEY, value)
        return str(value)
    except Exception:
        logger.warning("cache unavailable reading the public page generation", exc_info=True)
        return "0"


def local_generation() -> str:
    """``generation()``, through the per-process tier (a few seconds old at most)."""
    return cached_locally(GENERATION_KEY, generation)


def content_changed(sender, **kwargs) -> None:
    """Signal receiver (post_save, post_delete, m2m_changed): public content changed."""
    label = getattr(getattr(sender, "_meta", None), "label_lower", "")
    if label.split(".")[0] not in CONTENT_APPS and label not in CONTENT_MODELS:
        return
    forget_recent()
    try:
        cache.set(GENERATION_KEY, str(time.time_ns()), None)
    except Exception:
        logger.warning("cache unavailable; public pages refresh within their TTL", exc_info=True)


def deployed(sender, **kwargs) -> None:
    """post_migrate receiver: every deploy runs ``migrate``, and cached HTML from the old
    templates (or naming old static files) must not outlive it."""
    forget_recent()
    try:
        cache.set(GENERATION_KEY, str(time.time_ns()), None)
    except Exception:
        logger.warning("cache unavailable; cached pages refresh within their TTL", exc_info=True)


def _cacheable_request(request: HttpRequest) -> bool:
    if request.method != "GET" or request.META.get("QUERY_STRING"):
        return False
    if settings.SESSION_COOKIE_NAME in request.COOKIES or "messages" in request.COOKIES:
        return False
    if _may_be_sent_to_spanish(request):
        return False
    path = request.path_info
    for code, _ in settings.LANGUAGES:  # /es/report/ is a tip page too
        if path.startswith(f"/{code}/"):
            path = path[len(code) + 1 :]
    # Tip pages are no-store: looking them up would cost a round trip for nothing.
    return not path.startswith(NEVER_CACHED_PREFIXES)


def _may_be_sent_to_spanish(request: HttpRequest) -> bool:
    """A Spanish browser arriving from outside is redirected to /es/ by
    ``safeschools.language`` (after this middleware): never answer it from the cache.
    Every other request's page depends on its path alone (the prefix is the language)."""
    return request.headers.get("Sec-Fetch-Site") in ARRIVALS and get_language_from_request(request) == "es"


def _cacheable_response(response: HttpResponse) -> bool:
    if response.status_code != 200 or response.streaming or response.cookies:
        return False
    control = response.get("Cache-Control", "").lower()
    return not any(word in control for word in ("no-store", "private", "no-cache"))


def _key(request: HttpRequest) -> str:
    where = f"{request.scheme}://{request.get_host()}{request.path}"
    return "public-page:" + hashlib.sha256(where.encode()).hexdigest()


# The last few pages this process served, for CACHE_LOCAL_SECONDS: saves the Redis
# round trip on a busy page. Only a copy of what Redis holds, so no other process or
# machine ever needs it; an edit clears this process's copy and other processes' expire.
_recent: dict[str, tuple[float, list, bytes]] = {}
RECENT_PAGES = 64


def _response(headers: list, content: bytes) -> HttpResponse:
    response = HttpResponse(content)
    for name, value in headers:
        response.headers[name] = value
    return response


def public_pages(get_response: Callable[[HttpRequest], HttpResponse]):
    def middleware(request: HttpRequest) -> HttpResponse:
        ttl = settings.PUBLIC_PAGE_CACHE_SECONDS
        if not ttl or not _cacheable_request(request):
            return get_response(request)
        key = _key(request)
        recent = _recent.get(key)
        if recent is not None and recent[0] > time.monotonic():
            return _response(recent[1], recent[2])
        try:
            # One round trip: the page and the generation it must belong to.
            found = cache.get_many([key, GENERATION_KEY])
        except Exception:
            logger.warning("cache unavailable; rendering %s", request.path_info, exc_info=True)
            return get_response(request)
        stored, current = found.get(key), found.get(GENERATION_KEY)
        if stored is not None and current is not None and stored[0] == current:
            _remember(key, stored[1], stored[2])
            return _response(stored[1], stored[2])
        response = get_response(request)
        if _cacheable_response(response):
            current = current or generation()
            headers = list(response.headers.items())
            try:
                cache.set(key, (current, headers, response.content), ttl)
            except Exception:
                logger.warning("cache unavailable writing %s", request.path_info, exc_info=True)
            else:
                _remember(key, headers, response.content)
        return response

    return middleware


def forget_recent() -> None:
    """Drop this process's copies (tests; a change of public content does it too)."""
    _recent.clear()
    forget_local()


def _remember(key: str, headers: list, content: bytes) -> None:
    seconds = settings.CACHE_LOCAL_SECONDS
    if not seconds:
        return
    if len(_recent) >= RECENT_PAGES:
        _recent.clear()
    _recent[key] = (time.monotonic() + seconds, headers, content)
