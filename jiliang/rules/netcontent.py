"""Net content of prepackaged goods (定量包装商品净含量): is a lot acceptable?

The rule sets are data files in ``jiliang/rules/data/netcontent/`` (one per
edition, each naming its source, clauses and confidence): JJF 1070-2005 in
full, OIML R 87:2004 and the EU 76/211/EEC reference test as far as the
reference confirms them, and JJF 1070-2023 by its dates only (its tables are
not at hand, so it refuses to judge). A new edition is a new data file.

A lot is judged on a sample (JJF 1070-2005 with Order 75 annexes 3 and 4):

- T, the tolerable deficiency, from the table for the nominal quantity Qn;
- no unit may be short by more than 2T (a "T2-class" unit);
- at most ``allowed_over_t`` units may be short by more than T (and at most 2T);
- for lots of 11 and more, the mean q̄ >= Qn − λ·s, with s using n − 1.

Decimal arithmetic throughout (binary floats round 0.045 × 130 the wrong way).
The rounding of T is a parameter of each rule set (``t_rounding``): the JJF
text says 修约 and its tie rule is not confirmed; the default and its reason
are written in the data file and returned with every judgement.

Command line (one JSON object in, one out; exit status 2 on input that cannot
be judged)::

    echo '{"rule_set": "jjf1070-2005", "nominal": "500", "unit": "g",
           "lot_size": 1000, "values": ["498.2", ...]}' | python -m jiliang.rules.netcontent
"""

from __future__ import annotations

import datetime
import decimal
import json
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cache
from pathlib import Path

from jiliang.rules import RuleError

DATA_DIR = Path(__file__).resolve().parent / "data" / "netcontent"

# Every computation runs in this context, whatever the caller's global one is.
CONTEXT = decimal.Context(prec=40, rounding=decimal.ROUND_HALF_EVEN)

ROUNDING_MODES = {
    "half_even": decimal.ROUND_HALF_EVEN,
    "half_up": decimal.ROUND_HALF_UP,
    "up": decimal.ROUND_CEILING,
    "none": None,
}

# Units accepted on input, by the spelling a clerk or a script may use.
UNIT_ALIASES = {
    "g": "g", "kg": "kg", "ml": "mL", "l": "L", "mm": "mm", "cm": "cm", "m": "m",
    "mm2": "mm2", "cm2": "cm2", "dm2": "dm2", "m2": "m2", "mm²": "mm2", "cm²": "cm2",
    "dm²": "dm2", "m²": "m2", "items": "items", "item": "items", "pcs": "items",
}

FAILURES = ("over_2T", "over_T", "mean")


# ---------------------------------------------------------------------------
# Rule sets as data


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


# ---------------------------------------------------------------------------
# Input parsing: numbers and units


def parse_number(value: object, *, field: str) -> Decimal:
    """A decimal from a string or a JSON number; RuleError for anything else."""
    if isinstance(value, bool) or value is None:
        raise RuleError("value.not_number", "{field}: {value!r} is not a number",
                        field=field, value=value)
    if isinstance(value, float):
        value = repr(value)
    try:
        number = Decimal(str(value).strip())
    except decimal.InvalidOperation:
        raise RuleError("value.not_number", "{field}: {value!r} is not a number",
                        field=field, value=value) from None
    if not number.is_finite():
        raise RuleError("value.not_number", "{field}: {value!r} is not a number",
                        field=field, value=value)
    return number


def parse_unit(unit: object, *, field: str = "unit") -> str:
    canonical = UNIT_ALIASES.get(str(unit or "").strip().lower())
    if canonical is None:
        raise RuleError("unit.unknown", "{field}: {unit!r} is not a unit (use one of {units})",
                        field=field, unit=unit, units="g, kg, mL, L, mm, cm, m, m2, items")
    return canonical


# ---------------------------------------------------------------------------
# T and the sampling plan


def tolerable_deficiency(rules: RuleSet, nominal: Decimal, unit: str,
                         *, t_rounding: str | None = None) -> Decimal:
    """T for Qn = ``nominal`` ``unit``, in that unit (Order 75 annex 3)."""
    quantity = _quantity(rules, unit)
    t_base, _mode = _t_base(rules, quantity, nominal * quantity.units[unit], t_rounding)
    return plain(t_base / quantity.units[unit])


