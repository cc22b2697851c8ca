"""Names of energy carriers for the screens, from the GB/T 2589 table."""

from __future__ import annotations

from django.utils.translation import get_language

from jiliang.rules import energy as rules


def carrier_label(value: str) -> str:
    """The carrier's name in GB/T 2589 (Chinese), or its English name where the data has one."""
    if value == "electricity":
        value = "electricity_equivalent"
    row = next((r for r in rules.conversion_table()["fuels"] if r["id"] == value), None)
    if (get_language() or "").startswith("en") and row and row.get("name_en"):
        return row["name_en"]
    found = rules.carriers("gbt2589-2008").get(value)
    return found.name_zh if found else value
