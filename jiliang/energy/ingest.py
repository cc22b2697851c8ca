"""The ingest path of meter readings: parse, check, chain, load, aggregate.

``services.batch_ingest`` is the entry point (signature, idempotency, audit);
this module does the work behind it in bulk:

- parsing a JSON or CSV body into rows, with an error per bad row that never
  loses the good rows beside it;
- under the unit's chain lock: dropping readings already on file (the
  (meter, time) key), linking the new ones into the unit's hash chain, and
  loading them with COPY on PostgreSQL or one ``executemany`` on SQLite, the
  COPY data streamed while it is produced so the database works while Python
  hashes the next rows;
- maintaining ``DailyEnergy`` in one set-based upsert (readings in time order
  add to their days; a reading older than the meter's last one rebuilds the
  days it touches from the raw readings).
"""

from __future__ import annotations

import csv
import datetime
import io
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.db import IntegrityError, connection, transaction
from django.db.models import Max, Min
from django.utils import timezone
from django.utils.translation import gettext as _

from jiliang.audit.chain import ChainWriter
from jiliang.core import signed_batches
from jiliang.core.params import json_loads
from jiliang.core.signed_batches import RowError
from jiliang.energy.models import DailyEnergy, Meter, Reading
from jiliang.rules import energy as rules
from jiliang.rules.energy import interval_delta
from jiliang.rules.months import next_month, previous_month

UTC = datetime.UTC
ONE_US = datetime.timedelta(microseconds=1)
VALUE_Q = Decimal("0.001")
VALUE_MAX = Decimal("999999999999.999")  # numeric(15, 3)
NULL = signed_batches.NULL
COLUMNS = ("chain_key", "chain_seq", "prev_hash", "row_hash", "region_code", "read_at", "value",
           "meter_id", "unit_id", "batch_id")


@dataclass
class Parsed:
    """Good rows as (row number, meter code, time (UTC), value, unit, time as canonical text)
    and the bad rows' errors."""

    rows: list[tuple[int, str, datetime.datetime, Decimal, str, str]] = field(
        default_factory=list)
    errors: list[RowError] = field(default_factory=list)


# --- parsing ---------------------------------------------------------------------------------

class Numbered:
    """A JSON body's readings as (row number, item) pairs, made as they are iterated: a list of
    them would keep one more object a reading alive, for the garbage collector to walk over and
    over while the batch loads."""

    __slots__ = ("items",)

    def __init__(self, items: list) -> None:
        self.items = items

    def __len__(self) -> int:
        return len(self.items)

    def __iter__(self):
        return enumerate(self.items, start=1)


def read_body(body: bytes, content_type: str) -> Numbered | list[tuple[int, object]]:
    """(row number, item) of a JSON body ({"readings": [{meter, time, value, unit}]}) or a CSV
    one (header meter,time,value,unit). Raises ValueError when the body as a whole is unreadable."""
    if content_type == "json":
        try:
            data = json_loads(body)
        except (ValueError, UnicodeDecodeError) as error:
            raise ValueError(_("The body is not valid JSON: %(error)s") % {"error": error}) from None
        readings = data.get("readings") if isinstance(data, dict) else None
        if not isinstance(readings, list):
            raise ValueError(_("The body needs a list “readings” of {meter, time, value, unit}."))
        return Numbered(readings)
    if content_type == "csv":
        try:
            text = body.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise ValueError(_("The CSV body is not UTF-8 text.")) from None
        reader = csv.reader(io.StringIO(text))
        header = [h.strip().lower() for h in next(reader, [])]
        missing = [c for c in ("meter", "time", "value", "unit") if c not in header]
        if missing:
            raise ValueError(_("The CSV header lacks the column(s) %(columns)s.") % {
                "columns": ", ".join(missing)})
        index = {name: header.index(name) for name in ("meter", "time", "value", "unit")}
        return [
            (number, {name: (values[i] if i < len(values) else "") for name, i in index.items()})
            for number, values in enumerate(reader, start=2) if any(v.strip() for v in values)
        ]
    raise ValueError(_("The format is JSON or CSV."))


