"""Benchmark: every GET page and API list of the access matrix, at N instruments.

    .venv/bin/python bench/page_sweep.py --instruments N [--runs 20] [--fresh]

On a scratch PostgreSQL database (``jiliang_bench_sweep`` on ``BENCH_PG``, default
``postgres://postgres@127.0.0.1:5432``): migrates, loads the demo (every app's records), then
N instruments with a verification record each, set-based (every county of every province, 200
owners, bench/registry_import.py's organisations), and 10 × N meter readings
through the energy ingest path (bench/_energy.py: one unit, 100 meters, signed batches).
Then requests, in this process through Django's full request stack (middleware, sessions,
templates; no network), every parameterless GET page of the URL resolver and every API list
operation of the OpenAPI schema — the endpoints the access matrix requests — as ``admin``
(national scope) and ``gd_clerk`` (Guangdong), ``--runs`` times each after one warm-up,
prints the ten slowest by p95 and ends with ``worst_p95_ms=<n> worst=<url> pages=<count>``.
Goals: at N = 1,000,000 no page's p95 above 300 ms; at 10,000,000 above 1 s.
"""

from __future__ import annotations

import argparse
import datetime
import os
import statistics
import sys
import time
import urllib.parse
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DB = os.environ.get("BENCH_SWEEP_DB", "jiliang_bench_sweep")


def database(server: str, fresh: bool) -> bool:
    """Create the scratch database; True when it is new (to be filled)."""
    parts = urllib.parse.urlparse(server)
    with psycopg.connect(host=parts.hostname, port=parts.port or 5432,
                         user=parts.username or "postgres", dbname="postgres",
                         autocommit=True) as c:
        exists = c.execute("SELECT 1 FROM pg_database WHERE datname = %s", [DB]).fetchone()
        if exists and fresh:
            c.execute(f"DROP DATABASE {DB} WITH (FORCE)")
            exists = None
        if not exists:
            c.execute(f"CREATE DATABASE {DB}")
    return not exists


def fill(instruments: int) -> None:
    import io

    from django.core.management import call_command

    from bench import _energy
    from jiliang.energy import services as energy

    started = time.perf_counter()
    call_command("load_demo", stdout=io.StringIO())
    print(f"demo loaded in {time.perf_counter() - started:.0f} s", flush=True)
    started = time.perf_counter()
    fill_registry(instruments)
    print(f"{instruments:,} instruments and {instruments:,} records filled in "
          f"{time.perf_counter() - started:.0f} s", flush=True)
    started = time.perf_counter()
    unit, private = _energy.make_unit("BENCHSWEEP01", region="440106", meters=100)
    start = datetime.datetime(2026, 1, 1, tzinfo=_energy.TZ)
    total = 0
    for batch_id, body, signature, rows in _energy.iter_batches(
            unit, private, start=start, rows=10 * instruments, batch_rows=10_000, prefix="sweep"):
        energy.batch_ingest(unit_code=unit.code, batch_id=batch_id, body=body,
                            content_type="json", signature=signature, channel="api")
        total += rows
    print(f"{total:,} meter readings ingested in {time.perf_counter() - started:.0f} s",
          flush=True)


