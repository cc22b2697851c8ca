"""The daily figures (``DailyEnergy``) of a batch: readings in time order add to their days, a
reading older than the meter's last one rebuilds the days it touches from the raw readings, and
the batch's meter-days go in with one set-based upsert."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.db import connection
from django.db.models import Max, Min

from jiliang.core import signed_batches
from jiliang.energy.ingest.ledger import MeterState
from jiliang.energy.models import DailyEnergy, Meter, Reading
from jiliang.rules import energy as rules
from jiliang.rules.energy import interval_delta

ONE_US = datetime.timedelta(microseconds=1)
NULL = signed_batches.NULL


@dataclass(slots=True)
class DayAgg:
    consumption: Decimal = Decimal(0)
    readings: int = 0
    lapsed: int = 0
    misaligned: int = 0
    decreases: int = 0
    first_at: datetime.datetime | None = None
    last_at: datetime.datetime | None = None
    last_value: Decimal | None = None


class Aggregator:
    """Daily figures of meters from readings taken in time order, one meter at a time."""

    def __init__(self, meters: dict[int, MeterState], periods: dict[int, list],
                 interval_min: int, tz) -> None:
        self.meters = meters
        self.periods = periods
        self.period_s = interval_min * 60
        self.tolerance_s = rules.GRID_TOLERANCE_S  # how far off the grid is misaligned
        self.tz = tz
        self.days: dict[tuple[int, datetime.date], DayAgg] = {}
        self.state: dict[int, tuple[datetime.datetime | None, Decimal | None]] = {}
        self._lapsed_cache: dict[tuple[int, datetime.date], bool] = {}
        self._open: dict[int, list] = {}
        self._times: dict[datetime.datetime, tuple[datetime.date, bool, bool]] = {}
        self._day_start = self._day_end = None
        self._day: datetime.date | None = None

    def _local(self, at: datetime.datetime) -> tuple[datetime.date, int]:
        """(local date, seconds since local midnight), the day's bounds cached."""
        if self._day_start is None or not (self._day_start <= at < self._day_end):
            day = at.astimezone(self.tz).date()
            self._day = day
            self._day_start = datetime.datetime.combine(day, datetime.time(), self.tz)
            self._day_end = datetime.datetime.combine(day + datetime.timedelta(days=1),
                                                      datetime.time(), self.tz)
        return self._day, int((at - self._day_start).total_seconds())

    def _lapsed(self, meter: MeterState, day: datetime.date) -> bool:
        key = (meter.pk, day)
        cached = self._lapsed_cache.get(key)
        if cached is None:
            cached = meter.status == Meter.Status.STOPPED or rules.reading_lapsed(
                day, self.periods.get(meter.pk, ()))
            self._lapsed_cache[key] = cached
        return cached

    def _time(self, at: datetime.datetime) -> tuple[datetime.date, bool, bool]:
        """(local date, off the collection grid?, 00:00 that closes the day before?) of a time,
        worked out once for all the meters read at it."""
        day, seconds = self._local(at)
        offset = seconds % self.period_s
        info = (day, min(offset, self.period_s - offset) > self.tolerance_s,
                seconds == 0 and not at.microsecond)
        if len(self._times) > 10_000:
            self._times.clear()
        self._times[at] = info
        return info

    def add(self, meter_id: int, at: datetime.datetime, value: Decimal) -> None:
        # Per meter: [meter, previous value, current day, its figures, lapsed that day?]
        st = self._open.get(meter_id)
        if st is None:
            meter = self.meters[meter_id]
            start = self.state.get(meter_id)
            st = self._open[meter_id] = [meter, meter.last_value if start is None else start[1],
                                         None, None, False]
        prev_value = st[1]
        st[1] = value
        info = self._times.get(at)
        if info is None:
            info = self._time(at)
        day = info[0]
        if st[2] != day:
            agg = self.days.get((meter_id, day))
            if agg is None:
                agg = self.days[(meter_id, day)] = DayAgg()
            st[2], st[3], st[4] = day, agg, self._lapsed(st[0], day)
        agg = st[3]
        agg.readings += 1
        if agg.first_at is None or at < agg.first_at:
            agg.first_at = at
        if agg.last_at is None or at >= agg.last_at:
            agg.last_at, agg.last_value = at, value
        if info[1]:
            agg.misaligned += 1
        if st[4]:
            agg.lapsed += 1
        if prev_value is None:
            return
        if value >= prev_value:
            delta = value - prev_value
        else:
            delta, decreased = interval_delta(prev_value, value, st[0].register_max)
            if decreased:
                agg.decreases += 1
        if delta:
            # The interval ending at ``at`` belongs to the day it lies in: 00:00 closes the
            # day before.
            if info[2]:
                before = day - datetime.timedelta(days=1)
                target = self.days.get((meter_id, before))
                if target is None:
                    target = self.days[(meter_id, before)] = DayAgg()
            else:
                target = agg
            target.consumption += delta * st[0].multiplier


