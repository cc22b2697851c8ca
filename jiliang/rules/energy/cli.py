"""Command line, for scripts and other systems (one JSON object in on standard input, one
out; numbers as decimal strings; exit status 2 with ``{"error": ...}`` for input it cannot
judge)::

    python -m jiliang.rules.energy convert    < {"edition": "gbt2589-2008", "items": [...]}
    python -m jiliang.rules.energy equipping  < {"edition": "gb17167-2006", "cells": [...]}
"""

from __future__ import annotations

import json
import sys
from collections.abc import Mapping, Sequence
from decimal import Decimal

from jiliang.rules import RuleError
from jiliang.rules.energy.conversion import convert
from jiliang.rules.energy.equipping import Cell, equipping_assess

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
    if isinstance(value, str) and value.strip().isascii() and value.strip().isdigit():
        return int(value.strip())  # ("²".isdigit() holds, but int() refuses it)
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