def fill_registry(rows: int) -> None:
    """N instruments beside the demo's, each with one verification record, and their rate
    cells: set-based SQL (as bench/registry_queries.py fills; this benchmark is about reading
    pages, the import has a benchmark of its own). Spread over every county of every province,
    200 owners, each province's bench institution; about one in eight overdue, one in forty
    failed. The records' chain is a chain key of their own (``bench-<province>``) and is not
    verified."""
    from django.db import connection

    from bench.registry_import import setup_organisations
    from jiliang.catalog.models import InstrumentKind
    from jiliang.core.models import Organisation, Region

    owners, institutions = setup_organisations()
    owner_ids = list(Organisation.objects.filter(credit_code__in=owners)
                     .values_list("pk", flat=True))
    codes = {p: code for p, (code, _standard) in institutions.items()}
    by_code = dict(Organisation.objects.filter(credit_code__in=codes.values())
                   .values_list("credit_code", "pk"))
    institution_of = {p: by_code[c] for p, c in codes.items()}
    kinds = list(InstrumentKind.objects.filter(code__in=[
        "scale_digital_indicating", "taximeter", "fuel_dispenser", "vehicle_speed_meter",
        "electricity_meter", "water_meter", "sphygmomanometer", "ecg"]).values_list("pk", flat=True))
    counties = [c for c in Region.objects.filter(level=3).order_by("code")
                .values_list("code", flat=True) if c[:2] in institution_of]
    batch = 250_000
    with connection.cursor() as cursor:
        cursor.execute("CREATE TEMP TABLE bench_inst_of (province text PRIMARY KEY, id bigint)")
        cursor.executemany("INSERT INTO bench_inst_of VALUES (%s, %s)",
                           list(institution_of.items()))
        for start in range(0, rows, batch):
            stop = min(rows, start + batch)
            t = time.perf_counter()
            cursor.execute("""
                INSERT INTO registry_instrument (
                    public_code, owner_id, kind_id, use, serial_number, manufacturer, model,
                    measuring_range, accuracy_class, household, medium, type_approval_no,
                    region_code, province_code, address, status, filed_at, first_verified_on,
                    last_verified_on, last_conclusion, last_institution_id, last_certificate_no,
                    valid_until, next_due_on, due_action, term_rule, term_province_set,
                    catalogue_version)
                SELECT 'B' || lpad(g::text, 15, '0'), (%(owners)s::bigint[])[1 + g %% %(n_owners)s],
                       (%(kinds)s::bigint[])[1 + g %% %(n_kinds)s], 'trade', 'BS' || g,
                       '基准制造厂', 'M-1', '', 'III', false, '', '', c.code,
                       substr(c.code, 1, 2), '',
                       CASE WHEN g %% 50 = 0 THEN 'stopped' ELSE 'in_use' END, now(), v, v,
                       CASE WHEN g %% 40 = 0 THEN 'fail' ELSE 'pass' END, i.id, 'BC' || g,
                       CASE WHEN g %% 40 = 0 THEN NULL ELSE v + 365 END,
                       CASE WHEN g %% 40 = 0 THEN v ELSE v + 365 END,
                       CASE WHEN g %% 40 = 0 THEN 'failed' ELSE 'verify' END, '', false, ''
                FROM generate_series(%(start)s::bigint, %(stop)s::bigint - 1) AS g,
                     LATERAL (SELECT (%(counties)s::text[])[1 + (g * 7919) %% %(n_counties)s]
                              AS code) c,
                     LATERAL (SELECT current_date - ((g * 104729) %% 420)::int AS v) d,
                     bench_inst_of i
                WHERE i.province = substr(c.code, 1, 2)
            """, {"owners": owner_ids, "n_owners": len(owner_ids), "kinds": kinds,
                  "n_kinds": len(kinds), "counties": counties, "n_counties": len(counties),
                  "start": start, "stop": stop})
            cursor.execute("""
                INSERT INTO registry_verificationrecord (
                    chain_key, chain_seq, prev_hash, row_hash, public_code, region_code,
                    province_code, verified_on, verification_type, regulation_code,
                    standard_identifier, standard_valid_until, as_found, adjusted, conclusion,
                    failed_items, certificate_no, valid_until, management_mode, periodic_due_on,
                    term_rule, term_province_set, verifier_name, checker_name,
                    correction_reason, recorded_at, institution_id, instrument_id, owner_id,
                    approver_name, authorisation_no, conditions, original_record_no, place)
                SELECT 'bench-' || province_code, id, '', '', public_code, region_code,
                       province_code, last_verified_on, 'subsequent', 'JJG 539-2016',
                       'STD-BENCH-1', last_verified_on + 400, '', false, last_conclusion,
                       '[]'::jsonb, last_certificate_no, valid_until, 'periodic', valid_until,
                       '', false, '张三', '李四', '', now(), last_institution_id, id, owner_id,
                       '王五', '', '', '', ''
                FROM registry_instrument
                WHERE public_code >= 'B' || lpad(%(start)s::text, 15, '0')
                  AND public_code < 'B' || lpad(%(stop)s::text, 15, '0')
            """, {"start": start, "stop": stop})
            print(f"  instruments and records {stop:,} ({time.perf_counter() - t:.0f} s)",
                  flush=True)
        cursor.execute("""
            INSERT INTO registry_ratecell (region_code, province_code, kind_id, use, month,
                                           verified, passed, due, due_verified)
            SELECT region_code, province_code, kind_id, use, month, sum(verified), sum(passed),
                   sum(due), sum(due_verified)
            FROM (
                SELECT region_code, province_code, kind_id, use,
                       date_trunc('month', last_verified_on)::date AS month, 1 AS verified,
                       (last_conclusion = 'pass')::int AS passed, 0 AS due, 0 AS due_verified
                FROM registry_instrument WHERE public_code LIKE 'B0%%'
                UNION ALL
                SELECT region_code, province_code, kind_id, use,
                       date_trunc('month', valid_until)::date, 0, 0, 1,
                       (valid_until < current_date AND id %% 5 <> 0)::int
                FROM registry_instrument
                WHERE public_code LIKE 'B0%%' AND valid_until IS NOT NULL
            ) t GROUP BY region_code, province_code, kind_id, use, month
            ON CONFLICT (region_code, kind_id, use, month) DO UPDATE SET
                verified = registry_ratecell.verified + EXCLUDED.verified,
                passed = registry_ratecell.passed + EXCLUDED.passed,
                due = registry_ratecell.due + EXCLUDED.due,
                due_verified = registry_ratecell.due_verified + EXCLUDED.due_verified
        """, {})
        for table in ("registry_instrument", "registry_verificationrecord", "registry_ratecell"):
            cursor.execute(f"VACUUM ANALYZE {table}")