def _quantity(rules: RuleSet, unit: str) -> Quantity:
    if not rules.has_tables:
        raise RuleError("rule_set.no_tables",
                        "the tables of {rule_set} are not on file, so it cannot judge",
                        rule_set=rules.short_name)
    quantity = rules.quantity_of(unit)
    if quantity is None:
        raise RuleError("unit.not_covered", "{rule_set} does not cover goods labelled in {unit}",
                        rule_set=rules.short_name, unit=unit)
    return quantity


def _t_base(rules: RuleSet, quantity: Quantity, q: Decimal,
            t_rounding: str | None) -> tuple[Decimal, str]:
    """T in base units and the rounding mode used."""
    with decimal.localcontext(CONTEXT):
        if q <= 0:
            raise RuleError("nominal.not_positive", "the nominal quantity must be more than 0")
        if quantity.max_nominal is not None and q > quantity.max_nominal:
            raise RuleError(
                "nominal.above_table",
                "{rule_set} gives no T above {limit} {unit}: a nominal quantity of {q} {unit} "
                "cannot be judged", rule_set=rules.short_name, limit=plain(quantity.max_nominal),
                unit=quantity.base_unit, q=plain(q))
        if quantity.whole_numbers and q != q.to_integral_value():
            raise RuleError("nominal.not_whole", "a count is a whole number, not {q}", q=plain(q))
        row = next((r for r in quantity.rows if r.holds(q)), None)
        if row is None:  # a gap in a table would be a data error; refuse rather than guess
            raise RuleError("nominal.above_table", "no row of {rule_set} holds {q} {unit}",
                            rule_set=rules.short_name, q=plain(q), unit=quantity.base_unit,
                            limit="")
        mode = "exact"
        if row.absolute is not None:
            return row.absolute, mode
        t = q * row.percent / 100
        if quantity.rounding == "ceiling_whole":
            # Order 75 annex 3, count: 进位到下一个紧邻的整数 (always up, whatever t_rounding says).
            return t.to_integral_value(rounding=decimal.ROUND_CEILING), "ceiling_whole"
        if quantity.rounding == "mass_volume":
            mode = t_rounding or rules.t_rounding_default or "none"
            if mode not in ROUNDING_MODES:
                raise RuleError("rounding.unknown", "{mode!r} is not a rounding of T (use one of "
                                "{modes})", mode=mode, modes=", ".join(ROUNDING_MODES))
            quantum = next(qn for r, qn in rules.t_quanta if r.holds(q))
            if ROUNDING_MODES[mode] is not None:
                t = t.quantize(quantum, rounding=ROUNDING_MODES[mode])
            return t, mode
        return t, mode


def plan_row(rules: RuleSet, lot_size: int, *, destructive: bool = False) -> PlanRow:
    rows = rules.destructive_plan if destructive else rules.plan
    if destructive and not rows:
        raise RuleError("plan.no_destructive", "{rule_set} has no destructive sampling plan",
                        rule_set=rules.short_name)
    row = next((r for r in rows if r.covers(lot_size)), None)
    if row is None:
        raise RuleError("lot.not_covered",
                        "{rule_set} has no sampling plan for a lot of {lot} (its plan starts at "
                        "{first})", rule_set=rules.short_name, lot=lot_size, first=rows[0].lot_min)
    return row


def parse_lot_size(value: object) -> int:
    if isinstance(value, bool):
        raise RuleError("lot.not_whole", "the lot size is a whole number of units, not {value!r}",
                        value=value)
    try:
        number = parse_number(value, field="lot_size")
    except RuleError:
        raise RuleError("lot.not_whole", "the lot size is a whole number of units, not {value!r}",
                        value=value) from None
    if number != number.to_integral_value():
        raise RuleError("lot.not_whole", "the lot size is a whole number of units, not {value!r}",
                        value=value)
    if number < 1:
        raise RuleError("lot.not_positive", "the lot size must be at least 1")
    return int(number)


# ---------------------------------------------------------------------------
# The judgement


