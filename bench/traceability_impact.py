"""Benchmark: impact analysis on PostgreSQL — the certificates of one standard since a date, and
the walk of a subtree of 1,000 standards.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/jiliang_bench \
        .venv/bin/python bench/traceability_impact.py --rows 1000000

Fills (set-based SQL) a tree of 1,000 standards under one national primary standard (five
children each, every link a calibration with the parent inside the window of doubt), N/10
instruments and N verification records spread over the standards and three years, then times
through the project's own code:

- ``selectors.certificates_with``-style listing as ``services.impact_open`` reads it: every
  certificate of one standard since a date (pk, instrument, owner, institution, date; a year of
  records), for 30 standards chosen at random; p50 / p95;
- ``services.affected``: the walk of the whole subtree below the root (1,000 standards),
  p50 / p95 over 10 runs;
- baseline in the same process: ``SELECT count(*)`` over the same rows by a sequential scan
  (``enable_indexscan`` and ``enable_bitmapscan`` off), to show what the index saves.

Goals (issue 12, at 10,000,000 records): listing p95 ≤ 100 ms; subtree walk ≤ 1 s. The last line
is ``key=value`` figures.
"""

from __future__ import annotations

import argparse
import datetime
import os
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jiliang.settings")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

STANDARDS = 1000
FAN_OUT = 5
GOALS = {"list_p95_ms": 100.0, "walk_p95_ms": 1000.0}


