"""Readings per second through the energy ingest path, against a bare COPY of the same rows.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/jiliang_energy_bench \\
        python bench/energy_ingest.py --rows 1000000

The ingest path is ``services.batch_ingest``, as the HTTP API and the MQTT worker call it:
signature check, parsing, (meter, time) de-duplication, hash chain per unit, COPY of the
readings, set-based upsert of the daily aggregates and the meters' state, the batch record and
its audit-ledger entry, one transaction a batch. The baseline COPYs the very rows the ingest
wrote (hashes included), batch by batch, into a scratch table with the same columns, the same
indexes and the same monthly partitions. Both run in this process, one after the other.
Monthly partitions are created before the clock starts for both (the daily task creates them
ahead in production). The HTTP figure posts signed JSON batches through Django's test client
(routing, token authentication, the API view) into the same path.

The last line reads: ingest_vs_copy=<ratio> ingest_rows_per_s=<n> copy_rows_per_s=<n>
"""

from __future__ import annotations

import argparse
import datetime
import os
import time

import _energy

from jiliang.rules.months import months_between


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--meters", type=int, default=1000, help="meters of the unit")
    parser.add_argument("--batch", type=int, default=10_000, help="readings a batch")
    parser.add_argument("--http-rows", type=int, default=None,
                        help="rows through the HTTP API (default: a fifth of --rows)")
    return parser.parse_args()


SCRATCH = "bench_energy_copy"
COPY_BYTES = int(os.environ.get("BENCH_COPY_BYTES", 40_000))  # ~200 rows, as the ingest path sends


def scratch_table(months) -> None:
    """The readings table's twin: same columns, indexes and monthly partitions."""
    from django.db import connection

    from jiliang.energy.partitions import _bound, next_month

    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {SCRATCH} CASCADE")
        cursor.execute(f"""
            CREATE SEQUENCE IF NOT EXISTS {SCRATCH}_seq;
            CREATE TABLE {SCRATCH} (
                id bigint NOT NULL DEFAULT nextval('{SCRATCH}_seq'),
                chain_key varchar(64) NOT NULL, chain_seq bigint NOT NULL,
                prev_hash varchar(64) NOT NULL, row_hash varchar(64) NOT NULL,
                region_code varchar(6) NOT NULL, read_at timestamp with time zone NOT NULL,
                value numeric(15, 3) NOT NULL, meter_id bigint NOT NULL, unit_id bigint NOT NULL,
                batch_id bigint NOT NULL, PRIMARY KEY (id, read_at)
            ) PARTITION BY RANGE (read_at);
            CREATE UNIQUE INDEX {SCRATCH}_meter_time ON {SCRATCH} (meter_id, read_at);
            CREATE INDEX {SCRATCH}_chain ON {SCRATCH} (chain_key, chain_seq);
            CREATE TABLE {SCRATCH}_default PARTITION OF {SCRATCH} DEFAULT;""")
        for month in months:
            cursor.execute(
                f"CREATE TABLE {SCRATCH}_p{month:%Y%m} PARTITION OF {SCRATCH} FOR VALUES "
                f"FROM ('{_bound(month)}') TO ('{_bound(next_month(month))}')")


def copy_lines(unit_id: int, batch_ids: list[int]) -> list[str]:
    """The rows the ingest wrote, batch by batch, as COPY text (prepared before the clock)."""
    from django.db import connection

    by_batch: dict[int, list[str]] = {b: [] for b in batch_ids}
    with connection.cursor() as cursor:
        # The unit's chain, in order, through the (chain_key, chain_seq) index.
        cursor.execute(
            "SELECT chain_key, chain_seq, prev_hash, row_hash, region_code, read_at, value, "
            "meter_id, unit_id, batch_id FROM energy_reading WHERE chain_key = %s "
            "ORDER BY chain_seq", [str(unit_id)])
        for k, s, p, h, r, t, v, m, u, b in cursor.fetchall():
            by_batch[b].append(f"{k}\t{s}\t{p}\t{h}\t{r}\t{t.isoformat()}\t{v:.3f}\t{m}\t{u}\t{b}\n")
    return ["".join(by_batch[b]) for b in batch_ids]


