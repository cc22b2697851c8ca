"""Benchmark: every GET page and API list of the access matrix, at N instruments.

    .venv/bin/python bench/page_sweep.py --instruments N [--runs 20] [--fresh]

On a scratch PostgreSQL database (``jiliang_bench_sweep`` on ``BENCH_PG``, default
``postgres://postgres@127.0.0.1:5432``): migrates, loads the demo (every app's records), then
N instruments with a verification record each through the registry's bulk import
(bench/registry_import.py's generator: every province, 200 owners), and 10 × N meter readings
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
import tempfile
import time
import urllib.parse
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DB = "jiliang_bench_sweep"


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
    from bench.registry_import import generate, setup_organisations
    from jiliang.energy import services as energy
    from jiliang.registry.importing import import_file

    started = time.perf_counter()
    call_command("load_demo", stdout=io.StringIO())
    print(f"demo loaded in {time.perf_counter() - started:.0f} s")
    started = time.perf_counter()
    owners, institutions = setup_organisations()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "instruments.csv"
        generate(path, instruments, owners, institutions)
        result = import_file(path.read_bytes(), "csv")
    print(f"{result.instruments_added:,} instruments and {result.records_added:,} records "
          f"imported in {time.perf_counter() - started:.0f} s ({result.error_rows} bad rows)")
    started = time.perf_counter()
    unit, private = _energy.make_unit("BENCHSWEEP01", region="440106", meters=100)
    start = datetime.datetime(2026, 1, 1, tzinfo=_energy.TZ)
    total = 0
    for batch_id, body, signature, rows in _energy.batches(
            unit, private, start=start, rows=10 * instruments, batch_rows=10_000, prefix="sweep"):
        energy.batch_ingest(unit_code=unit.code, batch_id=batch_id, body=body,
                            content_type="json", signature=signature, channel="api")
        total += rows
    print(f"{total:,} meter readings ingested in {time.perf_counter() - started:.0f} s")


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
    from django.test import Client

    from jiliang.core.models import User

    results = []
    urls = endpoints()
    for username in ("admin", "gd_clerk"):
        client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
        client.force_login(User.objects.get(username=username))
        for url in urls:
            client.get(url)  # warm-up
            times = []
            status = 0
            for _ in range(runs):
                started = time.perf_counter()
                response = client.get(url)
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
    errors = [r for r in results if r[4] >= 500]
    if errors:
        print(f"{len(errors)} pages answered 5xx: {[(r[2], r[3]) for r in errors]}")
    worst = results[0]
    print(f"worst_p95_ms={worst[0]:.0f} worst={worst[2]} pages={len(results)}")


if __name__ == "__main__":
    main()