@dataclass(frozen=True)
class Judgement:
    rule_set: str
    verdict: str  # "pass" or "fail"
    unit: str  # the nominal's unit: every quantity below is in it
    nominal: Decimal
    lot_size: int
    n: int
    t: Decimal  # T, the tolerable deficiency
    t_rounding: str  # how T was rounded: half_even, half_up, up, none, ceiling_whole or exact
    lam: Decimal | None
    mean: Decimal
    s: Decimal | None
    mean_limit: Decimal | None
    count_over_t: int
    count_over_2t: int
    allowed_over_t: int
    failed: tuple[str, ...]
    shortfalls: tuple[Decimal, ...]  # Qn − q_i for every unit, in the nominal's unit
    classes: tuple[str, ...]  # "ok", "over_T" or "over_2T" for every unit
    mean_n: int
    stage: int  # 1, or 2 when a double plan's second sample decided

    def as_dict(self, *, places: int | None = None) -> dict:
        """The command-line output: numbers as decimal strings in the nominal's unit."""
        p = self.display_places if places is None else places
        return {
            "rule_set": self.rule_set,
            "verdict": self.verdict,
            "unit": self.unit,
            "n": self.n,
            "T": plain(self.t),
            "t_rounding": self.t_rounding,
            "lambda": None if self.lam is None else plain(self.lam),
            "mean": _fixed(self.mean, p),
            "s": None if self.s is None else _fixed(self.s, p),
            "mean_limit": None if self.mean_limit is None else _fixed(self.mean_limit, p),
            "count_over_T": self.count_over_t,
            "count_over_2T": self.count_over_2t,
            "allowed_over_T": self.allowed_over_t,
            "failed": list(self.failed),
        }

    @property
    def display_places(self) -> int:
        """Mean, s and the limit are shown to 3 more places than the finest value (5.5.2 of
        JJF 1070-2005, on rounding them, was not read: they are compared unrounded)."""
        finest = max((-d.as_tuple().exponent for d in (*self.shortfalls, self.nominal)), default=0)
        return max(finest, 0) + 3


@dataclass(frozen=True)
class _Lot:
    """A lot as given: its unit and quantity, Qn, its size and the measured contents, each in
    the nominal's unit."""
    unit: str
    quantity: Quantity
    nominal: Decimal
    size: int
    measured: tuple[Decimal, ...]


@dataclass(frozen=True)
class _Units:
    """How the units of the sample were judged one by one (the individual criterion)."""
    stage: int
    allowed: int
    count_t: int
    count_2t: int
    failed: tuple[str, ...]


def judge(
    *,
    rule_set: str | RuleSet,
    nominal: object,
    unit: object,
    lot_size: object,
    values: Sequence[object],
    values_unit: object = None,
    t_rounding: str | None = None,
    destructive: bool = False,
) -> Judgement:
    """Judge one lot from its sample, one clause of the rule set after the other (each step
    below names its clause). Raises RuleError for input that cannot be judged."""
    rules = rule_set if isinstance(rule_set, RuleSet) else rule_set_of(rule_set)
    lot = _lot(rules, nominal, unit, lot_size, values, values_unit)
    with decimal.localcontext(CONTEXT):
        t_base, mode = _t_base(rules, lot.quantity, lot.nominal * lot.quantity.units[lot.unit],
                               t_rounding)
        t = t_base / lot.quantity.units[lot.unit]
        row = plan_row(rules, lot.size, destructive=destructive)
        n_first = _sample_size(rules, row, lot)
        shortfalls = tuple(lot.nominal - q for q in lot.measured)
        classes = tuple(_class(d, t) for d in shortfalls)
        units = _individual(rules, row, classes, n_first)
        sample = lot.measured if units.stage == 2 else lot.measured[:n_first]
        mean_sample = sample[: row.mean_n] if row.mean_n else sample
        mean, s, limit = _mean_test(row, lot.nominal, mean_sample)
    failed = (*units.failed, *(("mean",) if limit is not None and mean < limit else ()))
    return Judgement(
        rule_set=rules.id, verdict="fail" if failed else "pass", unit=lot.unit,
        nominal=lot.nominal, lot_size=lot.size, n=len(sample), t=_plain_dec(t), t_rounding=mode,
        lam=row.lam if row.mean_test else None, mean=mean, s=s, mean_limit=limit,
        count_over_t=units.count_t, count_over_2t=units.count_2t, allowed_over_t=units.allowed,
        failed=tuple(f for f in FAILURES if f in failed), shortfalls=shortfalls, classes=classes,
        mean_n=len(mean_sample), stage=units.stage,
    )


