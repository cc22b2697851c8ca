"""Template filters of the energy pages: carrier names from GB/T 2589, figures rounded for show."""

from decimal import Decimal

from django import template

from jiliang.energy.labels import carrier_label

register = template.Library()


@register.filter
def carrier(value: str) -> str:
    """The carrier's name in GB/T 2589 (Chinese), or its English name where the data has one."""
    return carrier_label(value)


@register.filter
def tce(value) -> str:
    """tce to 2 decimals for show; full precision is kept in the data (GB/T 2589 has no rule)."""
    if value is None or value == "":
        return "—"
    return f"{Decimal(value):,.2f}"


@register.filter
def qty(value) -> str:
    if value is None or value == "":
        return "—"
    return f"{Decimal(value):,.3f}".rstrip("0").rstrip(".")
