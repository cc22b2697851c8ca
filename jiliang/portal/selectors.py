"""Reads of the public window: every function here returns only what is published."""

from __future__ import annotations

from functools import lru_cache

from jiliang.core.models import Region


@lru_cache(maxsize=1)
def _region_table() -> dict[str, str]:
    # The GB/T 2260 table changes with a data load, not while a process serves pages.
    return dict(Region.objects.values_list("code", "name"))


def region_names(codes) -> dict[str, str]:
    """Code → name; a 2- or 4-digit prefix names its province or prefecture."""
    table = _region_table() or {}
    if not table:
        _region_table.cache_clear()
    out = {}
    for code in codes:
        full = (code + "000000")[:6] if code and code.isdigit() else code
        out[code] = table.get(full, code)
    return out


def provinces() -> list[tuple[str, str]]:
    """(2-digit code, name) of every province-level division."""
    return [(r.code[:2], r.name) for r in Region.objects.filter(level=Region.Level.PROVINCE)
            .order_by("code")]


def sitemap_urls(cap: int):
    """The portal's own published pages, for the sitemap."""
    return iter(())
