"""The equipping rate of energy meters (GB 17167-2006 3.2, 4.3, Table 1)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal

from jiliang.rules import RuleError
from jiliang.rules.energy.base import LEVELS, equipping_edition, metering_table

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


