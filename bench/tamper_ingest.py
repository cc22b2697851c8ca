"""Instrument events per second through the monitoring ingest with the tamper rules on, against a
bare COPY of the same rows.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/jiliang_bench \\
        python bench/tamper_ingest.py --events 1000000

The ingest path is ``monitoring.services.batch_ingest``, as the HTTP API calls it: signature
check, the chain of batches (``previous``), parsing and checking every event, the tamper rules
(parameter change against the verifications on file, counter jump, totaliser against the sales
record) judged event by event against each instrument's state, the hash chain per gateway, COPY of
the events, the instruments' state upserted, alerts with their evidence, the batch record and its
ledger entry, one transaction a batch. The fuel dispensers report event counters (one in a
thousand readings jumps), totalisers with their sales records, and now and then a pulser change.
The baseline COPYs the very rows the ingest wrote (hashes included), batch by batch, into a
scratch table with the same columns and indexes, which starts with a copy of the events already
on file (earlier runs'), so that both load into indexes of one size. Both run in this process,
taking turns: each batch is ingested, then its rows are read back (off the clock) and COPYed, so
a change of the machine's load during the run weighs on both alike. The batches are signed before the clock
starts.

The last line reads: events_vs_copy=<ratio> events_per_s=<n> copy_rows_per_s=<n> alerts=<n>
"""

from __future__ import annotations

import argparse
import datetime
import hashlib
import json
import os
import random
import time

import _energy

SCRATCH = "bench_tamper_copy"
NULL = "\\N"  # COPY's null
COPY_BYTES = int(os.environ.get("BENCH_COPY_BYTES", 40_000))


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--instruments", type=int, default=1000, help="fuel dispensers")
    parser.add_argument("--batch", type=int, default=10_000, help="events a batch")
    return parser.parse_args()


def make_owner(stamp: int, instruments: int):
    """An enterprise with ``instruments`` fuel dispensers on file, and its gateway."""
    from django.utils import timezone

    from jiliang.catalog.models import InstrumentKind
    from jiliang.core import signed_batches
    from jiliang.core.demo import credit_code
    from jiliang.core.services import organisation_register
    from jiliang.monitoring import services
    from jiliang.registry.models import Instrument, new_public_codes

    first17 = f"914401{stamp % 10**11:011d}"[:17]
    org = organisation_register(actor=None, kind="enterprise", name=f"基准加油站{stamp}",
                                region_code="440106", credit_code=credit_code(first17))
    kind = InstrumentKind.objects.get(code="fuel_dispenser")
    now = timezone.now()
    Instrument.objects.bulk_create([
        Instrument(owner=org, kind=kind, use="trade", serial_number=f"B{stamp}-{i}",
                   region_code="440106", province_code="44", filed_at=now, public_code=code)
        for i, code in enumerate(new_public_codes(instruments))], batch_size=1000)
    private, public = signed_batches.keypair_from_seed(f"bench-{stamp}".encode())
    gateway = services.gateway_register(actor=None, organisation=org, code=f"BENCH-{stamp}",
                                        name="基准网关", public_key=public)
    codes = list(Instrument.objects.filter(owner=org).values_list("public_code", flat=True))
    return gateway, private, codes


def signed_batches_of(gateway, private, codes, *, events: int, batch: int, start):
    """(batch id, body, signature, events) in order, each naming its predecessor's SHA-256."""
    from jiliang.monitoring.services import sign

    rng = random.Random(7)
    counters = {c: 100 for c in codes}
    totals = {c: 100_000_000 for c in codes}  # millilitres, so the text stays exact
    out, previous, made = [], "0" * 64, 0
    step = datetime.timedelta(seconds=30)
    at = start
    n = 0
    while made < events:
        size = min(batch, events - made)
        items = []
        for _ in range(size):
            code = codes[n % len(codes)]
            n += 1
            if n % len(codes) == 0:
                at += step
            roll = n % 3
            time_text = at.isoformat()
            if roll == 0:
                if rng.random() < 0.001:
                    counters[code] += 1  # a jump, one reading in a thousand
                items.append({"instrument": code, "time": time_text, "kind": "event_counter",
                              "value": str(counters[code])})
            elif roll == 1:
                litres = rng.randrange(0, 50_000)
                totals[code] += litres
                items.append({"instrument": code, "time": time_text, "kind": "totaliser",
                              "value": f"{totals[code] / 1000:.3f}",
                              "sales": f"{(totals[code] - 50_000_000) / 1000:.3f}"})
            elif rng.random() < 0.0005:
                items.append({"instrument": code, "time": time_text, "kind": "pulser_change",
                              "detail": "脉冲当量变更"})
            else:
                items.append({"instrument": code, "time": time_text, "kind": "event_counter",
                              "value": str(counters[code])})
        body = json.dumps({"previous": previous, "events": items}).encode()
        batch_id = f"e{len(out):06d}"
        out.append((batch_id, body, sign(private, gateway.code, batch_id, body), size))
        previous = hashlib.sha256(body).hexdigest()
        made += size
    return out