def fill(rows: int) -> tuple[int, list[int]]:
    """The tree of standards, the instruments and the records; returns (root id, standard ids)."""
    from bench.registry_import import empty_registry, setup_organisations
    from jiliang.catalog.models import InstrumentKind
    from jiliang.core.models import Organisation
    from jiliang.traceability.models import Standard

    owners, institutions = setup_organisations()
    owner_ids = list(Organisation.objects.filter(credit_code__in=owners).values_list("pk",
                                                                                     flat=True))
    inst = Organisation.objects.get(credit_code=institutions["44"][0])
    kind = InstrumentKind.objects.get(code="scale_digital_indicating").pk
    empty_registry()
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE traceability_impactitem, traceability_impactnotice, "
                       "traceability_impactcase, traceability_calibration, "
                       "traceability_certificate, traceability_participant, "
                       "traceability_booking, traceability_device, traceability_standard CASCADE")
        # The national node, then 1,000 standards: standard i (1-based) hangs under (i-1)//5.
        cursor.execute("""
            INSERT INTO traceability_standard (code, name, category, owner_id, region_code,
                province_code, measurand, kinds, range_unit, uncertainty, location, mobile,
                status, created_at)
            SELECT 'BENCH-' || g, 'bench ' || g, CASE WHEN g = 0 THEN 'national' ELSE 'working' END,
                   %(inst)s, '440106', '44', 'mass', '["scale_digital_indicating"]', '', 'u', '',
                   false, 'active', now()
            FROM generate_series(0, %(n)s) g""", {"inst": inst.pk, "n": STANDARDS})
        ids = dict(Standard.objects.filter(code__startswith="BENCH-").values_list("code", "pk"))
        links = [(ids[f"BENCH-{i}"], ids[f"BENCH-{(i - 1) // FAN_OUT}"])
                 for i in range(1, STANDARDS + 1)]
        cursor.executemany("UPDATE traceability_standard SET upstream_id = %s WHERE id = %s",
                           [(parent, child) for child, parent in links])
        cursor.executemany("""
            INSERT INTO traceability_calibration (standard_id, higher_standard_id,
                performed_by_name, certificate_no, calibrated_on, due_on, result, uncertainty,
                recorded_at)
            VALUES (%s, %s, 'bench', 'CAL', DATE '2024-06-01', DATE '2025-06-01', 'ok', '', now())
        """, links)
        instruments = max(1, rows // 10)
        t = time.perf_counter()
        cursor.execute("""
            INSERT INTO registry_instrument (public_code, owner_id, kind_id, use, serial_number,
                manufacturer, model, measuring_range, accuracy_class, household, medium,
                type_approval_no, region_code, province_code, address, status, filed_at,
                last_conclusion, last_certificate_no, due_action, term_rule, term_province_set,
                catalogue_version)
            SELECT 'T' || lpad(g::text, 15, '0'), (%(owners)s::bigint[])[1 + g %% %(n)s],
                   %(kind)s, 'trade', 'TS' || g, '', '', '', '', false, '', '', '440106', '44',
                   '', 'in_use', now(), '', '', '', '', false, ''
            FROM generate_series(0, %(m)s - 1) g""",
                       {"owners": owner_ids, "n": len(owner_ids), "kind": kind,
                        "m": instruments})
        print(f"  instruments {instruments:,} ({time.perf_counter() - t:.0f} s)", flush=True)
        cursor.execute("SELECT min(id) FROM registry_instrument")
        first_instrument = cursor.fetchone()[0]
        standard_ids = [ids[f"BENCH-{i}"] for i in range(1, STANDARDS + 1)]
        batch = 1_000_000
        for start in range(0, rows, batch):
            stop = min(rows, start + batch)
            t = time.perf_counter()
            cursor.execute("""
                INSERT INTO registry_verificationrecord (public_code, instrument_id, owner_id,
                    institution_id, region_code, province_code, verified_on, verification_type,
                    regulation_code, standard_identifier, standard_valid_until, as_found,
                    adjusted, conclusion, failed_items, certificate_no, management_mode,
                    term_rule, term_province_set, verifier_name, checker_name,
                    correction_reason, recorded_at, chain_key, chain_seq, prev_hash, row_hash,
                    standard_id, approver_name, authorisation_no, place, conditions,
                    original_record_no)
                SELECT 'R' || lpad(g::text, 15, '0'), %(i0)s + g %% %(m)s,
                       (%(owners)s::bigint[])[1 + (g %% %(m)s) %% %(n)s], %(inst)s, '440106',
                       '44', DATE '2023-01-01' + ((g * 7919) %% 1095)::int, 'subsequent',
                       'JJG 539-2016', 'bench', DATE '2028-01-01', '', false, 'pass', '[]',
                       'B' || g, 'periodic', '', false, 'a', 'b', '', now(), 'BENCH', g + 1,
                       '', '', (%(stds)s::bigint[])[1 + (g * 104729) %% %(k)s], 'c', '', '', '',
                       ''
                FROM generate_series(%(start)s::bigint, %(stop)s::bigint - 1) g""",
                           {"i0": first_instrument, "m": instruments, "owners": owner_ids,
                            "n": len(owner_ids), "inst": inst.pk, "stds": standard_ids,
                            "k": len(standard_ids), "start": start, "stop": stop})
            print(f"  records {stop:,} ({time.perf_counter() - t:.0f} s)", flush=True)
        cursor.execute("ANALYZE registry_verificationrecord")
        cursor.execute("ANALYZE traceability_calibration")
        cursor.execute("ANALYZE traceability_standard")
    return ids["BENCH-0"], standard_ids


def percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]
    return statistics.median(ordered), p95


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--no-fill", action="store_true", help="reuse the rows on file")
    args = parser.parse_args()
    assert connection.vendor == "postgresql", "run this on PostgreSQL (DATABASE_URL)"
    call_command("migrate", verbosity=0)
    from jiliang.registry.models import VerificationRecord
    from jiliang.traceability.models import Standard
    from jiliang.traceability.services import affected

    if args.no_fill:
        root = Standard.objects.get(code="BENCH-0").pk
        standard_ids = list(Standard.objects.filter(code__startswith="BENCH-").exclude(
            pk=root).values_list("pk", flat=True))
    else:
        t = time.perf_counter()
        root, standard_ids = fill(args.rows)
        print(f"filled in {time.perf_counter() - t:.0f} s", flush=True)
    rows = VerificationRecord.objects.filter(chain_key="BENCH").count()
    since, until = datetime.date(2025, 1, 1), datetime.date(2025, 12, 31)
    rng = random.Random(12)

    def listing(sid: int) -> int:
        # What impact_open reads for each standard of the subtree.
        return len(list(VerificationRecord.objects.filter(
            standard_id=sid, verified_on__gte=since, verified_on__lte=until,
            corrections__isnull=True).values_list("pk", "instrument_id", "owner_id",
                                                   "institution_id", "verified_on")))

    listing(standard_ids[0])
    times, found = [], []
    for sid in rng.sample(standard_ids, 30):
        t = time.perf_counter()
        found.append(listing(sid))
        times.append((time.perf_counter() - t) * 1000)
    list_p50, list_p95 = percentiles(times)

    root_standard = Standard.objects.get(pk=root)
    walk = []
    for _ in range(10):
        t = time.perf_counter()
        doubted = affected(root_standard, since=datetime.date(2024, 1, 1), until=until)
        walk.append((time.perf_counter() - t) * 1000)
    walk_p50, walk_p95 = percentiles(walk)
    assert len(doubted) == STANDARDS + 1, len(doubted)

    with connection.cursor() as cursor:
        cursor.execute("SET enable_indexscan = off")
        cursor.execute("SET enable_bitmapscan = off")
        t = time.perf_counter()
        cursor.execute("SELECT count(*) FROM registry_verificationrecord WHERE standard_id = %s "
                       "AND verified_on BETWEEN %s AND %s", [standard_ids[0], since, until])
        cursor.fetchone()
        scan_ms = (time.perf_counter() - t) * 1000
        cursor.execute("RESET enable_indexscan")
        cursor.execute("RESET enable_bitmapscan")

    print(f"records {rows:,}; standards {len(standard_ids) + 1:,}")
    print(f"certificates of one standard in a year: {statistics.mean(found):.0f} rows, "
          f"p50 {list_p50:.1f} ms, p95 {list_p95:.1f} ms (goal p95 <= {GOALS['list_p95_ms']:.0f} ms;"
          f" sequential-scan baseline {scan_ms:.0f} ms)")
    print(f"subtree walk of {len(doubted):,} standards: p50 {walk_p50:.1f} ms, "
          f"p95 {walk_p95:.1f} ms (goal <= {GOALS['walk_p95_ms']:.0f} ms)")
    print(f"rows={rows} list_p50_ms={list_p50:.1f} list_p95_ms={list_p95:.1f} "
          f"walk_p50_ms={walk_p50:.1f} walk_p95_ms={walk_p95:.1f} scan_baseline_ms={scan_ms:.0f}")


if __name__ == "__main__":
    main()