def endpoints() -> list[str]:
    from tests.test_access_matrix import api_operations, url_patterns

    urls = []
    for route, _name, _callback, has_params in url_patterns():
        if not has_params:
            urls.append("/" + route)
    for method, path, _op, _public in api_operations():
        if method == "GET" and "{" not in path:
            urls.append(path)
    return sorted(set(urls))


def sweep(runs: int) -> list[tuple[float, float, str, str, int]]:
    import gc

    from django.test import Client

    from jiliang.core.models import User
    from jiliang.core.services import api_token_issue
    from tests.base import sign_in

    results = []
    urls = endpoints()
    for username in ("admin", "gd_clerk"):
        user = User.objects.get(username=username)
        # Signed in as after the password and (the national administrator) the second factor;
        # the API with a bearer token, as its clients call it.
        client = sign_in(Client(HTTP_ACCEPT_LANGUAGE="zh-hans"), user)
        _token, key = api_token_issue(actor=user, name=f"sweep {time.time():.0f}")
        bearer = {"HTTP_AUTHORIZATION": f"Bearer {key}"}
        # What the web server's workers do once the site is loaded (jiliang/gunicorn_conf.py):
        # what is loaded so far is left out of the collector's full passes.
        gc.collect()
        gc.freeze()
        for url in urls:
            extra = bearer if url.startswith("/api/") else {}
            client.get(url, **extra)  # warm-up
            times = []
            status = 0
            for _ in range(runs):
                started = time.perf_counter()
                response = client.get(url, **extra)
                times.append((time.perf_counter() - started) * 1000)
                status = response.status_code
            p95 = statistics.quantiles(times, n=20)[18] if len(times) > 1 else times[0]
            results.append((p95, statistics.median(times), url, username, status))
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--instruments", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--fresh", action="store_true", help="drop and refill the database")
    parser.add_argument("--fill-only", action="store_true",
                        help="fill the database and stop (sweep later, e.g. after a change)")
    args = parser.parse_args()
    server = os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432")
    new = database(server, args.fresh)
    os.environ["DATABASE_URL"] = f"{server}/{DB}"
    for name in [k for k in os.environ if k.startswith("JILIANG_")]:
        del os.environ[name]
    os.environ["DJANGO_SETTINGS_MODULE"] = "jiliang.settings"
    from bench import _energy

    _energy.setup()
    if new:
        fill(args.instruments)
    else:
        print(f"database {DB} kept from an earlier run (--fresh refills it)")
    if args.fill_only:
        return
    from django.conf import settings

    settings.ALLOWED_HOSTS = ["testserver"]
    started = time.perf_counter()
    results = sweep(args.runs)
    print(f"swept {len(results)} page × user pairs, {args.runs} runs each, "
          f"in {time.perf_counter() - started:.0f} s; {_energy.machine()}")
    results.sort(reverse=True)
    print(f"{'p95 ms':>8} {'p50 ms':>8}  status  user      url")
    for p95, p50, url, user, status in results[:10]:
        print(f"{p95:8.1f} {p50:8.1f}  {status:>6}  {user:<9} {url}")
    print("the ten slowest by p50 (the page's own cost; a p95 on a shared machine is often "
          "another job's)")
    for p95, p50, url, user, status in sorted(results, key=lambda r: -r[1])[:10]:
        print(f"{p95:8.1f} {p50:8.1f}  {status:>6}  {user:<9} {url}")
    errors = [r for r in results if r[4] >= 500]
    if errors:
        print(f"{len(errors)} pages answered 5xx: {[(r[2], r[3]) for r in errors]}")
    statuses: dict[int, int] = {}
    for r in results:
        statuses[r[4]] = statuses.get(r[4], 0) + 1
    print("statuses:", ", ".join(f"{k}: {v}" for k, v in sorted(statuses.items())))
    worst = results[0]
    print(f"worst_p95_ms={worst[0]:.0f} worst={worst[2]} pages={len(results)} "
          f"worst_p50_ms={max(r[1] for r in results):.0f}")


if __name__ == "__main__":
    main()
