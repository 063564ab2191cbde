"""A read-through cache that fails open, with a short per-process tier in front.

Pages must render while Redis is down (SECURITY.md 29): a cache error is logged and the
value computed from the database instead.

Values read from the shared cache (Redis) are also kept in the process for
``CACHE_LOCAL_SECONDS`` (a few seconds), which saves a network round trip per value on
every page. It is only a copy: ``forget`` drops it in this process at once, and other
processes' copies expire by themselves, so a second machine never depends on it.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import datetime
from typing import TypeVar

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

T = TypeVar("T")
logger = logging.getLogger(__name__)
DEFAULT_TTL = 300
LOCAL_ENTRIES = 256
_local: dict[str, tuple[float, object]] = {}


def cached(key: str, compute: Callable[[], T], ttl: int = DEFAULT_TTL) -> T:
    local = _local.get(key)
    if local is not None and local[0] > time.monotonic():
        return local[1]
    try:
        value = cache.get(key)
    except Exception:
        logger.warning("cache unavailable reading %s; using the database", key, exc_info=True)
        return compute()
    if value is None:
        value = compute()
        try:
            cache.set(key, value, ttl)
        except Exception:
            logger.warning("cache unavailable writing %s", key, exc_info=True)
    remember_locally(key, value)
    return value


def refreshed(key: str, compute: Callable[[], T], *, fresh: int, keep: int = 86_400) -> tuple[T, datetime]:
    """``compute()`` and when it was computed, kept in the shared cache: fresh for ``fresh``
    seconds; after that one request (holding a short lock) computes it again while the
    others are served the previous value, so an expiry under load costs one computation,
    not one per request. With no previous value (first use, cache flushed) every caller
    computes. Fails open like ``cached``."""
    lock = f"{key}:recomputing"
    try:
        entry = cache.get(key)
        if entry is not None and (timezone.now() - entry[0]).total_seconds() < fresh:
            return entry[1], entry[0]
        if entry is not None and not cache.add(lock, 1, timeout=max(fresh, 60)):
            return entry[1], entry[0]
    except Exception:
        logger.warning("cache unavailable reading %s; using the database", key, exc_info=True)
        return compute(), timezone.now()
    value, computed_at = compute(), timezone.now()
    try:
        cache.set(key, (computed_at, value), keep)
        cache.delete(lock)
    except Exception:
        logger.warning("cache unavailable writing %s", key, exc_info=True)
    return value, computed_at


def cached_locally(key: str, compute: Callable[[], T]) -> T:
    """Only the per-process tier: ``compute`` (which may read the shared cache itself) at
    most once per ``CACHE_LOCAL_SECONDS`` in this process."""
    local = _local.get(key)
    if local is not None and local[0] > time.monotonic():
        return local[1]
    value = compute()
    remember_locally(key, value)
    return value


def remember_locally(key: str, value: object) -> None:
    seconds = settings.CACHE_LOCAL_SECONDS
    if seconds:
        if len(_local) >= LOCAL_ENTRIES:
            _local.clear()
        _local[key] = (time.monotonic() + seconds, value)


def forget(key: str) -> None:
    _local.pop(key, None)
    try:
        cache.delete(key)
    except Exception:
        logger.warning("cache unavailable deleting %s; it expires by itself", key, exc_info=True)


def forget_local() -> None:
    """Drop every per-process copy (tests; a change of public content)."""
    _local.clear()