def bare_copy(chunks: list[str]) -> float:
    from django.db import connection, transaction

    columns = ("chain_key, chain_seq, prev_hash, row_hash, region_code, read_at, value, "
               "meter_id, unit_id, batch_id")
    started = time.perf_counter()
    for text in chunks:
        with transaction.atomic(), connection.cursor() as cursor, \
                cursor.cursor.copy(f"COPY {SCRATCH} ({columns}) FROM STDIN") as copy:
            for i in range(0, len(text), COPY_BYTES):
                copy.write(text[i:i + COPY_BYTES])
    return time.perf_counter() - started


def ingest(unit, signed) -> tuple[float, list[int]]:
    from jiliang.energy import services

    started = time.perf_counter()
    ids = []
    for batch_id, body, signature, _n in signed:
        result = services.batch_ingest(unit_code=unit.code, batch_id=batch_id, body=body,
                                       content_type="json", signature=signature, channel="local")
        assert result.batch.accepted == _n, result.batch.errors[:3]
        ids.append(result.batch.pk)
    return time.perf_counter() - started, ids


def http(unit, signed) -> float:
    from django.test import Client

    from jiliang.core.models import User
    from jiliang.core.services import api_token_issue, user_create

    user = User.objects.filter(organisation=unit.organisation).first() or user_create(
        actor=None, username=f"bench-{unit.code}"[:150], password="bench-password",
        organisation=unit.organisation, role="enterprise_user")
    _token, key = api_token_issue(actor=user, name="bench")
    client = Client(HTTP_AUTHORIZATION=f"Bearer {key}")
    started = time.perf_counter()
    for batch_id, body, signature, _n in signed:
        response = client.post(f"/api/v1/energy/units/{unit.code}/batches", body,
                               content_type="application/json", HTTP_X_BATCH_ID=batch_id,
                               HTTP_X_SIGNATURE=signature)
        assert response.status_code == 201, response.content[:300]
        assert response.json()["accepted"] == _n, response.content[:300]
    return time.perf_counter() - started


def main() -> None:
    args = parse_args()
    _energy.setup()
    from django.conf import settings
    from django.db import connection

    from jiliang.energy import partitions

    if connection.vendor != "postgresql":
        raise SystemExit("run it against PostgreSQL: DATABASE_URL=postgres://...")
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 50 * 1024 * 1024
    stamp = int(time.time())
    # A fresh unit and a fresh stretch of time each run, so nothing is a repeat.
    start = datetime.datetime(2000, 1, 1, tzinfo=_energy.TZ) + datetime.timedelta(
        days=(stamp // 60) % 7000)
    unit, private = _energy.make_unit(f"BENCH{stamp}", region="440106", meters=args.meters)
    signed = _energy.batches(unit, private, start=start, rows=args.rows, batch_rows=args.batch,
                             prefix="b")
    slots = -(-args.rows // args.meters)
    end = start + datetime.timedelta(minutes=15 * slots)
    months = months_between(start.date(), end.date())
    partitions.ensure(months)
    scratch_table(months)
    print(f"machine: {_energy.machine()}")
    print(f"rows: {args.rows} in {len(signed)} batches of up to {args.batch}, "
          f"{args.meters} meters, {slots} slots of 15 min")

    seconds, batch_ids = ingest(unit, signed)
    ingest_rate = args.rows / seconds
    print(f"ingest path: {seconds:.2f} s, {ingest_rate:,.0f} rows/s")
    chunks = copy_lines(unit.pk, batch_ids)
    copy_seconds = bare_copy(chunks)
    copy_rate = sum(c.count("\n") for c in chunks) / copy_seconds
    print(f"bare COPY of the same rows: {copy_seconds:.2f} s, {copy_rate:,.0f} rows/s")

    http_rows = args.http_rows if args.http_rows is not None else max(args.batch, args.rows // 5)
    unit2, private2 = _energy.make_unit(f"BENCHH{stamp}", region="440106", meters=args.meters)
    signed2 = _energy.batches(unit2, private2, start=start, rows=http_rows,
                              batch_rows=args.batch, prefix="h")
    http_seconds = http(unit2, signed2)
    print(f"HTTP API: {http_rows} rows in {http_seconds:.2f} s, "
          f"{http_rows / http_seconds:,.0f} rows/s")
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {SCRATCH} CASCADE")
    print(f"ingest_vs_copy={ingest_rate / copy_rate:.2f} ingest_rows_per_s={ingest_rate:.0f} "
          f"copy_rows_per_s={copy_rate:.0f}")


if __name__ == "__main__":
    main()
