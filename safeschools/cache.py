"""A read-through cache that fails open.

Pages must render while Redis is down (SECURITY.md 29): a cache error is logged and the
value computed from the database instead.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TypeVar

from django.core.cache import cache

T = TypeVar("T")
logger = logging.getLogger(__name__)
DEFAULT_TTL = 300


def cached(key: str, compute: Callable[[], T], ttl: int = DEFAULT_TTL) -> T:
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
    return value


def forget(key: str) -> None:
    try:
        cache.delete(key)
    except Exception:
        logger.warning("cache unavailable deleting %s; it expires by itself", key, exc_info=True)
