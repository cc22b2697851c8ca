"""Benchmark: what one page costs this process, without load noise: CPU, wall time, statements.

    .venv/bin/python bench/page_cpu.py [--user gd_clerk] [--runs 20] [--profile] URL [URL ...]

Against the database of ``DATABASE_URL`` (e.g. the page sweep's, already filled), requests each
URL through Django's full request stack in this process (as ``bench/page_sweep.py`` does), one
warm-up and ``--runs`` timed requests, and prints per URL the median CPU time of this process
(``time.process_time``: Python's work — middleware, view, ORM, templates — not the database
server's), the median wall time, the statements sent and the size of the answer. CPU time is
what a loaded machine multiplies: on two shared cores a page's p95 under 20 clients is about
20 × its CPU ÷ 2, so it is the figure to bring down. ``--profile`` adds the cProfile functions
with the most cumulative time over the runs; ``--cold`` empties the cache before each request
(the cost of a miss; the sessions live in the database, not the cache). Nothing is written except the sessions and what
the pages themselves log.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jiliang.settings")


def measure(client, url: str, runs: int, extra: dict, profile: cProfile.Profile | None,
            cold: bool = False):
    from django.core.cache import cache
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.get(url, **extra)  # warm-up
    cpu, wall = [], []
    if cold:
        cache.clear()
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, **extra)
    statements = len(queries)  # now: the next request clears the connection's log
    for _ in range(runs):
        if cold:
            cache.clear()
        if profile:
            profile.enable()
        c0, w0 = time.process_time(), time.perf_counter()
        client.get(url, **extra)
        cpu.append((time.process_time() - c0) * 1000)
        wall.append((time.perf_counter() - w0) * 1000)
        if profile:
            profile.disable()
    return (statistics.median(cpu), statistics.median(wall), statements,
            len(response.content), response.status_code)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("urls", nargs="*")
    parser.add_argument("--all", action="store_true",
                        help="every page of bench/page_sweep.py, sorted by CPU at the end")
    parser.add_argument("--user", default="gd_clerk")
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--cold", action="store_true",
                        help="empty the cache before each request: what a page costs on a miss")
    parser.add_argument("--top", type=int, default=40)
    args = parser.parse_args()
    import django

    django.setup()
    from django.conf import settings
    from django.test import Client

    from jiliang.core.models import User
    from jiliang.core.services import api_token_issue
    from tests.base import sign_in

    settings.ALLOWED_HOSTS = ["testserver"]
    user = User.objects.get(username=args.user)
    client = sign_in(Client(HTTP_ACCEPT_LANGUAGE="zh-hans"), user)
    _token, key = api_token_issue(actor=user, name=f"page_cpu {time.time():.0f}")
    profile = cProfile.Profile() if args.profile else None
    print(f"{'cpu ms':>8} {'wall ms':>8} {'stmts':>5} {'bytes':>8} status  url ({args.user}, "
          f"medians of {args.runs}{', cache emptied before each' if args.cold else ''}; "
          f"load average {os.getloadavg()[0]:.1f})")
    urls = list(args.urls)
    if args.all:
        from bench.page_sweep import endpoints

        urls += endpoints()
    rows = []
    for url in urls:
        extra = {"HTTP_AUTHORIZATION": f"Bearer {key}"} if url.startswith("/api/") else {}
        cpu, wall, n, size, status = measure(client, url, args.runs, extra, profile, args.cold)
        rows.append(line := f"{cpu:8.1f} {wall:8.1f} {n:5d} {size:8d} {status:>6}  {url}")
        print(line, flush=True)
    if args.all:
        print("by CPU:")
        print("\n".join(sorted(rows, key=lambda r: -float(r.split()[0]))[:30]))
    if profile:
        pstats.Stats(profile).sort_stats("cumulative").print_stats(args.top)
        pstats.Stats(profile).sort_stats("tottime").print_stats(args.top)


if __name__ == "__main__":
    main()