def months_hint(items) -> set[datetime.date]:
    """The months a batch may touch, from the text of its times (and the months either side,
    for times whose UTC offset moves them across a month's end): partitions to have first."""
    # The distinct texts first: a batch holds many meters at each time.
    texts = {text for _number, item in items
             if isinstance(item, dict) and isinstance(text := item.get("time"), str)}
    prefixes = {text[:7] for text in texts}
    months: set[datetime.date] = set()
    for text in prefixes:
        try:
            months.add(datetime.date(int(text[:4]), int(text[5:7]), 1))
        except ValueError:
            continue
    out = set()
    for month in months:
        out |= {previous_month(month), month, next_month(month)}
    return out


def validate(items, *, now: datetime.datetime, future_tolerance_s: int):
    """Each item as (row number, meter code, time (UTC), value, unit, the time as the chain's
    canonical text), or a RowError.

    The value is quantized to 3 decimals (exponent -3), so its ``str`` is its canonical text
    (``f"{value:.3f}"``) and never takes an exponent: ``_load`` relies on that."""
    latest = now + datetime.timedelta(seconds=future_tolerance_s)
    fromiso, dec = datetime.datetime.fromisoformat, Decimal
    times: dict[str, tuple[datetime.datetime, str]] = {}
    for number, item in items:
        if not isinstance(item, dict):
            yield RowError(number, "", _("A reading is an object {meter, time, value, unit}."))
            continue
        meter = item.get("meter")
        meter = meter.strip() if type(meter) is str else str(meter or "").strip()
        if not meter:
            yield RowError(number, "meter", _("Give the meter's management number."))
            continue
        raw_time = item.get("time")
        # A batch holds many meters at each time: each distinct time is read once.
        known = times.get(raw_time) if type(raw_time) is str else None
        if known is None:
            try:
                at = fromiso(str(raw_time).strip())
            except (TypeError, ValueError):
                yield RowError(number, "time", _("Give the time as ISO 8601, e.g. "
                                                 "2026-01-01T08:15:00+08:00."))
                continue
            if at.tzinfo is None:
                yield RowError(number, "time", _("The time needs its UTC offset, e.g. +08:00."))
                continue
            at = at.astimezone(UTC)
            if at > latest:
                yield RowError(number, "time", _("The time is later than the server's clock."))
                continue
            known = (at, at.isoformat(timespec="microseconds"))
            if type(raw_time) is str:
                times[raw_time] = known
        at, iso = known
        raw_value = item.get("value")
        try:
            if type(raw_value) is str:
                value = dec(raw_value)
            elif isinstance(raw_value, float | bool):
                raise InvalidOperation  # a binary float cannot carry a register exactly
            else:
                value = dec(str(raw_value).strip())
        except (InvalidOperation, ValueError):
            yield RowError(number, "value", _("Give the register value as a decimal number "
                                              "(in a string in JSON)."))
            continue
        if not value.is_finite() or value < 0 or value > VALUE_MAX:
            yield RowError(number, "value", _("A register value lies between 0 and "
                                              "999 999 999 999.999."))
            continue
        quantized = value.quantize(VALUE_Q)
        if value != quantized:
            yield RowError(number, "value", _("A register value has at most 3 decimals."))
            continue
        unit_text = item.get("unit")
        yield (number, meter, at, quantized,
               unit_text.strip() if isinstance(unit_text, str) else str(unit_text or ""), iso)


def parse(items, *, now: datetime.datetime, future_tolerance_s: int) -> Parsed:
    """All rows of a batch at once: the good ones and the errors of the bad ones."""
    out = Parsed()
    for row in validate(items, now=now, future_tolerance_s=future_tolerance_s):
        (out.errors if isinstance(row, RowError) else out.rows).append(row)
    return out


# --- the chain payload, formatted once --------------------------------------------------------

def payload_text(batch_id: int, meter_id: int, read_at_iso: str, value_text: str) -> str:
    """``canonical_json(Reading.chain_payload())`` for one reading, without building a dict.

    The keys are the Reading's CHAIN_FIELDS in sorted order; a test checks the text equals
    the one ``jiliang.rules.chain.canonical_json`` makes of the stored row. ``_load`` writes
    the same text inline (a call less per reading); ``verify_ledger`` over freshly ingested
    rows, in the tests, holds the two to the same hash.
    """
    return f'{{"batch":{batch_id},"meter":{meter_id},"read_at":"{read_at_iso}","value":"{value_text}"}}'


