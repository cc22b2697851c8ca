"""Energy metering of energy-using units: GB 17167, GB/T 2589 and the data-quality checks.

Pure Python, no Django. The tables are the data files
``data/energy_metering.json`` (GB 17167-2006 Tables 1 and 4, the Art. 52
tiers, DL/T 448-2000 user classes, the online-monitoring data rules) and
``data/energy_conversion.json`` (GB/T 2589-2008 and -2020 coefficients),
copied from the project's reference files with their sources and confidence.
Every rule is keyed by the edition of its standard.

Command line, for scripts and other systems (one JSON object in on standard
input, one out; numbers as decimal strings; exit status 2 with
``{"error": ...}`` for input it cannot judge)::

    python -m jiliang.rules.energy convert    < {"edition": "gbt2589-2008", "items": [...]}
    python -m jiliang.rules.energy equipping  < {"edition": "gb17167-2006", "cells": [...]}
"""

from __future__ import annotations

import datetime
import json
import sys
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_DOWN, Decimal, InvalidOperation
from functools import cache
from pathlib import Path

from jiliang.rules import RuleError

DATA = Path(__file__).resolve().parent / "data"
LEVELS = ("L1", "L2", "L3")


@cache
def _table(name: str) -> dict:
    with open(DATA / name, encoding="utf-8") as handle:
        # Decimals, never floats: 0.1229 must stay 0.1229.
        return json.load(handle, parse_float=Decimal)


def metering_table() -> dict:
    return _table("energy_metering.json")


def conversion_table() -> dict:
    return _table("energy_conversion.json")


# ---------------------------------------------------------------------------
# Editions
# ---------------------------------------------------------------------------

@dataclass(frozen=True)
class Edition:
    key: str
    code: str
    effective: datetime.date | None
    until: datetime.date | None
    note: str = ""


# GB 17167: the equipping-rate and accuracy tables (Tables 1 and 4).
EQUIPPING_EDITIONS = {
    "gb17167-2006": Edition("gb17167-2006", "GB 17167-2006", datetime.date(2007, 1, 1), None,
                            "GB 17167-2025 exists; its tables are not in the data file"),
}
# GB/T 2589: the standard-coal coefficients (Annexes A and B). The 2020 edition took effect
# on the date of the data file (editions["GB/T 2589-2020"].effective); 2008 ran to the day before.
_GBT2589_2020_EFFECTIVE = datetime.date.fromisoformat(
    conversion_table()["editions"]["GB/T 2589-2020"]["effective"])
CONVERSION_EDITIONS = {
    "gbt2589-2008": Edition("gbt2589-2008", "GB/T 2589-2008", None,
                            _GBT2589_2020_EFFECTIVE - datetime.timedelta(days=1)),
    "gbt2589-2020": Edition(
        "gbt2589-2020", "GB/T 2589-2020", _GBT2589_2020_EFFECTIVE, None,
        "Annex A fuel coefficients carried over from 2008 (medium confidence); the revised "
        "Annex B (working media) and the new fuel rows were not seen, so they have no value",
    ),
}


def equipping_edition(key: str) -> Edition:
    if key not in EQUIPPING_EDITIONS:
        raise RuleError("edition.unknown", "unknown edition {edition}; known: {known}",
                        edition=key, known=", ".join(EQUIPPING_EDITIONS))
    return EQUIPPING_EDITIONS[key]


def conversion_edition(key: str) -> Edition:
    if key not in CONVERSION_EDITIONS:
        raise RuleError("edition.unknown", "unknown edition {edition}; known: {known}",
                        edition=key, known=", ".join(CONVERSION_EDITIONS))
    return CONVERSION_EDITIONS[key]


def conversion_edition_on(day: datetime.date) -> str:
    """The GB/T 2589 edition in force on ``day`` (2020 from 2021-04-01)."""
    for edition in CONVERSION_EDITIONS.values():
        if (edition.effective is None or day >= edition.effective) and (
                edition.until is None or day <= edition.until):
            return edition.key
    raise RuleError("edition.none", "no edition of GB/T 2589 is on file for {day}", day=day)


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
    tce = _decimal(annual_tce, "annual_tce")
    if tce < 0:
        raise RuleError("tier.negative", "annual energy consumption cannot be negative")
    tiers = {t["id"]: t for t in metering_table()["key_energy_using_unit"]["tiers"]}
    if tce >= tiers["mandatory"]["min_tce"]:
        return Tier("mandatory", True)
    low = tiers["designatable"]
    if low["min_tce"] <= tce < low["max_tce"]:
        return Tier("designated", True) if designated else Tier("designatable", False)
    return Tier("none", False)


