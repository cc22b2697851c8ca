"""Writing a batch under the unit's chain lock: the new readings linked into the unit's hash
chain and loaded (COPY on PostgreSQL, streamed while it is produced), then their daily figures."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from jiliang.audit.chain import ChainWriter
from jiliang.core import signed_batches
from jiliang.core.signed_batches import RowError
from jiliang.energy.ingest.daily import Aggregator, rebuild_days, upsert_days
from jiliang.energy.ingest.ledger import (
    MeterState,
    calibration_periods,
    load_last_readings,
    readings_on_file,
    remember_last_readings,
)
from jiliang.energy.ingest.parsing import Parsed, parse, validate

COLUMNS = ("chain_key", "chain_seq", "prev_hash", "row_hash", "region_code", "read_at", "value",
           "meter_id", "unit_id", "batch_id")


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
        rebuild_days(unit, {pk: meters[pk] for pk in backfill}, batch, agg, tz)
    upsert_days(unit, meters, agg.days)
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
        rebuild_days(unit, {m: meters[m] for m in backfill}, batch, agg, tz)
    upsert_days(unit, meters, agg.days)
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
