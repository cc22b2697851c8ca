"""The rule sets as data: one JSON file an edition in ``jiliang/rules/data/netcontent/``, read
into frozen records (the table of T, the quantities and units, the sampling plans)."""

from __future__ import annotations

import datetime
import json
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cache
from pathlib import Path

from jiliang.rules import RuleError

DATA_DIR = Path(__file__).resolve().parent.parent / "data" / "netcontent"


@dataclass(frozen=True)
class TRow:
    lower: Decimal | None
    lower_inclusive: bool
    upper: Decimal | None
    upper_inclusive: bool
    percent: Decimal | None
    absolute: Decimal | None

    def holds(self, q: Decimal) -> bool:
        if self.lower is not None and (q < self.lower or (q == self.lower and not self.lower_inclusive)):
            return False
        return not (self.upper is not None and (
            q > self.upper or (q == self.upper and not self.upper_inclusive)))


@dataclass(frozen=True)
class Quantity:
    name: str  # mass, volume, length, area, count
    base_unit: str
    units: dict[str, Decimal]  # unit -> size in base units
    max_nominal: Decimal | None  # in base units; None = no upper limit
    rows: tuple[TRow, ...]
    rounding: str | None  # "mass_volume", "ceiling_whole" or None (T used as computed)
    whole_numbers: bool = False


@dataclass(frozen=True)
class SecondStage:
    n: int
    cumulative_n: int
    allowed_over_t: int
    rejection_over_t: int


@dataclass(frozen=True)
class PlanRow:
    lot_min: int
    lot_max: int | None
    n: int | None  # None: every unit of the lot
    allowed_over_t: int
    allowed_over_2t: int | None  # None: the rule set has no 2T rule
    mean_test: bool
    lam: Decimal | None
    mean_n: int | None = None  # the mean is judged on the first mean_n units (EU)
    rejection_over_t: int | None = None  # single plans: allowed + 1
    second_stage: SecondStage | None = None

    def covers(self, lot: int) -> bool:
        return lot >= self.lot_min and (self.lot_max is None or lot <= self.lot_max)


@dataclass(frozen=True)
class RuleSet:
    id: str
    short_name: str
    name: str
    jurisdiction: str
    effective_from: datetime.date | None
    effective_until: datetime.date | None
    has_tables: bool
    quantities: dict[str, Quantity]
    t_rounding_default: str | None
    t_rounding_reason: str
    t_quanta: tuple[tuple[TRow, Decimal], ...]
    plan: tuple[PlanRow, ...]
    destructive_plan: tuple[PlanRow, ...]
    source: dict = field(repr=False, compare=False, default_factory=dict)
    data: dict = field(repr=False, compare=False, default_factory=dict)

    def quantity_of(self, unit: str) -> Quantity | None:
        for quantity in self.quantities.values():
            if unit in quantity.units:
                return quantity
        return None

    def in_force_on(self, on: datetime.date) -> bool:
        if self.effective_from is None or on < self.effective_from:
            return False
        return self.effective_until is None or on <= self.effective_until


def _dec(value) -> Decimal | None:
    return None if value is None else Decimal(str(value))


def _t_row(raw: dict) -> TRow:
    return TRow(
        lower=_dec(raw.get("lower")), lower_inclusive=bool(raw.get("lower_inclusive")),
        upper=_dec(raw.get("upper")), upper_inclusive=bool(raw.get("upper_inclusive")),
        percent=_dec(raw.get("percent_of_Qn")),
        absolute=_dec(raw["T"] if "T" in raw else raw.get("absolute")),
    )


def _plan_row(raw: dict) -> PlanRow:
    second = raw.get("second_stage")
    return PlanRow(
        lot_min=raw["lot_min"], lot_max=raw.get("lot_max"), n=raw.get("n"),
        allowed_over_t=raw["allowed_over_T"], allowed_over_2t=raw.get("allowed_over_2T"),
        mean_test=bool(raw.get("mean_test")), lam=_dec(raw.get("lambda")),
        mean_n=raw.get("mean_n"), rejection_over_t=raw.get("rejection_over_T"),
        second_stage=SecondStage(second["n"], second["cumulative_n"], second["allowed_over_T"],
                                 second["rejection_over_T"]) if second else None,
    )


def _date(text: str | None) -> datetime.date | None:
    return datetime.date.fromisoformat(text) if text else None


def _parse(data: dict) -> RuleSet:
    quantities = {}
    for name, raw in (data.get("quantities") or {}).items():
        quantities[name] = Quantity(
            name=name, base_unit=raw["base_unit"],
            units={u: Decimal(s) for u, s in raw["units"].items()},
            max_nominal=_dec(raw.get("max_nominal")),
            rows=tuple(_t_row(r) for r in raw["t_rows"]),
            rounding=raw.get("t_rounding"), whole_numbers=bool(raw.get("whole_numbers")),
        )
    rounding = data.get("t_rounding") or {}
    plan = data.get("sampling_plan") or {}
    return RuleSet(
        id=data["id"], short_name=data["short_name"], name=data["name"],
        jurisdiction=data.get("jurisdiction", ""),
        effective_from=_date(data.get("effective_from")),
        effective_until=_date(data.get("effective_until")),
        has_tables=bool(data.get("has_tables")), quantities=quantities,
        t_rounding_default=rounding.get("default"), t_rounding_reason=rounding.get("reason", ""),
        t_quanta=tuple((_t_row(q), Decimal(q["quantum"])) for q in rounding.get("quantum", ())),
        plan=tuple(_plan_row(r) for r in plan.get("rows") or ()),
        destructive_plan=tuple(_plan_row(r) for r in plan.get("destructive_rows") or ()),
        source=data.get("source", {}), data=data,
    )


@cache
def rule_sets() -> dict[str, RuleSet]:
    """Every rule set on file, by id."""
    found = {}
    for path in sorted(DATA_DIR.glob("*.json")):
        rule_set = _parse(json.loads(path.read_text(encoding="utf-8")))
        found[rule_set.id] = rule_set
    return found


def rule_set(rule_set_id: str) -> RuleSet:
    found = rule_sets().get(rule_set_id)
    if found is None:
        raise RuleError("rule_set.unknown", "no rule set {rule_set} is on file (known: {known})",
                        rule_set=rule_set_id, known=", ".join(sorted(rule_sets())))
    return found


def rule_set_in_force(on: datetime.date, *, jurisdiction: str = "CN") -> RuleSet:
    """The edition in force on a date (the sampling date), whether or not its tables are at hand."""
    for candidate in rule_sets().values():
        if candidate.jurisdiction == jurisdiction and candidate.in_force_on(on):
            return candidate
    raise RuleError("rule_set.none_in_force", "no rule set on file was in force on {on}",
                    on=on.isoformat())


def rule_set_of(rule_set_id: object) -> RuleSet:
    if not isinstance(rule_set_id, str):
        raise RuleError("rule_set.unknown", "no rule set {rule_set} is on file (known: {known})",
                        rule_set=rule_set_id, known=", ".join(sorted(rule_sets())))
    return rule_set(rule_set_id.strip().lower())
