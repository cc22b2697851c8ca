"""Key energy-using units: the tiers of the Energy Conservation Law 2007, art. 52."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from jiliang.rules import RuleError
from jiliang.rules.energy.base import decimal_of, metering_table

# ---------------------------------------------------------------------------
# Key energy-using units (Energy Conservation Law 2007, art. 52)
# ---------------------------------------------------------------------------

@dataclass(frozen=True)
class Tier:
    id: str  # "mandatory", "designated", "designatable", "none"
    key_unit: bool


def key_unit_tier(annual_tce: Decimal, *, designated: bool = False) -> Tier:
    """Art. 52: ≥ 10 000 tce/a by law; 5 000 to under 10 000 tce/a when designated.

    '以上' includes the bound, '不满' excludes it (energy_metering.json,
    key_energy_using_unit.bound_basis).
    """
    tce = decimal_of(annual_tce, "annual_tce")
    if tce < 0:
        raise RuleError("tier.negative", "annual energy consumption cannot be negative")
    tiers = {t["id"]: t for t in metering_table()["key_energy_using_unit"]["tiers"]}
    if tce >= tiers["mandatory"]["min_tce"]:
        return Tier("mandatory", True)
    low = tiers["designatable"]
    if low["min_tce"] <= tce < low["max_tce"]:
        return Tier("designated", True) if designated else Tier("designatable", False)
    return Tier("none", False)

