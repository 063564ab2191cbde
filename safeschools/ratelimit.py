"""Rate limits that never see a raw client address and never block a tip on a cache fault.

SECURITY.md 3: the key is ``HMAC-SHA256(RATELIMIT_KEY_SECRET, hour | address)``. The hour
in the message rotates every key each hour, so a counter in the cache cannot be tied to an
address seen in another hour, and counters live no longer than their window.

SECURITY.md 29: when the cache (Redis) is unreachable, ``limited`` answers "not limited"
and logs a warning: the database alone decides whether a tip is accepted.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import time

from django.conf import settings
from django.http import HttpRequest
from django_ratelimit.core import is_ratelimited

logger = logging.getLogger(__name__)


def client_address(request: HttpRequest) -> str:
    """The client's address as the server sees it, or as a trusted proxy reports it.

    Behind nginx, set ``CLIENT_ADDRESS_HEADER=HTTP_X_REAL_IP``; the proxy must overwrite
    that header. Used only to compute the HMAC below, never stored or logged.
    """
    header = settings.CLIENT_ADDRESS_HEADER
    if header:
        return request.META.get(header, "").split(",")[0].strip()
    return request.META.get("REMOTE_ADDR", "")


def client_key(group: str, request: HttpRequest) -> str:
    hour = int(time.time() // 3600)
    message = f"{hour}|{client_address(request)}".encode()
    return hmac.new(settings.RATELIMIT_KEY_SECRET.encode(), message, hashlib.sha256).hexdigest()


def _everyone(group: str, request: HttpRequest) -> str:
    return "all"


def limited(request: HttpRequest, *, group: str, per_client: str, overall: str | None = None) -> bool:
    """Count this request and say whether it is over a limit (per client, or overall)."""
    try:
        over_client = is_ratelimited(request, group=group, key=client_key, rate=per_client, increment=True)
        over_all = bool(overall) and is_ratelimited(
            request, group=f"{group}:all", key=_everyone, rate=overall, increment=True
        )
    except Exception:
        logger.warning("rate-limit cache unavailable for %s; allowing the request", group, exc_info=True)
        return False
    return over_client or over_all
