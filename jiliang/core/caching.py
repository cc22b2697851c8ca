"""Whole-page caching of public pages that many people read and few writes change.

``public_cache(version=...)`` caches the response of a GET from an anonymous visitor, keyed by
the path with its query, the language, and a *version* read from the database on every
request: a function returning something that changes whenever the page would (for an
append-only table, its highest id). Invalidation is therefore exact and immediate on every
process and machine, whatever the cache backend (per process by default; Redis with
``JILIANG_CACHE_URL``): a write changes the version, the next request misses the cache and
renders afresh. The version costs one index look-up; the page it saves costs a render and its
queries (bench/README.md, "Caching").

Pages that hand out a CSRF token, set a cookie or answer anything but 200 are not cached.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from functools import wraps

from django.conf import settings
from django.core.cache import cache
from django.http import HttpResponse
from django.utils.translation import get_language


def public_cache(*, version: Callable[[], object], timeout: int | None = None) -> Callable:
    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if request.method not in ("GET", "HEAD") or request.user.is_authenticated:
                return view(request, *args, **kwargs)
            stamp = f"{request.get_full_path()}|{get_language()}|{version()}"
            key = "page:" + hashlib.sha256(stamp.encode()).hexdigest()
            hit = cache.get(key)
            if hit is not None:
                content, content_type = hit
                response = HttpResponse(content, content_type=content_type)
                response["X-Cache"] = "hit"
                return response
            response = view(request, *args, **kwargs)
            if (response.status_code == 200 and not response.cookies
                    and not request.META.get("CSRF_COOKIE_NEEDS_UPDATE")
                    and not request.META.get("CSRF_COOKIE_USED")
                    and not getattr(response, "streaming", False)):
                if hasattr(response, "render") and not response.is_rendered:
                    response.render()
                cache.set(key, (response.content, response["Content-Type"]),
                          timeout or getattr(settings, "JILIANG_PUBLIC_CACHE_SECONDS", 300))
            response["X-Cache"] = "miss"
            return response

        return wrapped

    return decorator