# --- aggregation -----------------------------------------------------------------------------

@dataclass(slots=True)
class MeterState:
    """What the ingest path needs of a ledger meter, and its last reading on file."""

    pk: int
    management_no: str
    register_unit: str
    multiplier: Decimal
    register_max: Decimal | None
    status: str
    level: str
    energy: str
    carrier: str
    direction: str
    last_at: datetime.datetime | None = None
    last_value: Decimal | None = None


# Per process: a unit's ledger (by its ledger version) and its meters' last readings (by its
# chain head). A batch of hundreds of meters otherwise reads both back every time.
_LEDGERS: dict[tuple, tuple[list[tuple], dict]] = {}
_LAST: dict[tuple, tuple[tuple[int, str], dict[int, tuple]]] = {}
CACHE_UNITS = 5000


def _key(unit) -> tuple:
    return (connection.settings_dict["NAME"], unit.pk, unit.created_at)


def meter_states(unit) -> dict[str, MeterState]:
    """The unit's meters by management number (plain records: a batch loads hundreds)."""
    return {row[1]: MeterState(*row) for row in _ledger(unit)[0]}


def _ledger(unit) -> tuple[list[tuple], dict]:
    key = (*_key(unit), unit.ledger_version)
    cached = _LEDGERS.get(key)
    if cached is None:
        rows = list(Meter.objects.filter(unit=unit).values_list(
            "pk", "management_no", "register_unit", "multiplier", "register_max", "status",
            "level", "energy", "carrier", "direction"))
        cached = (rows, _calibration_periods(unit))
        if len(_LEDGERS) > CACHE_UNITS:
            _LEDGERS.clear()
        _LEDGERS[key] = cached
    return cached


def load_last_readings(meters: dict[int, MeterState], unit=None, head=None) -> None:
    """Each meter's last reading, from its latest day in the daily figures (no raw scan), or
    from this process's memory when the unit's chain has not moved since."""
    known: dict[int, tuple] = {}
    if unit is not None and head is not None:
        cached = _LAST.get(_key(unit))
        if cached is not None and cached[0] == head:
            known = cached[1]
    for pk, state in known.items():
        if pk in meters:
            meters[pk].last_at, meters[pk].last_value = state
    ids = [pk for pk in meters if pk not in known]
    if not ids:
        return
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT m.id, d.last_at, d.last_value FROM unnest(%s::bigint[]) AS m(id) "
                "CROSS JOIN LATERAL (SELECT last_at, last_value FROM energy_dailyenergy "
                "WHERE meter_id = m.id AND last_at IS NOT NULL ORDER BY day DESC LIMIT 1) d",
                [ids])
            rows = cursor.fetchall()
        else:
            marks = ", ".join(["%s"] * len(ids))
            cursor.execute(
                "SELECT d.meter_id, d.last_at, d.last_value FROM energy_dailyenergy d "
                f"WHERE d.meter_id IN ({marks}) AND d.day = (SELECT MAX(e.day) FROM "
                "energy_dailyenergy e WHERE e.meter_id = d.meter_id AND e.last_at IS NOT NULL)",
                ids)
            rows = []
            for meter_id, at, value in cursor.fetchall():
                # Raw SQLite values: UTC text and a REAL of at most 15 digits.
                if isinstance(at, str):
                    at = datetime.datetime.fromisoformat(at)
                if at is not None and at.tzinfo is None:
                    at = at.replace(tzinfo=UTC)
                rows.append((meter_id, at, None if value is None
                             else Decimal(repr(value)).quantize(VALUE_Q)))
    for meter_id, at, value in rows:
        meters[meter_id].last_at, meters[meter_id].last_value = at, value


def remember_last_readings(unit, head: tuple[int, str], meters: dict[int, MeterState],
                           states: dict[int, tuple]) -> None:
    """Once the batch is committed, keep the meters' last readings for the unit's next batch."""
    merged = {pk: (m.last_at, m.last_value) for pk, m in meters.items()}
    merged.update(states)
    key = _key(unit)

    def keep():
        if len(_LAST) > CACHE_UNITS:
            _LAST.clear()
        _LAST[key] = (head, merged)

    transaction.on_commit(keep)


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


def calibration_periods(unit) -> dict[int, list[tuple[datetime.date, datetime.date]]]:
    return _ledger(unit)[1]