# ---------------------------------------------------------------------------
# Equipping rate (GB 17167-2006 3.2, 4.3, Table 1)
# ---------------------------------------------------------------------------

def table1(edition: str) -> dict[str, dict]:
    equipping_edition(edition)
    return {row["id"]: row for row in metering_table()["table1_equipping_rate_percent"]["rows"]}


def energy_ids(edition: str = "gb17167-2006") -> list[str]:
    return list(table1(edition))


def required_rate(edition: str, energy: str, level: str) -> int | None:
    """The Table 1 percentage for an energy type at a level; None where nothing is required."""
    rows = table1(edition)
    if energy not in rows:
        raise RuleError("energy.unknown", "unknown energy type {energy}; known: {known}",
                        energy=energy, known=", ".join(rows))
    if level not in LEVELS:
        raise RuleError("level.unknown", "unknown level {level}; use L1, L2 or L3", level=level)
    value = rows[energy][level]
    return None if value is None else int(value)


# Grounds for leaving items out of the theoretical need Nl, with the note they rest on.
EXCLUSION_GROUNDS = {
    "t1a": ("L1", "Table 1 note a: seasonal heating steam or hot water settled by another method"),
    "t1b": ("L2", "Table 1 note b: seasonal heating steam or hot water of a main sub-unit"),
    "t1c": ("L3", "Table 1 note c: auxiliary electricity or working media below the Table 3 limits"),
    "t3a": ("L3", "Table 3 note a: equipment inside a separately metered process unit"),
    "t3b": ("L3", "Table 3 note b: equipment of a group metered as a whole (boiler or pump house)"),
}


def exclusion_allowed(edition: str, ground: str, energy: str, level: str) -> bool:
    """Whether the standard's note ``ground`` can take an item of this energy and level out of Nl."""
    rows = table1(edition)
    if ground not in EXCLUSION_GROUNDS or energy not in rows:
        return False
    ground_level, _text = EXCLUSION_GROUNDS[ground]
    if level != ground_level:
        return False
    if ground.startswith("t1"):
        return ground[-1] in rows[energy]["notes"]
    return True


@dataclass(frozen=True)
class Cell:
    energy: str
    level: str
    installed: int  # Ns
    required: int  # Nl, the theoretical need
    excluded: int = 0  # items taken out of Nl under a note of the standard
    grounds: tuple[str, ...] = ()  # the notes the exclusions rest on


@dataclass(frozen=True)
class CellResult:
    energy: str
    level: str
    installed: int
    required: int
    excluded: int
    needed: int  # Nl after exclusions
    rate_percent: Decimal | None
    required_percent: int | None
    result: str  # "pass", "fail", "not_applicable", "ledger_error"


def equipping_cell(edition: str, cell: Cell) -> CellResult:
    """One (energy, level) cell of Table 1, compared exactly: Ns*100 >= req*Nl, no rounding first."""
    required_percent = required_rate(edition, cell.energy, cell.level)
    for name in ("installed", "required", "excluded"):
        value = getattr(cell, name)
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise RuleError("equipping.count", "{name} must be a whole number of 0 or more",
                            name=name)
    if cell.excluded > cell.required:
        raise RuleError("equipping.excluded", "more items excluded ({excluded}) than needed "
                        "({required})", excluded=cell.excluded, required=cell.required)
    if cell.excluded:
        if not cell.grounds:
            raise RuleError("equipping.reason", "an exclusion needs the note of the standard it "
                            "rests on ({energy} {level})", energy=cell.energy, level=cell.level)
        for ground in cell.grounds:
            if not exclusion_allowed(edition, ground, cell.energy, cell.level):
                raise RuleError("equipping.ground", "{ground} does not allow excluding "
                                "{energy} at {level}", ground=ground, energy=cell.energy,
                                level=cell.level)
    needed = cell.required - cell.excluded
    if needed == 0:
        # Nl = 0: nothing to meter, so no rate (not 100 %, not 0 %).
        return CellResult(cell.energy, cell.level, cell.installed, cell.required, cell.excluded,
                          0, None, required_percent,
                          "ledger_error" if cell.installed else "not_applicable")
    rate = (Decimal(cell.installed) * 100 / Decimal(needed)).quantize(
        Decimal("0.01"), rounding=ROUND_DOWN)  # shown truncated: never above the true rate
    if required_percent is None:
        result = "not_applicable"
    elif cell.installed > needed:
        result = "ledger_error"  # Ns > Nl: instruments outside the required set were counted
    elif cell.installed * 100 >= required_percent * needed:
        result = "pass"
    else:
        result = "fail"
    return CellResult(cell.energy, cell.level, cell.installed, cell.required, cell.excluded,
                      needed, rate, required_percent, result)


