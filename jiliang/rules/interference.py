"""Patterns in energy meter data that mean interference, kept apart from data-quality faults.

Issue 18 (work plan 二.5, 四.4). A data-quality fault is data missing, late, off the grid or
inconsistent (``rules.energy``: completeness, gaps, alignment, monotonicity, daily against
monthly). The patterns here are judged on days whose data is complete, so that they are not
explained by a fault of collection:

- a flat line: a meter whose register has not moved for ``min_days`` complete days in a row;
- a reading below the one before, on a day no meter change was filed (a new meter is verified
  or calibrated when it is put in: a verification or calibration dated that day or the day
  before counts as filed);
- a day's total of a main meter off the sum of its sub-meters by more than the tolerance, all of
  them complete that day (GB 17167-2006 5.3: the balance of the levels; the tolerance has no
  normative value and is configured);
- readings while the meter's verification or calibration had lapsed (GB 17167-2006 5.3.5).

Pure functions over per-day figures; no Django.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from jiliang.rules import energy as energy_rules

FLAT_LINE = "flat_line"
UNFILED_SWAP = "unfiled_swap"
SUB_METER_BALANCE = "sub_meter_balance"
LAPSED = "lapsed_readings"
PATTERNS = (FLAT_LINE, UNFILED_SWAP, SUB_METER_BALANCE, LAPSED)
ONE_DAY = datetime.timedelta(days=1)


@dataclass(frozen=True)
class Day:
    day: datetime.date
    readings: int
    consumption: Decimal
    decreases: int = 0
    lapsed: int = 0


@dataclass(frozen=True)
class Pattern:
    code: str
    meter_id: int
    start: datetime.date
    end: datetime.date
    params: dict = field(default_factory=dict)


def _complete(day: Day | None, per_day: int) -> bool:
    return day is not None and energy_rules.completeness_ok(day.readings, per_day)


def flat_lines(days: Mapping[int, Iterable[Day]], *, per_day: int,
               min_days: int) -> list[Pattern]:
    """Runs of at least ``min_days`` consecutive complete days with no consumption."""
    out = []
    for meter_id, series in days.items():
        run: list[Day] = []
        for day in sorted(series, key=lambda d: d.day):
            flat = _complete(day, per_day) and day.consumption == 0 and not day.decreases
            if flat and (not run or day.day == run[-1].day + ONE_DAY):
                run.append(day)
                continue
            if len(run) >= min_days:
                out.append(Pattern(FLAT_LINE, meter_id, run[0].day, run[-1].day,
                                   {"days": len(run)}))
            run = [day] if flat else []
        if len(run) >= min_days:
            out.append(Pattern(FLAT_LINE, meter_id, run[0].day, run[-1].day, {"days": len(run)}))
    return out


def unfiled_swaps(days: Mapping[int, Iterable[Day]], *,
                  filed: Mapping[int, set[datetime.date]]) -> list[Pattern]:
    """Days with a reading below the one before and no meter change filed that day or the day
    before."""
    out = []
    for meter_id, series in days.items():
        changes = filed.get(meter_id, set())
        for day in series:
            if day.decreases and day.day not in changes and day.day - ONE_DAY not in changes:
                out.append(Pattern(UNFILED_SWAP, meter_id, day.day, day.day,
                                   {"decreases": day.decreases}))
    return out


def sub_meter_balances(main_id: int, main: Mapping[datetime.date, Day],
                       subs: Mapping[int, Mapping[datetime.date, Day]], *, per_day: int,
                       tolerance_percent: Decimal) -> list[Pattern]:
    """Days on which the main meter and every sub-meter are complete and the main meter's total
    is off the sub-meters' sum by more than the tolerance (at it is within)."""
    out = []
    for on, day in sorted(main.items()):
        if not _complete(day, per_day):
            continue
        parts = [series.get(on) for series in subs.values()]
        if not all(_complete(p, per_day) for p in parts):
            continue
        result = energy_rules.balance(day.consumption, [p.consumption for p in parts],
                                      tolerance_percent=tolerance_percent)
        if not result.ok:
            out.append(Pattern(SUB_METER_BALANCE, main_id, on, on, {
                "main": str(result.main), "subs": str(result.subs),
                "deviation": None if result.deviation_percent is None
                else str(result.deviation_percent),
                "tolerance": str(tolerance_percent)}))
    return out


def lapsed_readings(days: Mapping[int, Iterable[Day]]) -> list[Pattern]:
    """Each meter's stretch of days with readings taken while it was out of its period."""
    out = []
    for meter_id, series in days.items():
        hit = sorted((d for d in series if d.lapsed), key=lambda d: d.day)
        if hit:
            out.append(Pattern(LAPSED, meter_id, hit[0].day, hit[-1].day,
                               {"readings": sum(d.lapsed for d in hit), "days": len(hit)}))
    return out