def scratch_table() -> int:
    """The events table's twin: same columns and indexes, holding the same rows to start with
    (earlier runs' events), so both COPYs add to indexes of one size. The rows each holds."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {SCRATCH}")
        cursor.execute(f"CREATE TABLE {SCRATCH} (LIKE monitoring_event INCLUDING ALL)")
        cursor.execute(f"INSERT INTO {SCRATCH} SELECT * FROM monitoring_event")
        held = cursor.rowcount
        cursor.execute(f"SELECT setval(pg_get_serial_sequence('{SCRATCH}', 'id'), "
                       f"(SELECT COALESCE(MAX(id), 0) + 1 FROM {SCRATCH}), false)")
        cursor.execute(f"ANALYZE {SCRATCH}")
    return held


def copy_lines(gateway_id: int, first_seq: int, last_seq: int) -> str:
    """The COPY text of the links first_seq..last_seq of the gateway's chain, as stored."""
    from django.db import connection

    lines = []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT chain_key, chain_seq, prev_hash, row_hash, region_code, occurred_at, kind, "
            "value, sales, detail, gateway_id, batch_id, instrument_id FROM monitoring_event "
            "WHERE chain_key = %s AND chain_seq BETWEEN %s AND %s ORDER BY chain_seq",
            [str(gateway_id), first_seq, last_seq])
        for k, s, p, h, r, t, kind, v, sales, d, g, b, i in cursor.fetchall():
            value = NULL if v is None else v
            sold = NULL if sales is None else sales
            lines.append(f"{k}\t{s}\t{p}\t{h}\t{r}\t{t.isoformat()}\t{kind}\t{value}\t{sold}\t"
                         f"{d}\t{g}\t{b}\t{i}\n")
    return "".join(lines)


def bare_copy(text: str) -> float:
    from django.db import connection, transaction

    columns = ("chain_key, chain_seq, prev_hash, row_hash, region_code, occurred_at, kind, "
               "value, sales, detail, gateway_id, batch_id, instrument_id")
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor, \
            cursor.cursor.copy(f"COPY {SCRATCH} ({columns}) FROM STDIN") as copy:
        for i in range(0, len(text), COPY_BYTES):
            copy.write(text[i:i + COPY_BYTES])
    return time.perf_counter() - started


def main() -> None:
    args = parse_args()
    _energy.setup()
    from django.db import connection

    from jiliang.monitoring import services
    from jiliang.monitoring.models import Alert

    if connection.vendor != "postgresql":
        raise SystemExit("run it against PostgreSQL: DATABASE_URL=postgres://...")
    stamp = int(time.time())
    gateway, private, codes = make_owner(stamp, args.instruments)
    start = datetime.datetime.now(_energy.TZ).replace(microsecond=0) - datetime.timedelta(
        days=60)
    signed = signed_batches_of(gateway, private, codes, events=args.events, batch=args.batch,
                               start=start)
    held = scratch_table()
    print(f"machine: {_energy.machine()}")
    print(f"events: {args.events} in {len(signed)} batches of up to {args.batch}, "
          f"{args.instruments} fuel dispensers; each table holds {held} events before")

    seconds = copy_seconds = 0.0
    seq = 0
    for batch_id, body, signature, size in signed:
        started = time.perf_counter()
        result = services.batch_ingest(gateway_code=gateway.code, batch_id=batch_id, body=body,
                                       signature=signature)
        seconds += time.perf_counter() - started
        assert result.batch.accepted == size, result.batch.errors[:3]
        copy_seconds += bare_copy(copy_lines(gateway.pk, seq + 1, seq + size))
        seq += size
    rate = args.events / seconds
    copy_rate = seq / copy_seconds
    alerts = Alert.objects.filter(gateway=gateway).count()
    print(f"ingest with the rules on: {seconds:.2f} s, {rate:,.0f} events/s, {alerts} alerts")
    print(f"bare COPY of the same rows: {copy_seconds:.2f} s, {copy_rate:,.0f} rows/s")
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {SCRATCH}")
    print(f"events_vs_copy={rate / copy_rate:.2f} events_per_s={rate:.0f} "
          f"copy_rows_per_s={copy_rate:.0f} alerts={alerts}")


if __name__ == "__main__":
    main()
