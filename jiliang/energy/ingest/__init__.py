"""The ingest path of meter readings: parse, check, chain, load, aggregate.

``services.batch_ingest`` is the entry point (signature, idempotency, audit);
this package does the work behind it in bulk:

- ``parsing``: a JSON or CSV body into rows, with an error per bad row that
  never loses the good rows beside it;
- ``ledger``: the unit's meters, their calibration periods and last readings
  (kept per process between batches), and the readings already on file;
- ``writing``: under the unit's chain lock, dropping readings already on file
  (the (meter, time) key), linking the new ones into the unit's hash chain, and
  loading them with COPY on PostgreSQL or one ``executemany`` on SQLite, the
  COPY data streamed while it is produced so the database works while Python
  hashes the next rows;
- ``daily``: maintaining ``DailyEnergy`` in one set-based upsert (readings in
  time order add to their days; a reading older than the meter's last one
  rebuilds the days it touches from the raw readings).
"""

from jiliang.energy.ingest.daily import Aggregator, DayAgg, rebuild_days, upsert_days
from jiliang.energy.ingest.ledger import (
    MeterState,
    calibration_periods,
    load_last_readings,
    meter_states,
    readings_on_file,
    remember_last_readings,
)
from jiliang.energy.ingest.parsing import (
    Numbered,
    Parsed,
    months_hint,
    parse,
    payload_text,
    read_body,
    validate,
)
from jiliang.energy.ingest.writing import Written, write

__all__ = [
    "Aggregator",
    "DayAgg",
    "MeterState",
    "Numbered",
    "Parsed",
    "Written",
    "calibration_periods",
    "load_last_readings",
    "meter_states",
    "months_hint",
    "parse",
    "payload_text",
    "read_body",
    "readings_on_file",
    "rebuild_days",
    "remember_last_readings",
    "upsert_days",
    "validate",
    "write",
]