def _calibration_periods(unit) -> dict[int, list[tuple[datetime.date, datetime.date]]]:
    """The passed verifications and calibrations of the unit's meters, as validity periods."""
    periods: dict[int, list] = defaultdict(list)
    with connection.cursor() as cursor:
        cursor.execute("SELECT c.meter_id, c.verified_on, c.valid_until FROM "
                       "energy_metercalibration c JOIN energy_meter m ON m.id = c.meter_id "
                       "WHERE m.unit_id = %s AND c.passed", [unit.pk])
        for meter_id, start, until in cursor.fetchall():
            if isinstance(start, str):  # SQLite hands back text
                start, until = datetime.date.fromisoformat(start), \
                    datetime.date.fromisoformat(until)
            periods[meter_id].append((start, until))
    return periods


def readings_on_file(meter_ids, lo: datetime.datetime,
                     hi: datetime.datetime) -> set[tuple[int, datetime.datetime]]:
    """The (meter, time) keys already on file among these meters in [lo, hi]."""
    if connection.vendor == "postgresql":
        # One array parameter rather than hundreds of placeholders; the (meter, time) index.
        with connection.cursor() as cursor:
            cursor.execute("SELECT meter_id, read_at FROM energy_reading WHERE "
                           "meter_id = ANY(%s) AND read_at BETWEEN %s AND %s",
                           [list(meter_ids), lo, hi])
            return set(cursor.fetchall())
    return set(Reading.objects.filter(meter_id__in=meter_ids, read_at__gte=lo, read_at__lte=hi)
               .values_list("meter_id", "read_at"))


# --- writing ---------------------------------------------------------------------------------

@dataclass
class Written:
    accepted: int = 0
    duplicates: int = 0
    errors: list[RowError] = field(default_factory=list)
    first_at: datetime.datetime | None = None
    last_at: datetime.datetime | None = None
    states: dict[int, tuple] = field(default_factory=dict)  # each meter's last reading now


def write(*, unit, batch, meters_by_code: dict[str, MeterState], items, now: datetime.datetime,
          future_tolerance_s: int, writer: ChainWriter) -> Written:
    """Load a batch's new readings and their daily figures. Call it inside the unit's chain lock.

    First in one stream: each row checked, linked, aggregated and sent to COPY while the
    database loads the rows before it. A reading already on file stops that stream at the
    (meter, time) index; the batch is then taken again the careful way (looking up what is on
    file first), from the same chain head.
    """
    meters = {m.pk: m for m in meters_by_code.values()}
    head = (writer.head.last_seq, writer.head.last_hash)
    load_last_readings(meters, unit, head)
    try:
        with transaction.atomic():
            out = _write_streamed(unit, batch, meters_by_code, meters, items, now,
                                  future_tolerance_s, writer)
    except IntegrityError:
        writer.head.last_seq, writer.head.last_hash = head
        out = _write_checked(unit, batch, meters_by_code, meters,
                             parse(items, now=now, future_tolerance_s=future_tolerance_s),
                             writer)
    remember_last_readings(unit, (writer.head.last_seq, writer.head.last_hash), meters,
                           out.states)
    return out


def _accept(meters_by_code, out: Written, units_ok: dict, number, code, unit_text):
    """The ledger meter of a row, or None with the row's error noted."""
    meter = meters_by_code.get(code)
    if meter is None:
        out.errors.append(RowError(number, "meter", _(
            "No meter with management number “%(code)s” is in the unit's ledger.") % {
            "code": code}))
        return None
    if unit_text:
        ok = units_ok.get((code, unit_text))
        if ok is None:
            ok = units_ok[(code, unit_text)] = not meter.register_unit or \
                unit_text.casefold() == meter.register_unit.casefold()
        if not ok:
            out.errors.append(RowError(number, "unit", _(
                "Meter %(code)s registers in %(expected)s, not %(unit)s.") % {
                "code": code, "expected": meter.register_unit, "unit": unit_text}))
            return None
    return meter


def _twice(out: Written, number, code, same: bool) -> None:
    if same:
        out.duplicates += 1
    else:
        out.errors.append(RowError(number, "value", _(
            "Meter %(code)s has two different values at this time in the batch.") % {
            "code": code}))


