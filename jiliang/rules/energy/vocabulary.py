"""The vocabularies of energy metering, from the data files with their names in Chinese and
English: the energy types of GB 17167-2006 Table 1 (and the GB/T 2589 carrier each converts as
by default), the instrument types of a ledger line, the carriers and working media of GB/T 2589.

Adding an energy type, an instrument type or a carrier is a change of
``data/energy_metering.json`` or ``data/energy_conversion.json`` alone: the app takes its
choices, names and defaults from here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache

from jiliang.rules.energy.base import conversion_table, metering_table


@dataclass(frozen=True)
class Term:
    id: str
    name_zh: str
    name_en: str

    def name(self, language: str) -> str:
        """The name in ``language`` (a Django language code): Chinese unless it is English."""
        return self.name_en if language.startswith("en") and self.name_en else self.name_zh


@cache
def energy_types() -> dict[str, Term]:
    """The energy types of GB 17167-2006 Table 1, in its order."""
    rows = metering_table()["table1_equipping_rate_percent"]["rows"]
    return {r["id"]: Term(r["id"], r.get("name_zh") or r["energy_zh"], r.get("name_en", ""))
            for r in rows}


@cache
def default_carriers() -> Mapping[str, str]:
    """The GB/T 2589 carrier a meter of each energy type converts as when its line names none."""
    rows = metering_table()["table1_equipping_rate_percent"]["rows"]
    return {r["id"]: r["default_carrier"] for r in rows if r.get("default_carrier")}


@cache
def instrument_types() -> dict[str, Term]:
    return {r["id"]: Term(r["id"], r["name_zh"], r["name_en"])
            for r in metering_table()["instrument_types"]["rows"]}


@cache
def mpe_instruments() -> tuple[str, ...]:
    """The instrument types Table 4 judges by their maximum permissible error, not a class."""
    return tuple(r["id"] for r in metering_table()["instrument_types"]["rows"]
                 if r.get("judged_by_mpe"))


@cache
def register_units() -> Mapping[str, str]:
    """The unit a register counts in by default, by carrier (else the coefficient's unit)."""
    return dict(metering_table()["meter_register_units"]["units"])


@cache
def carrier_names() -> dict[str, Term]:
    """Every fuel and working medium of GB/T 2589, by its id, with its names."""
    table = conversion_table()
    rows = [*table["fuels"], *table["energy_carrying_media"]["rows"]]
    return {r["id"]: Term(r["id"], r["name_zh"], r.get("name_en", "")) for r in rows}


def check() -> list[str]:
    """Everything wrong with the vocabularies (an empty list when they are sound)."""
    carriers = carrier_names()
    problems = [f"energy type {e}: no English name" for e, t in energy_types().items()
                if not t.name_en]
    problems += [f"energy type {e}: default carrier {c} is not in GB/T 2589"
                 for e, c in default_carriers().items()
                 if c != "electricity" and c not in carriers]
    problems += [f"carrier {c}: no English name" for c, t in carriers.items() if not t.name_en]
    problems += [f"register unit for {c}: not a carrier" for c in register_units()
                 if c != "electricity" and c not in carriers]
    return problems
