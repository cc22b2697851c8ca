"""Reading the input: numbers, units and the lot size, each refused with a RuleError naming the
field; and the plain decimal text every figure is shown in."""

from __future__ import annotations

import decimal
from decimal import Decimal

from jiliang.rules import RuleError

# Every computation runs in this context, whatever the caller's global one is.
CONTEXT = decimal.Context(prec=40, rounding=decimal.ROUND_HALF_EVEN)

# Units accepted on input, by the spelling a clerk or a script may use.
UNIT_ALIASES = {
    "g": "g", "kg": "kg", "ml": "mL", "l": "L", "mm": "mm", "cm": "cm", "m": "m",
    "mm2": "mm2", "cm2": "cm2", "dm2": "dm2", "m2": "m2", "mm²": "mm2", "cm²": "cm2",
    "dm²": "dm2", "m²": "m2", "items": "items", "item": "items", "pcs": "items",
}


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


def plain_dec(value: Decimal) -> Decimal:
    return value.normalize() if value != 0 else Decimal(0)


def plain(value: Decimal) -> str:
    """A decimal without exponent or trailing zeros: 15, 5.8, 0.022."""
    return format(plain_dec(value), "f")


def fixed(value: Decimal, places: int) -> str:
    with decimal.localcontext(CONTEXT):
        return format(value.quantize(Decimal(1).scaleb(-places)), "f")