def _write_streamed(unit, batch, meters_by_code, meters, items, now, future_tolerance_s,
                    writer) -> Written:
    out = Written()
    tz = timezone.get_current_timezone()
    agg = Aggregator(meters, calibration_periods(unit), unit.reading_interval_min, tz)
    last = {pk: (m.last_at, m.last_value, False) for pk, m in meters.items()}
    units_ok: dict = {}
    accepted: dict[tuple[str, str], MeterState] = {}
    backfill: set[int] = set()
    span = {"lo": None, "hi": None, "n": 0}

    def rows():
        lo = hi = seen = None
        n = 0
        for row in validate(items, now=now, future_tolerance_s=future_tolerance_s):
            if type(row) is RowError:
                out.errors.append(row)
                continue
            number, code, at, value, unit_text, iso = row
            meter = accepted.get((code, unit_text), False)
            if meter is False:
                meter = _accept(meters_by_code, out, units_ok, number, code, unit_text)
                if meter is not None:
                    accepted[(code, unit_text)] = meter
            if meter is None:
                continue
            pk = meter.pk
            prev_at, prev_value, in_batch = last[pk]
            if at == prev_at:
                # The meter's last reading again: on file, or earlier in this batch.
                if in_batch:
                    _twice(out, number, code, value == prev_value)
                else:
                    out.duplicates += 1
                continue
            if prev_at is None or at > prev_at:
                last[pk] = (at, value, True)
            else:
                backfill.add(pk)  # older than its last: its days are rebuilt afterwards
            if at is not seen:  # the meters read at one time come together: compare once
                seen = at
                if lo is None or at < lo:
                    lo = at
                if hi is None or at > hi:
                    hi = at
            n += 1
            yield at, pk, value, iso
        span.update(lo=lo, hi=hi, n=n)

    _load(unit, batch, rows(), writer, agg, backfill)
    out.accepted, out.first_at, out.last_at = span["n"], span["lo"], span["hi"]
    out.states = {pk: (at, value) for pk, (at, value, in_batch) in last.items() if in_batch}
    if backfill:
        _rebuild(unit, {pk: meters[pk] for pk in backfill}, batch, agg, tz)
    _upsert_days(unit, meters, agg.days)
    return out


def _write_checked(unit, batch, meters_by_code, meters, parsed: Parsed, writer) -> Written:
    """The careful way: drop what is on file first, then load in time order."""
    out = Written(errors=list(parsed.errors))
    seen: dict[tuple[int, datetime.datetime], Decimal] = {}
    rows: list[tuple[datetime.datetime, int, Decimal, str]] = []
    units_ok: dict = {}
    for number, code, at, value, unit_text, iso in parsed.rows:
        meter = _accept(meters_by_code, out, units_ok, number, code, unit_text)
        if meter is None:
            continue
        key = (meter.pk, at)
        if key in seen:
            _twice(out, number, code, seen[key] == value)
            continue
        seen[key] = value
        rows.append((at, meter.pk, value, iso))
    if not rows:
        return out
    meter_ids = {r[1] for r in rows}
    rows.sort()
    on_file = readings_on_file(meter_ids, rows[0][0], rows[-1][0])
    if on_file:
        fresh = [r for r in rows if (r[1], r[0]) not in on_file]
        out.duplicates += len(rows) - len(fresh)
        rows = fresh
    if not rows:
        return out
    tz = timezone.get_current_timezone()
    agg = Aggregator(meters, calibration_periods(unit), unit.reading_interval_min, tz)
    backfill = {m for at, m, _v, _iso in rows
                if meters[m].last_at is not None and at <= meters[m].last_at}
    _load(unit, batch, rows, writer, agg, backfill)
    out.accepted = len(rows)
    out.first_at, out.last_at = rows[0][0], rows[-1][0]
    for at, pk, value, _iso in rows:  # in time order: the last one of each meter wins
        if meters[pk].last_at is None or at > meters[pk].last_at:
            out.states[pk] = (at, value)
    if backfill:
        _rebuild(unit, {m: meters[m] for m in backfill}, batch, agg, tz)
    _upsert_days(unit, meters, agg.days)
    return out


