"""What the ingest path knows of a unit's ledger: its meters, their calibration periods and
last readings (kept per process between batches), and the readings already on file."""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.db import connection, transaction

from jiliang.energy.ingest.parsing import UTC, VALUE_Q
from jiliang.energy.models import Meter, Reading


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