def _lot(rules: RuleSet, nominal: object, unit: object, lot_size: object,
         values: Sequence[object], values_unit: object) -> _Lot:
    """The input read: a unit the rule set covers, values of the same quantity (converted to
    the nominal's unit), Qn and the lot size as numbers, no negative content."""
    unit = parse_unit(unit)
    quantity = _quantity(rules, unit)
    v_unit = unit if values_unit in (None, "") else parse_unit(values_unit, field="values_unit")
    if v_unit not in quantity.units:
        raise RuleError("unit.mismatch",
                        "values in {values_unit} do not measure the same quantity as a nominal "
                        "in {unit}", values_unit=v_unit, unit=unit)
    qn = parse_number(nominal, field="nominal")
    size = parse_lot_size(lot_size)
    if isinstance(values, str | bytes) or not isinstance(values, Sequence):
        raise RuleError("values.not_list", "values must be a list of measured contents")
    with decimal.localcontext(CONTEXT):
        factor = quantity.units[v_unit] / quantity.units[unit]  # exact: powers of ten apart
        measured = []
        for i, raw in enumerate(values, start=1):
            value = parse_number(raw, field=f"values[{i}]")
            if value < 0:
                raise RuleError("value.negative",
                                "values[{i}]: a content cannot be negative ({value})",
                                i=i, value=raw)
            measured.append(value * factor)
    return _Lot(unit, quantity, qn, size, tuple(measured))


def _sample_size(rules: RuleSet, row: PlanRow, lot: _Lot) -> int:
    """The sampling plan by lot size (Order 75 annex 4; lots of 1-10: every unit): the size of
    the first sample. A double plan (76/211/EEC) also takes both samples together."""
    n_first = lot.size if row.n is None else row.n
    if len(lot.measured) != n_first:
        second = row.second_stage
        if second is None or len(lot.measured) != second.cumulative_n:
            expected = str(n_first) if second is None else f"{n_first} / {second.cumulative_n}"
            raise RuleError("sample.size",
                            "a lot of {lot} takes a sample of {expected} units under "
                            "{rule_set}, not {got}", lot=lot.size, expected=expected,
                            rule_set=rules.short_name, got=len(lot.measured))
    return n_first


def _individual(rules: RuleSet, row: PlanRow, classes: tuple[str, ...], n_first: int) -> _Units:
    """The individual criterion (JJF 1070-2005: at most ``allowed_over_T`` units short by more
    than T, none by more than 2T); a double plan's first sample decides or calls the second."""
    stage, allowed = 1, row.allowed_over_t
    individual_fail = False
    if row.second_stage is not None:
        stage, allowed, individual_fail = _double_plan(rules, row, classes, n_first)
    judged = classes if stage == 2 else classes[:n_first]
    count_2t = sum(c == "over_2T" for c in judged)
    count_t = sum(c == "over_T" for c in judged)
    failed = []
    if row.allowed_over_2t is not None and count_2t > row.allowed_over_2t:
        failed.append("over_2T")
    if row.second_stage is None:
        over = count_t if row.allowed_over_2t is not None else count_t + count_2t
        if over > allowed:
            failed.append("over_T")
    elif individual_fail:
        failed.append("over_T")
    return _Units(stage, allowed, count_t, count_2t, tuple(failed))


