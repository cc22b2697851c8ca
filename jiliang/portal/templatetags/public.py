"""Template filters for public pages: names, not codes."""

from __future__ import annotations

from django import template

from jiliang.portal.selectors import region_names

register = template.Library()


@register.filter
def region_name(code: str) -> str:
    """The name of a GB/T 2260 division (a 2-digit province code is the province's)."""
    code = str(code or "")
    return region_names([code]).get(code, code) if code else ""
