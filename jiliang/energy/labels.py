"""Names of energy carriers for the screens, from the GB/T 2589 table."""

from __future__ import annotations

from django.utils.translation import get_language

from jiliang.rules import energy as rules

# English names of the working media of GB/T 2589-2008 Annex B (the reference gives Chinese only).
MEDIA_EN = {
    "fresh_water": "fresh water", "softened_water": "softened water",
    "deaerated_water": "deaerated water", "compressed_air": "compressed air",
    "blast_air": "blast air", "oxygen": "oxygen", "nitrogen_byproduct": "nitrogen (by-product)",
    "nitrogen_main_product": "nitrogen (main product)", "carbon_dioxide": "carbon dioxide",
    "acetylene": "acetylene", "calcium_carbide": "calcium carbide",
}


def carrier_label(value: str) -> str:
    """The carrier's name in GB/T 2589 (Chinese), or its English name where the data has one."""
    if value == "electricity":
        value = "electricity_equivalent"
    row = next((r for r in rules.conversion_table()["fuels"] if r["id"] == value), None)
    if (get_language() or "").startswith("en"):
        if row and row.get("name_en"):
            return row["name_en"]
        if value in MEDIA_EN:
            return MEDIA_EN[value]
    found = rules.carriers("gbt2589-2008").get(value)
    return found.name_zh if found else value