def equipping_assess(edition: str, cells: Iterable[Cell]) -> tuple[list[CellResult], str]:
    """Every cell, and the verdict: compliant only if no applicable cell fails."""
    results = [equipping_cell(edition, cell) for cell in cells]
    seen = set()
    for r in results:
        if (r.energy, r.level) in seen:
            raise RuleError("equipping.duplicate", "{energy} {level} is given twice",
                            energy=r.energy, level=r.level)
        seen.add((r.energy, r.level))
    bad = any(r.result in ("fail", "ledger_error") for r in results)
    return results, "noncompliant" if bad else "compliant"


# ---------------------------------------------------------------------------
# Accuracy classes (GB 17167-2006 Table 4; DL/T 448-2000 user classes)
# ---------------------------------------------------------------------------

@dataclass(frozen=True, order=True)
class AccuracyClass:
    number: Decimal
    s: bool = False

    def __str__(self) -> str:
        return f"{self.number}{'S' if self.s else ''}"


# OIML/JJG classes of weighing instruments (I-IIII) and water meters (class 1, 2) are not
# percentages (table4_accuracy_requirements.unit_pitfalls).
ROMAN_CLASSES = {"I", "II", "III", "IIII"}
MPE_INSTRUMENTS = ("scale_static", "scale_dynamic", "water_meter")


def parse_class(text: str) -> AccuracyClass:
    """'0.5S' or '0.5S级' -> (0.5, S); '1' -> (1); OIML/JJG classes are refused (they need the MPE)."""
    raw = str(text or "").strip().upper().replace(" ", "").removesuffix("级")
    if raw in ROMAN_CLASSES or raw.startswith("CLASS"):
        raise RuleError("accuracy.not_percent", "class {value} is not a percentage class; "
                        "record the maximum permissible error", value=text)
    s = raw.endswith("S")
    number = raw[:-1] if s else raw
    try:
        value = Decimal(number)
    except InvalidOperation:
        raise RuleError("accuracy.format", "{value} is not an accuracy class such as 0.5 or 0.5S",
                        value=text) from None
    if not value.is_finite() or value <= 0:
        raise RuleError("accuracy.format", "{value} is not an accuracy class such as 0.5 or 0.5S",
                        value=text)
    return AccuracyClass(value, s)


def class_meets(installed: str | AccuracyClass, required: str | AccuracyClass) -> bool:
    """Installed meets required iff it is finer, or equally fine with an S where one is needed.

    0.2S meets 0.5S; 0.2 meets 0.5S; 0.5 does NOT meet 0.5S (Table 4, class_ordering_convention).
    """
    x = installed if isinstance(installed, AccuracyClass) else parse_class(installed)
    r = required if isinstance(required, AccuracyClass) else parse_class(required)
    return x.number < r.number or (x.number == r.number and (x.s or not r.s))


def electricity_user_class(*, monthly_kwh: Decimal | int | None = None,
                           transformer_kva: Decimal | int | None = None,
                           single_phase: bool = False) -> str:
    """DL/T 448-2000 user class I-V (GB 17167-2006 Table 4 note b): first match wins."""
    if single_phase:
        return "V"
    kwh = Decimal(monthly_kwh or 0)
    kva = Decimal(transformer_kva or 0)
    for spec in metering_table()["electricity_user_classes"]["classes"][:3]:
        if kwh >= spec["monthly_kwh_min"] or kva >= spec["transformer_kva_min"]:
            return spec["class"]
    return "IV"


