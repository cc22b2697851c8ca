"""The public map of the site: what a search engine may index (sitemap.xml) and what it may
not (robots.txt), both read off the URL patterns, so a new public page is listed by itself."""

from __future__ import annotations

import re
from collections.abc import Iterator

from django.urls import URLPattern, URLResolver, get_resolver, reverse

from jiliang.catalog import selectors as catalog
from jiliang.core.hooks import optional
from jiliang.portal import selectors as portal
from jiliang.rules import licensing
from jiliang.supervision import selectors as supervision

# Machine-readable or print files are linked from their pages, not listed on their own.
NOT_PAGES = re.compile(r"\.(?:atom|json|jsonld|pdf|xml|txt|csv|xlsx)$")
SITEMAP_CAP = 10_000  # a sitemap file holds at most 50,000 URLs (sitemaps.org protocol)
# Public endpoints that are not pages: the sign-in form, health checks, parts of pages. A view
# may also say so itself with ``view.jiliang_fragment = True``.
NOT_PAGE_NAMES = frozenset({"login", "healthz", "readyz", "metrics", "core:region-pick"})
SKIPPED = ("admin/", "api/v1/", "i18n/", "static/")


def patterns(entries=None, prefix: str = "", namespace: str = "") -> Iterator[tuple]:
    """(route, name, view, has_params) of every named URL pattern."""
    for entry in entries if entries is not None else get_resolver().url_patterns:
        if isinstance(entry, URLResolver):
            route = prefix + str(entry.pattern)
            if route.startswith(SKIPPED):
                continue
            ns = entry.namespace
            full = f"{namespace}:{ns}" if namespace and ns else (ns or namespace)
            yield from patterns(entry.url_patterns, route, full)
        elif isinstance(entry, URLPattern) and entry.name:
            route = prefix + str(entry.pattern)
            name = f"{namespace}:{entry.name}" if namespace else entry.name
            yield route, name, entry.callback, bool(entry.pattern.converters or "<" in route)


def is_public(view) -> bool:
    return bool(getattr(view, "jiliang_public", False))


def is_fragment(name: str, view) -> bool:
    return name in NOT_PAGE_NAMES or bool(getattr(view, "jiliang_fragment", False))


def static_prefix(route: str) -> str:
    """The part of a route before its first parameter, as a URL path."""
    return "/" + re.split(r"[<(^$]", route, maxsplit=1)[0]


def page_urls() -> list[str]:
    """Every public page: the ones without parameters, then each app's published objects."""
    urls = [reverse(name) for route, name, view, has_params in patterns()
            if is_public(view) and not has_params and not NOT_PAGES.search(route)
            and not is_fragment(name, view)]
    urls += list(object_urls())
    return list(dict.fromkeys(urls))


def object_urls() -> Iterator[str]:
    """The published objects each public page type shows (bounded: none is a registry row)."""
    for kind in catalog.kind_list().only("code"):
        yield reverse("catalog:kind-detail", kwargs={"code": kind.code})
    for version in catalog.version_list().only("code"):
        yield reverse("catalog:version-detail", kwargs={"code": version.code})
    for code in licensing.licence_types():
        yield reverse("licensing:guide-detail", kwargs={"type_code": code})
    for campaign in supervision.published_campaigns().only("pk")[:SITEMAP_CAP]:
        yield reverse("supervision:published-detail", kwargs={"pk": campaign.pk})
    yield from portal.sitemap_urls(SITEMAP_CAP)
    enforcement = optional("enforcement", "selectors")
    if enforcement is not None:
        for pk in enforcement.published_cases().values_list("pk", flat=True)[:SITEMAP_CAP]:
            yield reverse("enforcement:public-detail", kwargs={"pk": pk})


def robots_lines(public_url: str) -> list[str]:
    """Allow the public pages' prefixes, disallow every other page's."""
    allow, disallow = set(), {"/admin/", "/api/v1/", "/i18n/", "/login/", "/logout/"}
    for route, _name, view, _params in patterns():
        prefix = static_prefix(route)
        (allow if is_public(view) else disallow).add(prefix)
    # A private prefix that is also the start of a public page's route is disallowed exactly.
    lines = ["User-agent: *"]
    lines += [f"Allow: {p}" for p in sorted(allow) if p != "/"]
    for prefix in sorted(disallow):
        if prefix in allow or prefix == "/":
            continue
        covers_public = any(a.startswith(prefix) for a in allow)
        lines.append(f"Disallow: {prefix}$" if covers_public else f"Disallow: {prefix}")
    lines.append(f"Sitemap: {public_url.rstrip('/')}/sitemap.xml")
    return lines
