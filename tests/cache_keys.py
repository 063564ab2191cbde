"""What the test cache holds, whichever backend it is: local memory (the default) or Redis
(CI's PostgreSQL round sets REDIS_URL, as production does)."""

from __future__ import annotations

import time

from django.core.cache import cache


def cache_keys() -> list[str]:
    """Every key in the cache, without the backend's prefix and version."""
    if hasattr(cache, "_cache") and isinstance(cache._cache, dict):  # LocMemCache, test-only
        return [key.split(":", 2)[-1] for key in cache._cache]
    return list(cache.keys("*"))  # django-redis


def seconds_left(key: str) -> float:
    """How long ``key`` (as ``cache_keys`` names it) has before it expires."""
    if hasattr(cache, "_expire_info"):
        return cache._expire_info[cache.make_key(key)] - time.time()
    return cache.ttl(key)
