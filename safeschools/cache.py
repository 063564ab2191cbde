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
from typing import TypeVar

from django.conf import settings
from django.core.cache import cache

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
