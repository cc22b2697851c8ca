"""Template filters of the energy pages: carrier names from GB/T 2589, figures rounded for show."""

from decimal import Decimal

from django import template
from django.utils.translation import get_language

from jiliang.rules import energy as rules

register = template.Library()


@register.filter
def carrier(value: str) -> str:
    """The carrier's name in GB/T 2589 (Chinese), or its English name where the data has one."""
    if value == "electricity":
        value = "electricity_equivalent"
    table = rules.carriers("gbt2589-2008")
    row = next((r for r in rules.conversion_table()["fuels"] if r["id"] == value), None)
    if (get_language() or "").startswith("en") and row and row.get("name_en"):
        return row["name_en"]
    found = table.get(value)
    return found.name_zh if found else value


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