def rebuild_days(unit, meters: dict[int, MeterState], batch, agg: Aggregator, tz) -> None:
    """Recompute, from the raw readings, the days of meters that received older readings."""
    for meter_id, meter in meters.items():
        for key in [k for k in agg.days if k[0] == meter_id]:
            del agg.days[key]  # figures added before the older reading showed up
        times = Reading.objects.filter(meter_id=meter_id, batch_id=batch.pk).aggregate(
            first=Min("read_at"), last=Max("read_at"))
        first = times["first"]
        last = max(times["last"], meter.last_at) if meter.last_at else times["last"]
        first_day = agg._local(first - ONE_US)[0]
        last_day = agg._local(last)[0]
        start = datetime.datetime.combine(first_day, datetime.time(), tz)
        end = datetime.datetime.combine(last_day + datetime.timedelta(days=1), datetime.time(), tz)
        before = (Reading.objects.filter(meter_id=meter_id, read_at__lt=start)
                  .order_by("-read_at").values_list("read_at", "value").first())
        sub = Aggregator({meter_id: meter}, agg.periods, agg.period_s // 60, tz)
        sub.state[meter_id] = before or (None, None)
        for at, value in (Reading.objects.filter(meter_id=meter_id, read_at__gte=start,
                                                 read_at__lte=end)
                          .order_by("read_at").values_list("read_at", "value")):
            sub.add(meter_id, at, value)
        DailyEnergy.objects.filter(meter_id=meter_id, day__gte=first_day,
                                   day__lte=last_day).delete()
        for (m, day), figures in sub.days.items():
            if first_day <= day <= last_day:
                agg.days[(m, day)] = figures


DAY_COLUMNS = ["meter_id", "unit_id", "region_code", "province_code", "day", "level", "energy",
               "carrier", "direction", "consumption", "readings", "lapsed", "misaligned",
               "decreases", "first_at", "last_at", "last_value"]
DAY_TABLE = "energy_dailyenergy"
DAY_SUMS = ("consumption", "readings", "lapsed", "misaligned", "decreases")  # added up on a clash


def upsert_days(unit, meters: dict[int, MeterState], days: dict) -> None:
    """One set-based upsert of the batch's meter-days, added to what is on file (the days of
    rebuilt meters were deleted first, so theirs go in afresh)."""
    if not days:
        return
    if connection.vendor == "postgresql":
        _upsert_days_copied(unit, meters, days)
    else:
        _upsert_days_listed(unit, meters, days)


def _on_conflict(first_at: str, last_at: str) -> str:
    """The upsert's ON CONFLICT clause: a day's counts add up, its last value follows its last
    time; the earlier first time and the later last time (``first_at``, ``last_at``: each
    dialect's way of taking the least and greatest of two times, either one NULL)."""
    t = DAY_TABLE
    added = ",\n".join(f"{c} = {t}.{c} + EXCLUDED.{c}" for c in DAY_SUMS)
    return f"""ON CONFLICT (meter_id, day) DO UPDATE SET
        {added},
        first_at = {first_at},
        last_value = CASE WHEN {t}.last_at IS NULL OR EXCLUDED.last_at >= {t}.last_at
                          THEN COALESCE(EXCLUDED.last_value, {t}.last_value)
                          ELSE {t}.last_value END,
        last_at = {last_at}"""


def _upsert_days_copied(unit, meters: dict[int, MeterState], days: dict) -> None:
    """PostgreSQL: the meter-days COPYed into a scratch table, upserted from it at once."""
    t = DAY_TABLE
    region, province, unit_id = unit.region_code, unit.region_code[:2], unit.pk

    def text(value) -> str:
        if value is None:
            return NULL
        return value.isoformat() if isinstance(value, datetime.datetime) else str(value)

    lines = []
    for (meter_id, day), a in days.items():
        m = meters[meter_id]
        lines.append(
            f"{meter_id}\t{unit_id}\t{region}\t{province}\t{day.isoformat()}\t{m.level}\t"
            f"{m.energy}\t{m.carrier}\t{m.direction}\t{a.consumption}\t{a.readings}\t"
            f"{a.lapsed}\t{a.misaligned}\t{a.decreases}\t{text(a.first_at)}\t"
            f"{text(a.last_at)}\t{text(a.last_value)}\n")
    columns = ", ".join(DAY_COLUMNS)
    with connection.cursor() as cursor:
        # A session's scratch table, emptied after use (and at each commit).
        cursor.execute(
            "CREATE TEMP TABLE IF NOT EXISTS energy_daily_in (meter_id bigint, "
            "unit_id bigint, region_code text, province_code text, day date, level text, "
            "energy text, carrier text, direction text, consumption numeric, readings int, "
            "lapsed int, misaligned int, decreases int, first_at timestamptz, "
            "last_at timestamptz, last_value numeric) ON COMMIT DELETE ROWS")
        with connection.wrap_database_errors, \
                cursor.cursor.copy(f"COPY energy_daily_in ({columns}) FROM STDIN") as copy:
            copy.write("".join(lines))
        cursor.execute(
            f"INSERT INTO {t} ({columns}) SELECT {columns} FROM energy_daily_in "
            + _on_conflict(f"LEAST({t}.first_at, EXCLUDED.first_at)",
                           f"GREATEST({t}.last_at, EXCLUDED.last_at)"))
        cursor.execute("DELETE FROM energy_daily_in")


def _upsert_days_listed(unit, meters: dict[int, MeterState], days: dict) -> None:
    """SQLite: the meter-days as parameters of one ``executemany``."""
    t = DAY_TABLE
    region, province, unit_id = unit.region_code, unit.region_code[:2], unit.pk
    ops = connection.ops
    records = []
    for (meter_id, day), a in days.items():
        m = meters[meter_id]
        records.append((meter_id, unit_id, region, province, ops.adapt_datefield_value(day),
                        m.level, m.energy, m.carrier, m.direction, str(a.consumption), a.readings,
                        a.lapsed, a.misaligned, a.decreases,
                        ops.adapt_datetimefield_value(a.first_at),
                        ops.adapt_datetimefield_value(a.last_at),
                        None if a.last_value is None else str(a.last_value)))
    sql = (f"INSERT INTO {t} ({', '.join(DAY_COLUMNS)}) "
           f"VALUES ({', '.join(['%s'] * len(DAY_COLUMNS))}) "
           + _on_conflict(f"CASE WHEN {t}.first_at IS NULL THEN excluded.first_at "
                          f"WHEN excluded.first_at IS NULL THEN {t}.first_at "
                          f"ELSE MIN({t}.first_at, excluded.first_at) END",
                          f"CASE WHEN {t}.last_at IS NULL THEN excluded.last_at "
                          f"WHEN excluded.last_at IS NULL THEN {t}.last_at "
                          f"ELSE MAX({t}.last_at, excluded.last_at) END"))
    with connection.cursor() as cursor:
        cursor.executemany(sql, records)
