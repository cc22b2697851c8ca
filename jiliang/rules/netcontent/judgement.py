"""The judgement of a lot, one step per clause of the rule set: the lot read, T, the plan by lot
size, the individual criterion (with the double plan of 76/211/EEC) and the mean test."""

from __future__ import annotations

import decimal
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from jiliang.rules import RuleError
from jiliang.rules.netcontent.quantities import (
    CONTEXT,
    fixed,
    parse_lot_size,
    parse_number,
    parse_unit,
    plain,
    plain_dec,
)
from jiliang.rules.netcontent.rulesets import PlanRow, Quantity, RuleSet, rule_set_of
from jiliang.rules.netcontent.tolerance import plan_row, quantity_judged, t_in_base

FAILURES = ("over_2T", "over_T", "mean")


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
            "mean": fixed(self.mean, p),
            "s": None if self.s is None else fixed(self.s, p),
            "mean_limit": None if self.mean_limit is None else fixed(self.mean_limit, p),
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
        t_base, mode = t_in_base(rules, lot.quantity,
                                 lot.nominal * lot.quantity.units[lot.unit], t_rounding)
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
        nominal=lot.nominal, lot_size=lot.size, n=len(sample), t=plain_dec(t), t_rounding=mode,
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
    quantity = quantity_judged(rules, unit)
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
