"""Caching of public pages that many people read and few writes change.

``public_cache(version=...)`` caches the response of a GET from an anonymous visitor, keyed by
the path with its query, the language, and a *version* read from the database on every
request: a function returning something that changes whenever the page would (for an
append-only table, its highest id). Invalidation is therefore exact and immediate on every
process and machine, whatever the cache backend (per process by default; Redis with
``JILIANG_CACHE_URL``): a write changes the version, the next request misses the cache and
renders afresh. The version costs one index look-up; the page it saves costs a render and its
queries (bench/README.md, "Caching").

A page with a form carries the visitor's CSRF token (the language form of the layout): the
token is kept out of the cache (a placeholder is stored in its place) and each hit gets the
visitor's own. Pages that set a cookie (messages shown), or answer anything but 200, are not
cached. ``page_lookup``/``page_keep`` do the same inside a view that has work to do on a hit
too (the public check counts each look-up), with a ``note`` kept beside the page for it.

Signed-in lists keep their rendered rows instead (``fragment_key``, for the template's
``{% cache %}`` tag around the table and its pager): the layout around them — menus, the
user's name, the CSRF token — is drawn for each request; the rows, their capped count and the
filters' choices are kept under the same kind of version, and under what decides which rows a
user may see (role and organisation: the scope), so the clerks of one bureau share them.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps

from django.conf import settings
from django.core.cache import cache
from django.http import HttpResponse
from django.middleware.csrf import get_token
from django.utils import timezone
from django.utils.translation import get_language

PLACEHOLDER = b"\x00csrf-token\x00"
_TOKEN = re.compile(rb'name="csrfmiddlewaretoken" value="([A-Za-z0-9]{32,64})"')
_KEPT_HEADERS = ("Content-Type", "Content-Language", "Vary")


@dataclass
class Hit:
    response: HttpResponse
    note: object


def _key(request, version: Callable[[], object]) -> str | None:
    if request.method not in ("GET", "HEAD") or request.user.is_authenticated:
        return None  # read no version for a page that is not kept
    stamp = f"{request.get_full_path()}|{get_language()}|{version()}"
    return "page:" + hashlib.sha256(stamp.encode()).hexdigest()


def page_lookup(request, version: Callable[[], object]) -> tuple[str | None, Hit | None]:
    """The cache key of this request (None: not cacheable) and the page kept under it."""
    key = _key(request, version)
    kept = cache.get(key) if key else None
    if kept is None:
        return key, None
    content, headers, note = kept
    if PLACEHOLDER in content:
        content = content.replace(PLACEHOLDER, get_token(request).encode())
    response = HttpResponse(content)
    for name, value in headers.items():
        response[name] = value
    response["X-Cache"] = "hit"
    return key, Hit(response, note)


def page_keep(request, key: str | None, response, *, note: object = None,
              timeout: int | None = None):
    """Keep ``response`` under ``key`` when it may be shared; returns it."""
    if key is None:
        return response
    if (response.status_code == 200 and not response.cookies
            and not getattr(response, "streaming", False)):
        if hasattr(response, "render") and not response.is_rendered:
            response.render()
        content = response.content
        if request.META.get("CSRF_COOKIE_NEEDS_UPDATE") or request.META.get("CSRF_COOKIE_USED"):
            tokens = set(_TOKEN.findall(content))
            if len(tokens) != 1:  # a token this module cannot find: not shared
                response["X-Cache"] = "miss"
                return response
            content = content.replace(tokens.pop(), PLACEHOLDER)
        headers = {name: response[name] for name in _KEPT_HEADERS if response.has_header(name)}
        cache.set(key, (content, headers, note),
                  timeout or getattr(settings, "JILIANG_PUBLIC_CACHE_SECONDS", 300))
    response["X-Cache"] = "miss"
    return response


def public_cache(*, version: Callable[[], object], timeout: int | None = None) -> Callable:
    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            key, hit = page_lookup(request, version)
            if hit is not None:
                return hit.response
            return page_keep(request, key, view(request, *args, **kwargs), timeout=timeout)

        return wrapped

    return decorator


FRAGMENT_SECONDS = 300


def rows_cache(request, version: Callable[[], object], *, per_viewer: bool = True) -> dict:
    """The context a list template's ``{% cache rows_seconds "<name>" rows_key %}`` reads.
    ``per_viewer=False`` for a page whose content is the same for everyone (an open statistic):
    kept per path, language and version only."""
    key = (fragment_key(request, version) if per_viewer else hashlib.sha256(
        f"{request.get_full_path()}|{get_language()}|{version()}".encode()).hexdigest())
    return {"rows_key": key, "rows_seconds": FRAGMENT_SECONDS}


def fragment_key(request, version: Callable[[], object]) -> str:
    """The cache key of a signed-in list's rendered rows: the page's path and query (filters,
    sort, page), the language, today's date (overdue marks), the viewer's role and
    organisation (their scope and what the rows link to), and ``version()``, read now: a
    write the rows would show changes it, so the next request renders afresh."""
    user = request.user
    org = user.organisation if user.is_authenticated else None
    stamp = "|".join(str(part) for part in (
        request.get_full_path(), get_language(), timezone.localdate(),
        getattr(user, "role", ""), user.is_authenticated and user.is_active,
        org and org.pk, org and org.kind, org and org.region_code, version()))
    return hashlib.sha256(stamp.encode()).hexdigest()