INSTRUMENT_TYPES = ("electricity_meter", "scale_static", "scale_dynamic", "oil_flow_meter",
                    "gas_flow_meter", "steam_flow_meter", "water_meter", "heat_meter",
                    "temperature", "pressure", "other")


def table4(edition: str) -> dict[str, dict]:
    equipping_edition(edition)
    return {row["id"]: row for row in metering_table()["table4_accuracy_requirements"]["rows"]}


def accuracy_row(edition: str, *, instrument: str, energy: str, user_class: str | None = None,
                 direct_current: bool = False, pipe_dn_mm: int | None = None,
                 mass_calculation: bool = False) -> dict | None:
    """The Table 4 row that applies to a boundary instrument, or None where Table 4 has none.

    Raises RuleError when a fact the table needs is missing (the user class of an
    electricity meter, the pipe size of a water meter).
    """
    rows = table4(edition)
    if instrument not in INSTRUMENT_TYPES:
        raise RuleError("instrument.unknown", "unknown instrument type {value}", value=instrument)
    if instrument == "electricity_meter":
        if direct_current:
            return rows["elec_dc"]
        if user_class not in ("I", "II", "III", "IV", "V"):
            raise RuleError("accuracy.user_class", "the user class (DL/T 448, I to V) of the "
                            "electricity meter is needed")
        return rows[f"elec_ac_class_{user_class}"]
    if instrument in ("scale_static", "scale_dynamic"):
        return rows[instrument]
    if instrument == "oil_flow_meter":
        return {"refined_oil": rows["oil_refined"], "heavy_oil": rows["oil_heavy"],
                "residual_oil": rows["oil_heavy"]}.get(energy)
    if instrument in ("gas_flow_meter", "steam_flow_meter"):
        return {"manufactured_gas": rows["gas_manufactured"], "natural_gas": rows["gas_natural"],
                "steam": rows["gas_steam"]}.get(energy)
    if instrument == "water_meter":
        if pipe_dn_mm is None:
            raise RuleError("accuracy.pipe", "the pipe size (DN, mm) of the water meter is needed")
        # Table 4: DN up to the small row's bound (inclusive, 250 mm) or above it.
        small = rows["water_small"]
        return small if pipe_dn_mm <= small["condition"]["pipe_dn_mm"]["max"] \
            else rows["water_large"]
    if instrument == "temperature":
        return rows["temp_mass_calc" if mass_calculation else "temp_energy"]
    if instrument == "pressure":
        return rows["press_mass_calc" if mass_calculation else "press_energy"]
    return None  # heat meters and others: no row in Table 4


@dataclass(frozen=True)
class AccuracyResult:
    result: str  # "pass", "fail", "not_covered", "cannot_judge"
    required_class: str | None
    row_id: str | None
    reason: str = ""


def accuracy_check(edition: str, *, instrument: str, energy: str, accuracy_class: str,
                   mpe_percent: Decimal | None = None, **conditions) -> AccuracyResult:
    """A boundary instrument's class against Table 4.

    Scales and water meters carry OIML/JJG classes (III, class 2) that are not
    percentages: they are judged by the recorded maximum permissible error instead.
    """
    try:
        row = accuracy_row(edition, instrument=instrument, energy=energy, **conditions)
    except RuleError as error:
        return AccuracyResult("cannot_judge", None, None, str(error))
    if row is None:
        return AccuracyResult("not_covered", None, None)
    required = row["required_class"]
    if instrument in MPE_INSTRUMENTS and mpe_percent is not None:
        ok = Decimal(mpe_percent) <= parse_class(required).number
        return AccuracyResult("pass" if ok else "fail", required, row["id"])
    if instrument == "water_meter" and "." not in str(accuracy_class):
        # A water meter's "class 1" or "class 2" (GB/T 778) is not 1 % or 2 %.
        return AccuracyResult("cannot_judge", required, row["id"],
                              "record the maximum permissible error of the water meter")
    try:
        ok = class_meets(accuracy_class, required)
    except RuleError as error:
        return AccuracyResult("cannot_judge", required, row["id"], str(error))
    return AccuracyResult("pass" if ok else "fail", required, row["id"])


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


