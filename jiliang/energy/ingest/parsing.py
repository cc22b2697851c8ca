"""Parsing a batch's body: JSON or CSV into rows, each checked on its own, with an error per bad
row that never loses the good rows beside it; and the chain payload of a reading as text."""

from __future__ import annotations

import csv
import datetime
import io
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.translation import gettext as _

from jiliang.core import signed_batches
from jiliang.core.params import json_loads
from jiliang.core.signed_batches import RowError
from jiliang.rules.months import next_month, previous_month

UTC = datetime.UTC
VALUE_Q = signed_batches.VALUE_Q


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
    (``f"{value:.3f}"``) and never takes an exponent: ``writing._load`` relies on that."""
    latest = now + datetime.timedelta(seconds=future_tolerance_s)
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
            known = signed_batches.batch_time(raw_time, latest, times)
            if type(known) is str:
                yield RowError(number, "time", known)
                continue
        value = signed_batches.register_value(item.get("value"))
        if type(value) is str:
            yield RowError(number, "value", value)
            continue
        unit_text = item.get("unit")
        yield (number, meter, known[0], value,
               unit_text.strip() if isinstance(unit_text, str) else str(unit_text or ""),
               known[1])


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
    the one ``jiliang.rules.chain.canonical_json`` makes of the stored row. ``writing._load`` writes
    the same text inline (a call less per reading); ``verify_ledger`` over freshly ingested
    rows, in the tests, holds the two to the same hash.
    """
    return f'{{"batch":{batch_id},"meter":{meter_id},"read_at":"{read_at_iso}","value":"{value_text}"}}'
