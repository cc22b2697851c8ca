"""Data quality of metered data (the online-monitoring rules of energy_metering.json)."""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from jiliang.rules import RuleError
from jiliang.rules.energy.base import metering_table
from jiliang.rules.months import next_month

# ---------------------------------------------------------------------------
# Data quality of metered data
# ---------------------------------------------------------------------------

def _dq() -> dict:
    return metering_table()["online_monitoring"]["data_quality_requirements"]


def completeness_min_percent() -> int:
    """The share of due readings that must arrive (90 %, online-monitoring data-quality rule:
    data_quality_requirements.completeness.min_percent, inclusive)."""
    return int(_dq()["completeness"]["min_percent"])


def collection_intervals() -> tuple[int, ...]:
    """The collection intervals in minutes: 15 as the standard, 30 or 60 where relaxed
    (online-monitoring end-device spec, end_device.collection_frequency)."""
    spec = metering_table()["online_monitoring"]["end_device"]["collection_frequency"]
    return (int(spec["realtime_interval_min"]), *(int(m) for m in spec["relaxed_interval_min"]))


# How far off the collection grid a reading may lie: ± 1 min, as a daily value may start
# (data_quality_requirements.stat_time_offset.daily_max, "00:00 +/- 1 min").
GRID_TOLERANCE_S = 60


def completeness_ok(received: int, expected: int, *, min_percent: int | None = None) -> bool:
    """received / expected * 100 >= 90 (online-monitoring data-quality rule, inclusive)."""
    threshold = completeness_min_percent() if min_percent is None else min_percent
    if expected <= 0:
        return True
    return received * 100 >= threshold * expected


def expected_points(start: datetime.datetime, end: datetime.datetime, interval_min: int) -> int:
    """Readings due in [start, end) at the collection interval."""
    if end <= start:
        return 0
    return int((end - start) // datetime.timedelta(minutes=interval_min))


@dataclass(frozen=True)
class Gap:
    start: datetime.datetime  # the first missing slot
    end: datetime.datetime  # the last missing slot
    missing: int


def gaps(times: Sequence[datetime.datetime], start: datetime.datetime, end: datetime.datetime,
         interval_min: int = 15, tolerance_s: int = GRID_TOLERANCE_S) -> list[Gap]:
    """Slots of the collection grid in [start, end) with no reading within the tolerance."""
    step = datetime.timedelta(minutes=interval_min)
    tol = datetime.timedelta(seconds=tolerance_s)
    ordered = sorted(times)
    out: list[Gap] = []
    i, slot, run_start, run = 0, start, None, 0
    while slot < end:
        while i < len(ordered) and ordered[i] < slot - tol:
            i += 1
        hit = i < len(ordered) and abs(ordered[i] - slot) <= tol
        if hit:
            if run:
                out.append(Gap(run_start, slot - step, run))
                run = 0
        else:
            if not run:
                run_start = slot
            run += 1
        slot += step
    if run:
        out.append(Gap(run_start, slot - step, run))
    return out


def misaligned(times: Iterable[datetime.datetime], interval_min: int = 15,
               tolerance_s: int = GRID_TOLERANCE_S) -> list[datetime.datetime]:
    """Readings more than the tolerance off the collection grid (00:00 + k x interval)."""
    period = interval_min * 60
    out = []
    for t in times:
        seconds = t.hour * 3600 + t.minute * 60 + t.second + t.microsecond / 1e6
        offset = seconds % period
        if min(offset, period - offset) > tolerance_s:
            out.append(t)
    return out


def period_start_aligned(start: datetime.datetime, period: str) -> bool:
    """A daily value starts at 00:00 ± 1 min; a monthly one on the 1st at 00:00 ± 1 day."""
    if period == "day":
        midnight = start.replace(hour=0, minute=0, second=0, microsecond=0)
        offset = min(start - midnight, midnight + datetime.timedelta(days=1) - start)
        return offset <= datetime.timedelta(minutes=1)
    if period == "month":
        first = start.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
        nxt = next_month(first)
        offset = min(start - first, nxt - start)
        return offset <= datetime.timedelta(days=1)
    raise RuleError("period.unknown", "period is 'day' or 'month'")


@dataclass(frozen=True)
class Decrease:
    at: datetime.datetime
    previous: Decimal
    value: Decimal


def register_decreases(readings: Sequence[tuple[datetime.datetime, Decimal]], *,
                       register_max: Decimal | None = None,
                       replacements: Iterable[datetime.datetime] = ()) -> list[Decrease]:
    """A cumulative register must not go down, but for a rollover past ``register_max``
    or a recorded meter replacement at that time."""
    replaced = set(replacements)
    out = []
    previous = None
    for at, value in sorted(readings):
        if previous is not None and value < previous and at not in replaced and not (
                register_max is not None and _is_rollover(previous, value, register_max)):
            out.append(Decrease(at, previous, value))
        previous = value
    return out


def _is_rollover(previous: Decimal, value: Decimal, register_max: Decimal) -> bool:
    # A rollover leaves the register near zero after being near its maximum.
    return previous > register_max / 2 and value < register_max / 2


def interval_delta(previous: Decimal | None, value: Decimal,
                   register_max: Decimal | None = None) -> tuple[Decimal, bool]:
    """(consumption in register units, decreased?) between two consecutive readings."""
    if previous is None:
        return Decimal(0), False
    if value >= previous:
        return value - previous, False
    if register_max is not None and _is_rollover(previous, value, register_max):
        return register_max - previous + value, False
    return Decimal(0), True


def daily_vs_monthly_ok(daily_sum: Decimal, monthly: Decimal, *,
                        max_percent: int | None = None) -> bool:
    """|sum(daily) - monthly| / monthly * 100 <= 5 (online-monitoring data-quality rule)."""
    limit = _dq()["consistency"]["max_percent"] if max_percent is None else max_percent
    if monthly == 0:
        return daily_sum == 0
    return abs(daily_sum - monthly) * 100 <= limit * abs(monthly)


@dataclass(frozen=True)
class Balance:
    main: Decimal
    subs: Decimal
    deviation_percent: Decimal | None
    ok: bool


def balance(main: Decimal, subs: Iterable[Decimal], *, tolerance_percent: Decimal | None) -> Balance:
    """Main meter against the sum of its sub-meters; the tolerance has no normative default."""
    if tolerance_percent is None:
        raise RuleError("balance.tolerance", "no tolerance is configured for the balance of main "
                        "and sub-meters (no normative value exists)")
    total = sum(subs, Decimal(0))
    if main == 0:
        return Balance(main, total, None, total == 0)
    deviation = abs(main - total) * 100 / abs(main)
    return Balance(main, total, deviation.quantize(Decimal("0.01")),
                   abs(main - total) * 100 <= Decimal(tolerance_percent) * abs(main))


def reading_lapsed(at: datetime.date, periods: Iterable[tuple[datetime.date | None,
                                                              datetime.date | None]]) -> bool:
    """True when no verification or calibration period covers the day of the reading
    (GB 17167-2006 5.3.5: instruments past their period must not be used)."""
    for start, until in periods:
        if (start is None or start <= at) and (until is None or at <= until):
            return False
    return True