def _decimal(value: object, name: str) -> Decimal:
    if isinstance(value, bool):
        raise RuleError("number.format", "{name} must be a number", name=name)
    try:
        result = value if isinstance(value, Decimal) else Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise RuleError("number.format", "{name} must be a number, not {value!r}", name=name,
                        value=value) from None
    if not result.is_finite():
        raise RuleError("number.format", "{name} must be a finite number", name=name)
    return result


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
        value = _decimal(given, "kgce_per_unit")
        if value <= 0:
            raise RuleError("coefficient.positive", "a coefficient must be positive")
        return value, carrier.unit, "given"
    if energy == "electricity_equal_value":
        # The year's figure from official statistics; never hard-coded (pitfall 7).
        if equal_value is None:
            raise RuleError("electricity.equal_value", "the equal value of electricity for the "
                            "year (kgce/kWh) is not configured")
        value = _decimal(equal_value, "equal_value")
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
        ncv = _decimal(ncv_kj, "ncv_kj_per_unit")
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
                        else _decimal(equal_value_kgce_per_kwh, "equal_value"))
    for i, item in enumerate(items):
        if not isinstance(item, Mapping):
            raise RuleError("item.format", "item {i} is not an object", i=i)
        energy = str(item.get("energy") or "")
        quantity = _decimal(item.get("quantity"), f"items[{i}].quantity")
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


# ---------------------------------------------------------------------------
# Data quality of metered data
# ---------------------------------------------------------------------------

def _dq() -> dict:
    return metering_table()["online_monitoring"]["data_quality_requirements"]


def completeness_min_percent() -> int:
    """The share of due readings that must arrive (90 %, online-monitoring data-quality rule:
    data_quality_requirements.completeness.min_percent, inclusive)."""
    return int(_dq()["completeness"]["min_percent"])


def collection_intervals() -> tuple[int, ...]:
    """The collection intervals in minutes: 15 as the standard, 30 or 60 where relaxed
    (online-monitoring end-device spec, end_device.collection_frequency)."""
    spec = metering_table()["online_monitoring"]["end_device"]["collection_frequency"]
    return (int(spec["realtime_interval_min"]), *(int(m) for m in spec["relaxed_interval_min"]))


# How far off the collection grid a reading may lie: ± 1 min, as a daily value may start
# (data_quality_requirements.stat_time_offset.daily_max, "00:00 +/- 1 min").
GRID_TOLERANCE_S = 60


def completeness_ok(received: int, expected: int, *, min_percent: int | None = None) -> bool:
    """received / expected * 100 >= 90 (online-monitoring data-quality rule, inclusive)."""
    threshold = completeness_min_percent() if min_percent is None else min_percent
    if expected <= 0:
        return True
    return received * 100 >= threshold * expected


