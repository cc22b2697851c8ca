"""Accuracy classes of energy meters (GB 17167-2006 Table 4; DL/T 448-2000 user classes)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from jiliang.rules import RuleError
from jiliang.rules.energy.base import equipping_edition, metering_table
from jiliang.rules.energy.vocabulary import instrument_types, mpe_instruments

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
    if instrument not in instrument_types():
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
    if instrument in mpe_instruments() and mpe_percent is not None:
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