def _double_plan(rules: RuleSet, row: PlanRow, classes: tuple[str, ...],
                 n_first: int) -> tuple[int, int, bool]:
    """(stage, units allowed over T, failed) of a double plan (76/211/EEC annex II): the first
    sample accepts or rejects outright, or the second sample, counted with it, decides."""
    allowed = row.allowed_over_t
    defective = sum(c != "ok" for c in classes[:n_first])
    if defective >= (row.rejection_over_t or allowed + 1):
        return 1, allowed, True
    if defective <= allowed:  # a decisive first sample: a second one given is not counted
        return 1, allowed, False
    if len(classes) == n_first:
        raise RuleError(
            "sample.second_stage", "the first sample has {found} defective units: "
            "{rule_set} takes a second sample of {more} (give all {total} values)",
            found=defective, rule_set=rules.short_name, more=row.second_stage.n,
            total=row.second_stage.cumulative_n)
    allowed = row.second_stage.allowed_over_t
    return 2, allowed, sum(c != "ok" for c in classes) > allowed


def _mean_test(row: PlanRow, qn: Decimal, sample: Sequence[Decimal]
               ) -> tuple[Decimal, Decimal | None, Decimal | None]:
    """(q̄, s, the limit Qn − λ·s or None where the plan has no mean test): JJF 1070-2005
    q̄ ≥ Qn − λ·s for lots of 11 and more, s with n − 1."""
    mean = _mean(sample)
    s = _stdev(sample, mean)
    if not row.mean_test:
        return mean, s, None
    return mean, s, qn - (row.lam or 0) * (s or 0)


def rule_set_of(rule_set_id: object) -> RuleSet:
    if not isinstance(rule_set_id, str):
        raise RuleError("rule_set.unknown", "no rule set {rule_set} is on file (known: {known})",
                        rule_set=rule_set_id, known=", ".join(sorted(rule_sets())))
    return rule_set(rule_set_id.strip().lower())


def _class(shortfall: Decimal, t: Decimal) -> str:
    # JJF 1070-2005: a shortfall equal to T is acceptable; one equal to 2T is T1-class.
    if shortfall > 2 * t:
        return "over_2T"
    if shortfall > t:
        return "over_T"
    return "ok"


def _mean(values: Sequence[Decimal]) -> Decimal:
    return sum(values, Decimal(0)) / len(values)


def _stdev(values: Sequence[Decimal], mean: Decimal) -> Decimal | None:
    """The sample standard deviation, n − 1 in the denominator; None for a single unit."""
    if len(values) < 2:
        return None
    return (sum(((v - mean) ** 2 for v in values), Decimal(0)) / (len(values) - 1)).sqrt()


def _plain_dec(value: Decimal) -> Decimal:
    return value.normalize() if value != 0 else Decimal(0)


def plain(value: Decimal) -> str:
    """A decimal without exponent or trailing zeros: 15, 5.8, 0.022."""
    return format(_plain_dec(value), "f")


def _fixed(value: Decimal, places: int) -> str:
    with decimal.localcontext(CONTEXT):
        return format(value.quantize(Decimal(1).scaleb(-places)), "f")


# ---------------------------------------------------------------------------
# Command line


def run(payload: object) -> dict:
    """The command-line contract as a function: a judgement dict, or RuleError."""
    if not isinstance(payload, dict):
        raise RuleError("input.not_object", "the input must be one JSON object")
    missing = [k for k in ("rule_set", "nominal", "unit", "lot_size", "values") if k not in payload]
    if missing:
        raise RuleError("input.missing", "missing: {keys}", keys=", ".join(missing))
    judgement = judge(
        rule_set=payload["rule_set"], nominal=payload["nominal"], unit=payload["unit"],
        lot_size=payload["lot_size"], values=payload["values"],
        values_unit=payload.get("values_unit"), t_rounding=payload.get("t_rounding"),
        destructive=bool(payload.get("destructive", False)),
    )
    return judgement.as_dict()


def main(stdin=None, stdout=None) -> int:
    stdin = stdin or sys.stdin
    stdout = stdout or sys.stdout
    try:
        try:
            payload = json.loads(stdin.read(), parse_float=Decimal)
        except (ValueError, UnicodeDecodeError) as error:
            raise RuleError("input.json", "the input is not valid JSON: {error}",
                            error=str(error)) from None
        result = run(payload)
    except RuleError as error:
        stdout.write(json.dumps({"error": str(error)}, ensure_ascii=False) + "\n")
        return 2
    stdout.write(json.dumps(result, ensure_ascii=False) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