def expected_points(start: datetime.datetime, end: datetime.datetime, interval_min: int) -> int:
    """Readings due in [start, end) at the collection interval."""
    if end <= start:
        return 0
    return int((end - start) // datetime.timedelta(minutes=interval_min))


@dataclass(frozen=True)
class Gap:
    start: datetime.datetime  # the first missing slot
    end: datetime.datetime  # the last missing slot
    missing: int


def gaps(times: Sequence[datetime.datetime], start: datetime.datetime, end: datetime.datetime,
         interval_min: int = 15, tolerance_s: int = GRID_TOLERANCE_S) -> list[Gap]:
    """Slots of the collection grid in [start, end) with no reading within the tolerance."""
    step = datetime.timedelta(minutes=interval_min)
    tol = datetime.timedelta(seconds=tolerance_s)
    ordered = sorted(times)
    out: list[Gap] = []
    i, slot, run_start, run = 0, start, None, 0
    while slot < end:
        while i < len(ordered) and ordered[i] < slot - tol:
            i += 1
        hit = i < len(ordered) and abs(ordered[i] - slot) <= tol
        if hit:
            if run:
                out.append(Gap(run_start, slot - step, run))
                run = 0
        else:
            if not run:
                run_start = slot
            run += 1
        slot += step
    if run:
        out.append(Gap(run_start, slot - step, run))
    return out


def misaligned(times: Iterable[datetime.datetime], interval_min: int = 15,
               tolerance_s: int = GRID_TOLERANCE_S) -> list[datetime.datetime]:
    """Readings more than the tolerance off the collection grid (00:00 + k x interval)."""
    period = interval_min * 60
    out = []
    for t in times:
        seconds = t.hour * 3600 + t.minute * 60 + t.second + t.microsecond / 1e6
        offset = seconds % period
        if min(offset, period - offset) > tolerance_s:
            out.append(t)
    return out


def period_start_aligned(start: datetime.datetime, period: str) -> bool:
    """A daily value starts at 00:00 ± 1 min; a monthly one on the 1st at 00:00 ± 1 day."""
    if period == "day":
        midnight = start.replace(hour=0, minute=0, second=0, microsecond=0)
        offset = min(start - midnight, midnight + datetime.timedelta(days=1) - start)
        return offset <= datetime.timedelta(minutes=1)
    if period == "month":
        first = start.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
        nxt = (first + datetime.timedelta(days=32)).replace(day=1)
        offset = min(start - first, nxt - start)
        return offset <= datetime.timedelta(days=1)
    raise RuleError("period.unknown", "period is 'day' or 'month'")


@dataclass(frozen=True)
class Decrease:
    at: datetime.datetime
    previous: Decimal
    value: Decimal


def register_decreases(readings: Sequence[tuple[datetime.datetime, Decimal]], *,
                       register_max: Decimal | None = None,
                       replacements: Iterable[datetime.datetime] = ()) -> list[Decrease]:
    """A cumulative register must not go down, but for a rollover past ``register_max``
    or a recorded meter replacement at that time."""
    replaced = set(replacements)
    out = []
    previous = None
    for at, value in sorted(readings):
        if previous is not None and value < previous and at not in replaced and not (
                register_max is not None and _is_rollover(previous, value, register_max)):
            out.append(Decrease(at, previous, value))
        previous = value
    return out


def _is_rollover(previous: Decimal, value: Decimal, register_max: Decimal) -> bool:
    # A rollover leaves the register near zero after being near its maximum.
    return previous > register_max / 2 and value < register_max / 2


def interval_delta(previous: Decimal | None, value: Decimal,
                   register_max: Decimal | None = None) -> tuple[Decimal, bool]:
    """(consumption in register units, decreased?) between two consecutive readings."""
    if previous is None:
        return Decimal(0), False
    if value >= previous:
        return value - previous, False
    if register_max is not None and _is_rollover(previous, value, register_max):
        return register_max - previous + value, False
    return Decimal(0), True


def daily_vs_monthly_ok(daily_sum: Decimal, monthly: Decimal, *,
                        max_percent: int | None = None) -> bool:
    """|sum(daily) - monthly| / monthly * 100 <= 5 (online-monitoring data-quality rule)."""
    limit = _dq()["consistency"]["max_percent"] if max_percent is None else max_percent
    if monthly == 0:
        return daily_sum == 0
    return abs(daily_sum - monthly) * 100 <= limit * abs(monthly)


@dataclass(frozen=True)
class Balance:
    main: Decimal
    subs: Decimal
    deviation_percent: Decimal | None
    ok: bool


def balance(main: Decimal, subs: Iterable[Decimal], *, tolerance_percent: Decimal | None) -> Balance:
    """Main meter against the sum of its sub-meters; the tolerance has no normative default."""
    if tolerance_percent is None:
        raise RuleError("balance.tolerance", "no tolerance is configured for the balance of main "
                        "and sub-meters (no normative value exists)")
    total = sum(subs, Decimal(0))
    if main == 0:
        return Balance(main, total, None, total == 0)
    deviation = abs(main - total) * 100 / abs(main)
    return Balance(main, total, deviation.quantize(Decimal("0.01")),
                   abs(main - total) * 100 <= Decimal(tolerance_percent) * abs(main))


def reading_lapsed(at: datetime.date, periods: Iterable[tuple[datetime.date | None,
                                                              datetime.date | None]]) -> bool:
    """True when no verification or calibration period covers the day of the reading
    (GB 17167-2006 5.3.5: instruments past their period must not be used)."""
    for start, until in periods:
        if (start is None or start <= at) and (until is None or at <= until):
            return False
    return True


# ---------------------------------------------------------------------------
# Command line
# ---------------------------------------------------------------------------

def _text(value: Decimal | None) -> str | None:
    if value is None:
        return None
    text = format(value.normalize(), "f")
    return "0" if text in ("-0", "") else text


def _count(value: object, name: str) -> int:
    if isinstance(value, bool):
        raise RuleError("equipping.count", "{name} must be a whole number", name=name)
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    if isinstance(value, Decimal) and value == value.to_integral_value():
        return int(value)
    raise RuleError("equipping.count", "{name} must be a whole number", name=name)


def cli_convert(data: Mapping) -> dict:
    items = data.get("items")
    if not isinstance(items, list):
        raise RuleError("items.missing", "give items: a list of {energy, quantity, unit}")
    result = convert(str(data.get("edition") or ""), items,
                     electricity_basis=str(data.get("electricity_basis") or "equivalent"),
                     equal_value_kgce_per_kwh=data.get("equal_value_kgce_per_kwh"))
    return {
        "edition": result.edition,
        "electricity_basis": result.electricity_basis,
        "equal_value_kgce_per_kwh": _text(result.equal_value_kgce_per_kwh),
        "rows": [{"energy": r.energy, "quantity": _text(r.quantity), "unit": r.unit,
                  "coefficient": _text(r.coefficient),
                  "coefficient_unit": f"kgce/{r.coefficient_unit}", "source": r.source,
                  "kgce": _text(r.kgce)} for r in result.rows],
        "total_kgce": _text(result.total_kgce),
        "total_tce": _text(result.total_tce),
    }


def cli_equipping(data: Mapping) -> dict:
    raw = data.get("cells")
    if not isinstance(raw, list):
        raise RuleError("cells.missing", "give cells: a list of {energy, level, installed, "
                        "required, excluded}")
    cells = []
    for i, item in enumerate(raw):
        if not isinstance(item, Mapping):
            raise RuleError("cell.format", "cell {i} is not an object", i=i)
        grounds = item.get("grounds") or ()
        if isinstance(grounds, str):
            grounds = (grounds,)
        cells.append(Cell(str(item.get("energy") or ""), str(item.get("level") or ""),
                          _count(item.get("installed"), f"cells[{i}].installed"),
                          _count(item.get("required"), f"cells[{i}].required"),
                          _count(item.get("excluded", 0), f"cells[{i}].excluded"),
                          tuple(str(g) for g in grounds)))
    edition = str(data.get("edition") or "")
    results, verdict = equipping_assess(edition, cells)
    return {
        "edition": edition,
        "cells": [{"energy": r.energy, "level": r.level, "installed": r.installed,
                   "required": r.required, "excluded": r.excluded,
                   "rate_percent": None if r.rate_percent is None else str(r.rate_percent),
                   "required_percent": None if r.required_percent is None
                   else str(r.required_percent),
                   "result": r.result} for r in results],
        "verdict": verdict,
    }


COMMANDS = {"convert": cli_convert, "equipping": cli_equipping}


def main(argv: Sequence[str] | None = None, stdin=None, stdout=None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    stdin = stdin or sys.stdin
    stdout = stdout or sys.stdout

    def emit(obj: dict) -> None:
        stdout.write(json.dumps(obj, ensure_ascii=False) + "\n")

    if len(argv) != 1 or argv[0] not in COMMANDS:
        emit({"error": "usage: python -m jiliang.rules.energy convert|equipping < request.json"})
        return 2
    try:
        data = json.loads(stdin.read(), parse_float=Decimal)
    except ValueError as error:
        emit({"error": f"the input is not one JSON object: {error}"})
        return 2
    if not isinstance(data, dict):
        emit({"error": "the input is not one JSON object"})
        return 2
    try:
        emit(COMMANDS[argv[0]](data))
    except RuleError as error:
        emit({"error": str(error)})
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