def _load(unit, batch, rows, writer, agg: Aggregator, backfill: set[int]) -> None:
    """Link and load (time, meter, value, time text) rows through the shared signed-batch loader
    (``signed_batches.load_chained``); each not of a backfilled meter is aggregated."""
    region = unit.region_code
    unit_id, batch_id = unit.pk, batch.pk
    add = agg.add
    # ``canonical_json(Reading.chain_payload())`` written inline (``payload_text``): no dict and
    # no call per reading on this hot path.
    head = f'{{"batch":{batch_id},"meter":'
    if signed_batches.copies():
        tail = f"\t{unit_id}\t{batch_id}"

        def linked():
            for at, meter_id, value, iso in rows:
                value_text = str(value)  # quantized: as f"{value:.3f}"
                if meter_id not in backfill:
                    add(meter_id, at, value)
                yield (f'{head}{meter_id},"read_at":"{iso}","value":"{value_text}"}}',
                       f"{region}\t{iso}\t{value_text}\t{meter_id}{tail}")
    else:
        def linked():
            for at, meter_id, value, iso in rows:
                value_text = str(value)
                if meter_id not in backfill:
                    add(meter_id, at, value)
                yield (f'{head}{meter_id},"read_at":"{iso}","value":"{value_text}"}}',
                       (region, at.replace(tzinfo=None).isoformat(" "), value_text, meter_id,
                        unit_id, batch_id))

    signed_batches.load_chained(table="energy_reading", columns=COLUMNS, head=writer.head,
                                chain_key=str(unit.pk), rows=linked())


def _rebuild(unit, meters: dict[int, MeterState], batch, agg: Aggregator, tz) -> None:
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


def _upsert_days(unit, meters: dict[int, MeterState], days: dict) -> None:
    """One set-based upsert of the batch's meter-days, added to what is on file (the days of
    rebuilt meters were deleted first, so theirs go in afresh)."""
    if not days:
        return
    t = "energy_dailyenergy"
    region, province, unit_id = unit.region_code, unit.region_code[:2], unit.pk
    if connection.vendor == "postgresql":
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
            cursor.execute(f"""
                INSERT INTO {t} ({columns}) SELECT {columns} FROM energy_daily_in
                ON CONFLICT (meter_id, day) DO UPDATE SET
                    consumption = {t}.consumption + EXCLUDED.consumption,
                    readings = {t}.readings + EXCLUDED.readings,
                    lapsed = {t}.lapsed + EXCLUDED.lapsed,
                    misaligned = {t}.misaligned + EXCLUDED.misaligned,
                    decreases = {t}.decreases + EXCLUDED.decreases,
                    first_at = LEAST({t}.first_at, EXCLUDED.first_at),
                    last_value = CASE WHEN {t}.last_at IS NULL OR EXCLUDED.last_at >= {t}.last_at
                                      THEN COALESCE(EXCLUDED.last_value, {t}.last_value)
                                      ELSE {t}.last_value END,
                    last_at = GREATEST({t}.last_at, EXCLUDED.last_at)""")
            cursor.execute("DELETE FROM energy_daily_in")
        return
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
    sql = f"""
        INSERT INTO {t} ({', '.join(DAY_COLUMNS)}) VALUES ({', '.join(['%s'] * len(DAY_COLUMNS))})
        ON CONFLICT (meter_id, day) DO UPDATE SET
            consumption = {t}.consumption + excluded.consumption,
            readings = {t}.readings + excluded.readings,
            lapsed = {t}.lapsed + excluded.lapsed,
            misaligned = {t}.misaligned + excluded.misaligned,
            decreases = {t}.decreases + excluded.decreases,
            first_at = CASE WHEN {t}.first_at IS NULL THEN excluded.first_at
                            WHEN excluded.first_at IS NULL THEN {t}.first_at
                            ELSE MIN({t}.first_at, excluded.first_at) END,
            last_value = CASE WHEN {t}.last_at IS NULL OR excluded.last_at >= {t}.last_at
                              THEN COALESCE(excluded.last_value, {t}.last_value)
                              ELSE {t}.last_value END,
            last_at = CASE WHEN {t}.last_at IS NULL THEN excluded.last_at
                           WHEN excluded.last_at IS NULL THEN {t}.last_at
                           ELSE MAX({t}.last_at, excluded.last_at) END
    """
    with connection.cursor() as cursor:
        cursor.executemany(sql, records)
