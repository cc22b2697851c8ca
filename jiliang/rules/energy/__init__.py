"""Energy metering of energy-using units: GB 17167, GB/T 2589 and the data-quality checks.

Pure Python, no Django. The tables are the data files
``data/energy_metering.json`` (GB 17167-2006 Tables 1 and 4, the Art. 52
tiers, DL/T 448-2000 user classes, the online-monitoring data rules) and
``data/energy_conversion.json`` (GB/T 2589-2008 and -2020 coefficients),
copied from the project's reference files with their sources and confidence.
Every rule is keyed by the edition of its standard.

Command line, for scripts and other systems (one JSON object in on standard
input, one out; numbers as decimal strings; exit status 2 with
``{"error": ...}`` for input it cannot judge)::

    python -m jiliang.rules.energy convert    < {"edition": "gbt2589-2008", "items": [...]}
    python -m jiliang.rules.energy equipping  < {"edition": "gb17167-2006", "cells": [...]}

One module per part, re-exported here: ``base`` (data files, editions), ``tiers``,
``equipping`` (Table 1), ``accuracy`` (Table 4), ``conversion`` (GB/T 2589), ``quality``,
``cli`` (and ``__main__``).
"""

from jiliang.rules.energy import base
from jiliang.rules.energy.accuracy import (
    ROMAN_CLASSES,
    AccuracyClass,
    AccuracyResult,
    accuracy_check,
    accuracy_row,
    class_meets,
    electricity_user_class,
    parse_class,
    table4,
)
from jiliang.rules.energy.base import (
    CONVERSION_EDITIONS,
    DATA,
    EQUIPPING_EDITIONS,
    LEVELS,
    Edition,
    conversion_edition,
    conversion_edition_on,
    conversion_table,
    decimal_of,
    equipping_edition,
    metering_table,
)
from jiliang.rules.energy.cli import (
    COMMANDS,
    cli_convert,
    cli_equipping,
    main,
)
from jiliang.rules.energy.conversion import (
    ELECTRICITY_BASES,
    HEAT_UNITS,
    UNIT_FACTORS,
    Carrier,
    Conversion,
    ConversionRow,
    carriers,
    coefficient,
    convert,
    kj_per_kgce,
    to_table_unit,
)
from jiliang.rules.energy.equipping import (
    EXCLUSION_GROUNDS,
    Cell,
    CellResult,
    energy_ids,
    equipping_assess,
    equipping_cell,
    exclusion_allowed,
    required_rate,
    table1,
)
from jiliang.rules.energy.quality import (
    GRID_TOLERANCE_S,
    Balance,
    Decrease,
    Gap,
    balance,
    collection_intervals,
    completeness_min_percent,
    completeness_ok,
    daily_vs_monthly_ok,
    expected_points,
    gaps,
    interval_delta,
    misaligned,
    period_start_aligned,
    reading_lapsed,
    register_decreases,
)
from jiliang.rules.energy.tiers import (
    Tier,
    key_unit_tier,
)
from jiliang.rules.energy.vocabulary import (
    Term,
    carrier_names,
    default_carriers,
    energy_types,
    instrument_types,
    mpe_instruments,
    register_units,
)
from jiliang.rules.energy.vocabulary import check as vocabulary_check


def refresh() -> None:
    """Read the data files again: the tables and vocabularies are cached once read."""
    for cached in (base._table, carriers, energy_types, default_carriers, instrument_types,
                   mpe_instruments, register_units, carrier_names):
        cached.cache_clear()


__all__ = [
    "Term",
    "carrier_names",
    "default_carriers",
    "energy_types",
    "instrument_types",
    "mpe_instruments",
    "refresh",
    "register_units",
    "vocabulary_check",
    "AccuracyClass",
    "AccuracyResult",
    "Balance",
    "COMMANDS",
    "CONVERSION_EDITIONS",
    "Carrier",
    "Cell",
    "CellResult",
    "Conversion",
    "ConversionRow",
    "DATA",
    "Decrease",
    "ELECTRICITY_BASES",
    "EQUIPPING_EDITIONS",
    "EXCLUSION_GROUNDS",
    "Edition",
    "GRID_TOLERANCE_S",
    "Gap",
    "HEAT_UNITS",
    "LEVELS",
    "ROMAN_CLASSES",
    "Tier",
    "UNIT_FACTORS",
    "accuracy_check",
    "accuracy_row",
    "balance",
    "carriers",
    "class_meets",
    "cli_convert",
    "cli_equipping",
    "coefficient",
    "collection_intervals",
    "completeness_min_percent",
    "completeness_ok",
    "conversion_edition",
    "conversion_edition_on",
    "conversion_table",
    "convert",
    "daily_vs_monthly_ok",
    "decimal_of",
    "electricity_user_class",
    "energy_ids",
    "equipping_assess",
    "equipping_cell",
    "equipping_edition",
    "exclusion_allowed",
    "expected_points",
    "gaps",
    "interval_delta",
    "key_unit_tier",
    "kj_per_kgce",
    "main",
    "metering_table",
    "misaligned",
    "parse_class",
    "period_start_aligned",
    "reading_lapsed",
    "register_decreases",
    "required_rate",
    "table1",
    "table4",
    "to_table_unit",
]
