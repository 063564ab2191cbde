"""Rate limits that never see a raw client address and never block a tip on a cache fault.

SECURITY.md 3: the key is ``HMAC-SHA256(RATELIMIT_KEY_SECRET, hour | address)``. The hour
in the message rotates every key each hour, so a counter in the cache cannot be tied to an
address seen in another hour, and counters live no longer than their window. An IPv6
client is counted by its /64 network: one home or phone gets a whole /64 and may use any
address in it, so counting single addresses would count nothing.

Counters run in order, per client, then per item (a tip, say), then for the whole site,
and a request refused by one is not counted by the next: a client past its own limit
spends nothing of the site-wide budget that everyone else shares.

On Redis, all of a request's counters are counted by one Lua script (one round trip, atomic:
INCR, EXPIRE on the first count, stop at the first counter over its limit); other caches
(local memory, in tests and ``make run``) go through django-ratelimit's ``get_usage``. Both
use django-ratelimit's keys and windows, so the counts are the same either way.

SECURITY.md 29: when the cache (Redis) is unreachable, ``limited`` answers "not limited"
and logs a warning: the database alone decides whether a tip is accepted.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import logging
import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django_ratelimit.core import EXPIRATION_FUDGE, _get_window, _make_cache_key, _split_rate, get_usage

logger = logging.getLogger(__name__)


def client_address(request: HttpRequest) -> str:
    """The client's address as the server sees it, or as a trusted proxy reports it.

    Behind nginx, set ``CLIENT_ADDRESS_HEADER=HTTP_X_REAL_IP``; the proxy must overwrite
    that header, and gunicorn must be reachable only through the proxy (check --deploy
    says so, safeschools.W003). Used only to compute the HMAC below, never stored or logged.
    """
    header = settings.CLIENT_ADDRESS_HEADER
    if header:
        return request.META.get(header, "").split(",")[0].strip()
    return request.META.get("REMOTE_ADDR", "")


def client_network(address: str) -> str:
    """What one client is counted as: an IPv4 address, or the /64 of an IPv6 address."""
    try:
        ip = ipaddress.ip_address(address.strip("[]"))
    except ValueError:
        return address
    if ip.version == 4:
        return str(ip)
    if ip.ipv4_mapped is not None:  # ::ffff:192.0.2.1 is the IPv4 client 192.0.2.1
        return str(ip.ipv4_mapped)
    return str(ipaddress.IPv6Network((ip, 64), strict=False))


def _hmac(text: str) -> str:
    hour = int(time.time() // 3600)
    message = f"{hour}|{text}".encode()
    return hmac.new(settings.RATELIMIT_KEY_SECRET.encode(), message, hashlib.sha256).hexdigest()


def client_key(group: str, request: HttpRequest) -> str:
    return _hmac(client_network(client_address(request)))


def _everyone(group: str, request: HttpRequest) -> str:
    return "all"


def limited(
    request: HttpRequest,
    *,
    group: str,
    per_client: str,
    overall: str | None = None,
    item: str = "",
    per_item: str | None = None,
) -> int:
    """Count this request; the seconds to wait if it is over a limit, else 0.

    ``item`` names what the request acts on (``f"tip:{tip.pk}"``), counted under
    ``per_item`` whoever sends it; it reaches the cache only as an HMAC, like the address.
    """
    counters: list[Counter] = [(group, client_key, per_client)]
    if item and per_item:
        counters.append((f"{group}:item", lambda g, r: _hmac(item), per_item))
    if overall:
        counters.append((f"{group}:all", _everyone, overall))
    try:
        return _count(request, counters)
    except Exception:
        logger.warning("rate-limit cache unavailable for %s; allowing the request", group, exc_info=True)
    return 0


Counter = tuple[str, Callable[..., str], str]

# KEYS: the counters in order; ARGV: limit and lifetime of each. Counts each in turn and
# stops at the first one over its limit (later counters are not spent); returns its
# position (1-based), or 0 when no counter is over.
_COUNT_SCRIPT = """
for i, key in ipairs(KEYS) do
  local count = redis.call('INCR', key)
  if count == 1 then redis.call('EXPIRE', key, ARGV[2 * i]) end
  if count > tonumber(ARGV[2 * i - 1]) then return i end
end
return 0
"""
_scripts: dict[int, Any] = {}  # redis-py's Script, per client


def _count(request: HttpRequest, counters: list[Counter]) -> int:
    """Count the request under each counter in turn: the seconds to wait, or 0."""
    redis = _redis_client()
    if redis is None:
        for name, key, rate in counters:
            usage = get_usage(request, group=name, key=key, rate=rate, increment=True)
            if usage is not None and usage["should_limit"]:
                return max(1, usage["time_left"])
        return 0
    keys, args, windows = [], [], []
    for name, key, rate in counters:
        limit, period = _split_rate(rate)
        value = key(name, request)
        window = _get_window(value, period)
        keys.append(cache.make_key(_make_cache_key(name, window, rate, value, None)))
        args += [limit, period + EXPIRATION_FUDGE]
        windows.append(window)
    script = _scripts.get(id(redis))
    if script is None:
        script = _scripts[id(redis)] = redis.register_script(_COUNT_SCRIPT)
    over = int(script(keys=keys, args=args))
    return max(1, windows[over - 1] - int(time.time())) if over else 0


def _redis_client() -> Any:
    """The redis-py client behind the default cache when it is django-redis, else None."""
    client = getattr(cache, "client", None)
    get_client = getattr(client, "get_client", None)
    return get_client(write=True) if get_client is not None else None


def too_many(response: HttpResponse, wait: int) -> HttpResponse:
    """``response`` as a 429 that says when to come back (RFC 9110 ``Retry-After``)."""
    response.status_code = 429
    response["Retry-After"] = str(wait)
    return response
