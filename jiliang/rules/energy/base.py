"""The data files and the editions of the standards every energy rule is keyed by."""

from __future__ import annotations

import datetime
import json
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import cache
from pathlib import Path

from jiliang.rules import RuleError

DATA = Path(__file__).resolve().parent.parent / "data"
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

def decimal_of(value: object, name: str) -> Decimal:
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


