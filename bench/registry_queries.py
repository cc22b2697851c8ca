"""Benchmark: the registry's read paths at 1M and 10M instruments on PostgreSQL.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/jiliang_bench \
        .venv/bin/python bench/registry_queries.py --rows 1000000

Fills the registry with N synthetic instruments (set-based SQL, spread over
every county; about one in eight overdue) and the rate cells that go with
them, then times, through the project's own selectors as a Guangdong clerk
(scope prefix 44): the first page (50 rows) of the province's overdue list,
its count, and the rates by kind for the province over a year. p50 and p95
over 20 runs after one warm-up. Goals at 10M: first page p95 <= 50 ms; count
and rates p95 <= 500 ms.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jiliang.settings")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

GOALS = {"first page of the overdue list": 50.0, "count of the overdue list": 500.0,
         "rates by kind for the province": 500.0}


def fill(rows: int) -> None:
    """N instruments and their rate cells, set-based (this benchmark is about reading)."""
    from bench.registry_import import empty_registry, setup_organisations
    from jiliang.catalog.models import InstrumentKind
    from jiliang.core.models import Organisation, Region

    owners, _institutions = setup_organisations()
    owner_ids = list(Organisation.objects.filter(credit_code__in=owners).values_list("pk", flat=True))
    kinds = list(InstrumentKind.objects.filter(code__in=[
        "scale_digital_indicating", "taximeter", "fuel_dispenser", "vehicle_speed_meter",
        "electricity_meter", "water_meter", "sphygmomanometer", "ecg"]).values_list("pk", flat=True))
    counties = [c for c in Region.objects.filter(level=3).order_by("code")
                .values_list("code", flat=True) if c[:2] not in ("71", "81", "82")]
    empty_registry()
    batch = 1_000_000
    with connection.cursor() as cursor:
        for start in range(0, rows, batch):
            stop = min(rows, start + batch)
            t = time.perf_counter()
            cursor.execute("""
                INSERT INTO registry_instrument (
                    public_code, owner_id, kind_id, use, serial_number, manufacturer, model,
                    measuring_range, accuracy_class, household, medium, type_approval_no,
                    region_code, province_code, address, status, filed_at, first_verified_on,
                    last_verified_on, last_conclusion, last_certificate_no, valid_until,
                    next_due_on, due_action, term_rule, term_province_set)
                SELECT 'Q' || lpad(g::text, 15, '0'), (%(owners)s::bigint[])[1 + g %% %(n_owners)s],
                       (%(kinds)s::bigint[])[1 + g %% %(n_kinds)s], 'trade', 'S' || g, '', '', '', '',
                       false, '', '', c.code, substr(c.code, 1, 2), '',
                       CASE WHEN g %% 50 = 0 THEN 'stopped' ELSE 'in_use' END, now(), v, v,
                       CASE WHEN g %% 40 = 0 THEN 'fail' ELSE 'pass' END, 'C' || g,
                       CASE WHEN g %% 40 = 0 THEN NULL ELSE v + 365 END,
                       CASE WHEN g %% 40 = 0 THEN v ELSE v + 365 END,
                       CASE WHEN g %% 40 = 0 THEN 'failed' ELSE 'verify' END, '', false
                FROM generate_series(%(start)s::bigint, %(stop)s::bigint - 1) AS g,
                     LATERAL (SELECT (%(counties)s::text[])[1 + (g * 7919) %% %(n_counties)s] AS code) c,
                     LATERAL (SELECT current_date - ((g * 104729) %% 420)::int AS v) d
            """, {"owners": owner_ids, "n_owners": len(owner_ids), "kinds": kinds,
                  "n_kinds": len(kinds), "counties": counties, "n_counties": len(counties),
                  "start": start, "stop": stop})
            print(f"  instruments {stop:,} ({time.perf_counter() - t:.0f} s)", flush=True)
        cursor.execute("""
            INSERT INTO registry_ratecell (region_code, province_code, kind_id, use, month,
                                           verified, passed, due, due_verified)
            SELECT region_code, province_code, kind_id, use, month, sum(verified), sum(passed),
                   sum(due), sum(due_verified)
            FROM (
                SELECT region_code, province_code, kind_id, use,
                       date_trunc('month', last_verified_on)::date AS month, 1 AS verified,
                       (last_conclusion = 'pass')::int AS passed, 0 AS due, 0 AS due_verified
                FROM registry_instrument
                UNION ALL
                SELECT region_code, province_code, kind_id, use,
                       date_trunc('month', valid_until)::date, 0, 0, 1,
                       (valid_until < current_date AND id % 5 <> 0)::int
                FROM registry_instrument WHERE valid_until IS NOT NULL
            ) t GROUP BY region_code, province_code, kind_id, use, month
        """)
        cursor.execute("VACUUM ANALYZE registry_instrument")
        cursor.execute("VACUUM ANALYZE registry_ratecell")


def timed(fn, runs: int) -> tuple[float, float, object]:
    fn()  # warm-up
    samples, result = [], None
    for _ in range(runs):
        t = time.perf_counter()
        result = fn()
        samples.append((time.perf_counter() - t) * 1000)
    samples.sort()
    p95 = samples[max(0, int(round(0.95 * len(samples))) - 1)]
    return statistics.median(samples), p95, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--reuse", action="store_true",
                        help="keep the instruments already in the database if there are N")
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        sys.exit("Set DATABASE_URL to a PostgreSQL database.")
    call_command("migrate", verbosity=0)
    from jiliang.core.demo import load_people
    from jiliang.core.models import User
    from jiliang.registry import selectors
    from jiliang.registry.models import Instrument

    load_people()
    have = Instrument.objects.count()
    if not (args.reuse and have == args.rows):
        t = time.perf_counter()
        print(f"filling {args.rows:,} instruments ...", flush=True)
        fill(args.rows)
        print(f"filled in {time.perf_counter() - t:.0f} s")
    clerk = User.objects.select_related("organisation").get(username="gd_clerk")
    year = date.today().year
    checks = {
        "first page of the overdue list":
            lambda: list(selectors.due_list(clerk, window="overdue")[:50]),
        "count of the overdue list": lambda: selectors.due_list(clerk, window="overdue").count(),
        "rates by kind for the province": lambda: selectors.rates_by(
            clerk, group="kind", start=date(year, 1, 1), end=date(year, 12, 31)),
    }
    with connection.cursor() as cursor:
        sql, params = selectors.due_list(clerk, window="overdue")[:50].query.sql_with_params()
        cursor.execute("EXPLAIN " + sql, params)
        plan = [r[0] for r in cursor.fetchall()]
    print("plan of the first page:", " / ".join(
        line.strip() for line in plan if "Scan" in line or "Limit" in line))
    results = []
    for name, fn in checks.items():
        p50, p95, out = timed(fn, args.runs)
        size = out if isinstance(out, int) else len(out)
        verdict = "meets" if p95 <= GOALS[name] else "MISSES"
        results.append((name, p50, p95))
        print(f"{name:<34} p50 {p50:8.1f} ms  p95 {p95:8.1f} ms  (goal at 10M: p95 <= "
              f"{GOALS[name]:.0f} ms: {verdict}; {size:,} {'rows' if name != 'count of the overdue list' else 'overdue'})")
    print(" ".join(f"{key}_p95_ms={p95:.1f}" for key, (_n, _p50, p95) in zip(
        ("page", "count", "rates"), results, strict=True)) + f" rows={args.rows}")


if __name__ == "__main__":
    main()
