"""Counting what one client does per minute, in the cache (Redis when configured, so every
process shares the count; the local memory of each process otherwise)."""

from __future__ import annotations

import time

from django.core.cache import cache


def allow(key: str, *, limit: int, window: int = 60) -> bool:
    """Count one more event for ``key`` in the current ``window`` seconds; False past ``limit``."""
    bucket = f"jiliang-rate:{key}:{int(time.time() // window)}"
    if cache.add(bucket, 1, timeout=window * 2):
        return limit >= 1
    try:
        count = cache.incr(bucket)
    except ValueError:  # expired between add and incr
        cache.set(bucket, 1, timeout=window * 2)
        count = 1
    return count <= limit
