"""Conversion of energy quantities to standard coal equivalent (GB/T 2589)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cache

from jiliang.rules import RuleError
from jiliang.rules.energy.base import conversion_edition, conversion_table, decimal_of

# ---------------------------------------------------------------------------
# Conversion to standard coal (GB/T 2589)
# ---------------------------------------------------------------------------

# Quantities in other units than the table's, and their factor to the table's unit.
UNIT_FACTORS = {
    "kg": {"kg": Decimal(1), "t": Decimal(1000), "g": Decimal("0.001")},
    "t": {"t": Decimal(1), "kg": Decimal("0.001")},
    "m3": {"m3": Decimal(1), "10^4 m3": Decimal(10000)},
    "kWh": {"kWh": Decimal(1), "MWh": Decimal(1000), "GWh": Decimal(1000000),
            "10^4 kWh": Decimal(10000)},
    # 1 Gcal = 4.1868 GJ (energy_conversion.json, heat equivalents).
    "MJ": {"MJ": Decimal(1), "kJ": Decimal("0.001"), "GJ": Decimal(1000),
           "Gcal": Decimal("4186.8")},
}
HEAT_UNITS = {"MJ", "kJ", "GJ", "Gcal"}
ELECTRICITY_BASES = ("equivalent", "equal_value")


@dataclass(frozen=True)
class Carrier:
    id: str
    name_zh: str
    unit: str  # the quantity unit of the coefficient
    coefficient: Decimal | None  # kgce per unit; None for ranges and unconfirmed values
    low: Decimal | None = None
    high: Decimal | None = None
    confidence: str = ""
    annex: str = "A"


@cache
def carriers(edition: str) -> dict[str, Carrier]:
    """Every energy and working medium with its coefficient in this edition of GB/T 2589."""
    conversion_edition(edition)
    table = conversion_table()
    out: dict[str, Carrier] = {}
    for row in table["fuels"]:
        coef = row.get("coef_kgce_per_unit")
        low = high = None
        if isinstance(coef, dict):  # a range: no default, a measured NCV is needed
            low, high, coef = coef.get("min"), coef.get("max"), coef.get("default")
        confidence = row.get("confidence", "")
        if edition == "gbt2589-2020":
            confidence = "medium"  # carried over from 2008 (gbt2589_2020_annex_a)
        out[row["id"]] = Carrier(row["id"], row["name_zh"], row["quantity_unit"], coef, low, high,
                                 confidence)
    if edition == "gbt2589-2008":
        for row in table["energy_carrying_media"]["rows"]:
            out[row["id"]] = Carrier(row["id"], row["name_zh"], row["quantity_unit"],
                                     row["coef_kgce_per_unit"], confidence=row["confidence"],
                                     annex="B")
    else:
        # The 2020 Annex B was revised and not seen: the media are known, their values are not.
        for row in table["energy_carrying_media"]["rows"]:
            out[row["id"]] = Carrier(row["id"], row["name_zh"], row["quantity_unit"], None,
                                     confidence="unconfirmed", annex="B")
    return out


def kj_per_kgce(edition: str) -> Decimal | None:
    """29 307 kJ = 1 kgce in the 2008 edition (6.2); the 2020 wording was not seen."""
    conversion_edition(edition)
    label = "GB/T 2589-2008" if edition == "gbt2589-2008" else "GB/T 2589-2020"
    value = conversion_table()["kgce_definition"][label].get("kj_per_kgce")
    return None if value is None else Decimal(value)


@dataclass(frozen=True)
class ConversionRow:
    energy: str
    quantity: Decimal
    unit: str
    coefficient: Decimal  # kgce per table unit
    coefficient_unit: str
    source: str  # "table", "measured_ncv", "given", "equal_value"
    kgce: Decimal


@dataclass(frozen=True)
class Conversion:
    edition: str
    electricity_basis: str
    equal_value_kgce_per_kwh: Decimal | None
    rows: list[ConversionRow] = field(default_factory=list)

    @property
    def total_kgce(self) -> Decimal:
        return sum((r.kgce for r in self.rows), Decimal(0))

    @property
    def total_tce(self) -> Decimal:
        return self.total_kgce / 1000


def coefficient(edition: str, energy: str, *, ncv_kj: Decimal | None = None,
                given: Decimal | None = None, electricity_basis: str = "equivalent",
                equal_value: Decimal | None = None) -> tuple[Decimal, str, str]:
    """(kgce per unit, the unit, where the number came from) for one energy.

    ``energy`` is an id of energy_conversion.json, or "electricity" (converted on
    ``electricity_basis``). A measured net calorific value (kJ per unit) comes before
    the table (2008 6.4); a ``given`` coefficient (e.g. published by the statistics
    bureau, 6.3) before both.
    """
    table = carriers(edition)
    if energy == "electricity":
        if electricity_basis not in ELECTRICITY_BASES:
            raise RuleError("electricity.basis", "the electricity basis is 'equivalent' or "
                            "'equal_value', not {value}", value=electricity_basis)
        energy = "electricity_equivalent" if electricity_basis == "equivalent" else \
            "electricity_equal_value"
    if energy not in table:
        raise RuleError("energy.unknown", "{energy} is not in {edition}", energy=energy,
                        edition=conversion_edition(edition).code)
    carrier = table[energy]
    if given is not None:
        value = decimal_of(given, "kgce_per_unit")
        if value <= 0:
            raise RuleError("coefficient.positive", "a coefficient must be positive")
        return value, carrier.unit, "given"
    if energy == "electricity_equal_value":
        # The year's figure from official statistics; never hard-coded (pitfall 7).
        if equal_value is None:
            raise RuleError("electricity.equal_value", "the equal value of electricity for the "
                            "year (kgce/kWh) is not configured")
        value = decimal_of(equal_value, "equal_value")
        if value <= 0:
            raise RuleError("coefficient.positive", "a coefficient must be positive")
        return value, "kWh", "equal_value"
    if ncv_kj is not None:
        if carrier.annex != "A" or energy.startswith(("electricity", "heat", "steam")):
            raise RuleError("ncv.not_fuel", "a measured calorific value applies to fuels, "
                            "not to {energy}", energy=energy)
        basis = kj_per_kgce(edition)
        if basis is None:
            raise RuleError("ncv.basis", "the kJ per kgce of {edition} is not confirmed; give "
                            "the coefficient instead", edition=conversion_edition(edition).code)
        ncv = decimal_of(ncv_kj, "ncv_kj_per_unit")
        if ncv <= 0:
            raise RuleError("ncv.positive", "a calorific value must be positive")
        return ncv / basis, carrier.unit, "measured_ncv"
    if carrier.coefficient is None:
        if carrier.low is not None:
            raise RuleError("coefficient.range", "{energy} has a range ({low} to {high} kgce/"
                            "{unit}) and no default: give the measured calorific value",
                            energy=energy, low=carrier.low, high=carrier.high, unit=carrier.unit)
        raise RuleError("coefficient.unknown", "{energy} has no confirmed coefficient in "
                        "{edition}: give it", energy=energy,
                        edition=conversion_edition(edition).code)
    return Decimal(carrier.coefficient), carrier.unit, "table"


def to_table_unit(quantity: Decimal, unit: str, table_unit: str, energy: str) -> Decimal:
    factors = UNIT_FACTORS.get(table_unit, {table_unit: Decimal(1)})
    if unit not in factors:
        if energy.startswith("steam") and unit in HEAT_UNITS:
            # Pitfall 9: steam metered in heat units converts with "heat", not 128.6 kgce/t.
            raise RuleError("unit.steam_heat", "steam measured in {unit} is heat: convert it as "
                            "'heat', not with the steam coefficient", unit=unit)
        raise RuleError("unit.unknown", "{energy} is measured in {known}, not {unit}",
                        energy=energy, known=", ".join(factors), unit=unit)
    return quantity * factors[unit]


def convert(edition: str, items: Iterable[Mapping[str, object]], *,
            electricity_basis: str = "equivalent",
            equal_value_kgce_per_kwh: Decimal | None = None) -> Conversion:
    """E = sum(e_i * p_i) (GB/T 2589 5.1), with the electricity basis kept with the total.

    Each item: energy, quantity, unit; optionally ncv_kj_per_unit (measured) or
    kgce_per_unit (given). Quantities are kept at full precision (no rounding rule
    is given in the standard).
    """
    conversion_edition(edition)
    if electricity_basis not in ELECTRICITY_BASES:
        raise RuleError("electricity.basis", "the electricity basis is 'equivalent' or "
                        "'equal_value', not {value}", value=electricity_basis)
    result = Conversion(edition, electricity_basis,
                        None if equal_value_kgce_per_kwh is None
                        else decimal_of(equal_value_kgce_per_kwh, "equal_value"))
    for i, item in enumerate(items):
        if not isinstance(item, Mapping):
            raise RuleError("item.format", "item {i} is not an object", i=i)
        energy = str(item.get("energy") or "")
        quantity = decimal_of(item.get("quantity"), f"items[{i}].quantity")
        if quantity < 0:
            raise RuleError("quantity.negative", "items[{i}].quantity cannot be negative", i=i)
        unit = str(item.get("unit") or "")
        coef, table_unit, source = coefficient(
            edition, energy, ncv_kj=item.get("ncv_kj_per_unit"), given=item.get("kgce_per_unit"),
            electricity_basis=electricity_basis, equal_value=result.equal_value_kgce_per_kwh)
        amount = to_table_unit(quantity, unit or table_unit, table_unit, energy)
        result.rows.append(ConversionRow(energy, quantity, unit or table_unit, coef, table_unit,
                                         source, amount * coef))
    return result


