"""T, the tolerable deficiency (Order 75 annex 3), and the sampling plan by lot size (annex 4)."""

from __future__ import annotations

import decimal
from decimal import Decimal

from jiliang.rules import RuleError
from jiliang.rules.netcontent.quantities import CONTEXT, plain
from jiliang.rules.netcontent.rulesets import PlanRow, Quantity, RuleSet

ROUNDING_MODES = {
    "half_even": decimal.ROUND_HALF_EVEN,
    "half_up": decimal.ROUND_HALF_UP,
    "up": decimal.ROUND_CEILING,
    "none": None,
}


def tolerable_deficiency(rules: RuleSet, nominal: Decimal, unit: str,
                         *, t_rounding: str | None = None) -> Decimal:
    """T for Qn = ``nominal`` ``unit``, in that unit (Order 75 annex 3)."""
    quantity = quantity_judged(rules, unit)
    t_base, _mode = t_in_base(rules, quantity, nominal * quantity.units[unit], t_rounding)
    return plain(t_base / quantity.units[unit])


def quantity_judged(rules: RuleSet, unit: str) -> Quantity:
    if not rules.has_tables:
        raise RuleError("rule_set.no_tables",
                        "the tables of {rule_set} are not on file, so it cannot judge",
                        rule_set=rules.short_name)
    quantity = rules.quantity_of(unit)
    if quantity is None:
        raise RuleError("unit.not_covered", "{rule_set} does not cover goods labelled in {unit}",
                        rule_set=rules.short_name, unit=unit)
    return quantity


def t_in_base(rules: RuleSet, quantity: Quantity, q: Decimal,
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
