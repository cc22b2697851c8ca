"""Benchmark: the production server under load, as the README serves it.

    .venv/bin/python bench/serve_load.py [--concurrency 20] [--seconds 20] [--max-requests 20000]

Creates a scratch PostgreSQL database (``jiliang_bench_serve`` on the server of
``BENCH_PG``, default ``postgres://postgres@127.0.0.1:5432``), migrates it and loads the demo
(development settings, a separate step: production never loads it), then starts
``manage.py serve`` in production settings (what ``make serve`` runs: gunicorn with the
settings' workers × threads, a task worker, the scheduler) on a free loopback port and drives
it from an asyncio HTTP/1.1 client with keep-alive connections, ``--concurrency`` at once, each
target for ``--seconds`` or ``--max-requests``, whichever comes first (loopback only, bounded,
stops by itself). Targets:

- ``bare``: ``/healthz?db=1`` — the same server, one row read by primary key;
- ``public_check``: ``/registry/check/?number=<a demo certificate>`` — the public certificate
  check (no login);
- ``list``: ``/registry/instruments/`` as ``gd_clerk`` (signed in through the login form).

Ends with ``public_check_vs_bare=<ratio> list_p95_ms=<n> public_check_rps=<n> bare_rps=<n>``.
Goals on a 2-core machine: public check ≥ 0.6 × bare; list p95 ≤ 150 ms at 20 clients. The
load generator runs on the same machine and takes CPU from the server: the ratio is fair (both
sides pay it), the absolute figures are lower than on a separate client machine.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import re
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parent.parent
DB = os.environ.get("BENCH_SERVE_DB", "jiliang_bench_serve")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def base_env(url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("JILIANG_", "DATABASE_", "PROMETHEUS_"))}
    env["DATABASE_URL"] = url
    return env


def prepare(server: str, fresh: bool) -> str:
    url = f"{server}/{DB}"
    parts = urllib.parse.urlparse(server)
    admin = dict(host=parts.hostname, port=parts.port or 5432, user=parts.username or "postgres",
                 dbname="postgres", autocommit=True)
    with psycopg.connect(**admin) as c:
        exists = c.execute("SELECT 1 FROM pg_database WHERE datname = %s", [DB]).fetchone()
        if exists and fresh:
            c.execute(f"DROP DATABASE {DB} WITH (FORCE)")
            exists = None
        if not exists:
            c.execute(f"CREATE DATABASE {DB}")
    env = base_env(url)
    started = time.perf_counter()
    for args in (["migrate", "--noinput", "-v0"], ["load_demo"]):
        subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True,
                       stdout=subprocess.DEVNULL)
    print(f"database {DB}: migrated and demo loaded in {time.perf_counter() - started:.0f} s")
    return url


def start_server(url: str, port: int, var_dir: Path) -> subprocess.Popen:
    env = base_env(url)
    env.update(JILIANG_ENV="production", JILIANG_SECRET_KEY=secrets.token_urlsafe(50),
               JILIANG_ALLOWED_HOSTS="127.0.0.1", JILIANG_WEB_BIND=f"127.0.0.1:{port}",
               JILIANG_VAR_DIR=str(var_dir), JILIANG_TASK_WORKERS="1",
               JILIANG_READY_CHECKS="database,queue", JILIANG_LOG_LEVEL="WARNING",
               JILIANG_SSL_REDIRECT="0")  # plain HTTP on the loopback, no TLS proxy in front
    process = subprocess.Popen([sys.executable, "manage.py", "serve"], cwd=ROOT, env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                               start_new_session=True)
    for _ in range(600):
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2):
                break
        except OSError:
            if process.poll() is not None:
                raise SystemExit(process.stdout.read()) from None
            time.sleep(0.5)
    print(process.stdout.readline().strip())
    return process


def login(port: int, username: str, password: str) -> str:
    """Sign in through the login form; returns the Cookie header of the session. (The cookies
    are Secure in production; this client sends them over the loopback by hand.)"""
    import http.client

    def request(method: str, path: str, body: str = "", cookies: dict | None = None):
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in (cookies or {}).items())}
        if body:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        content = response.read().decode("utf-8", "replace")
        got = {}
        for name, value in response.getheaders():
            if name.lower() == "set-cookie":
                key, _, rest = value.partition("=")
                got[key] = rest.split(";", 1)[0]
        connection.close()
        return response.status, content, got

    _status, page, cookies = request("GET", "/login/")
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    body = urllib.parse.urlencode({"username": username, "password": password,
                                   "csrfmiddlewaretoken": token})
    status, _page, more = request("POST", "/login/", body, cookies)
    cookies.update(more)
    assert status == 302 and any("session" in k for k in more), "the demo login failed"
    return "; ".join(f"{k}={v}" for k, v in cookies.items())


async def _client(port: int, path: str, headers: str, deadline: float, budget: list[int],
                  latencies: list[float], errors: list[int]) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    request = (f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept-Language: zh-hans\r\n"
               f"X-Forwarded-Proto: https\r\n{headers}\r\n").encode()
    try:
        while time.perf_counter() < deadline and budget[0] > 0:
            budget[0] -= 1
            started = time.perf_counter()
            writer.write(request)
            await writer.drain()
            status_line = await reader.readline()
            length, close = 0, False
            while (line := await reader.readline()) not in (b"\r\n", b""):
                name, _, value = line.decode("latin-1").partition(":")
                if name.lower() == "content-length":
                    length = int(value)
                elif name.lower() == "connection" and "close" in value.lower():
                    close = True
            await reader.readexactly(length)
            latencies.append((time.perf_counter() - started) * 1000)
            if not status_line.startswith(b"HTTP/1.1 200"):
                errors.append(int(status_line.split()[1]))
            if close:
                writer.close()
                reader, writer = await asyncio.open_connection("127.0.0.1", port)
    finally:
        writer.close()


async def drive(port: int, path: str, *, concurrency: int, seconds: float, max_requests: int,
                cookie: str = "") -> dict:
    headers = f"Cookie: {cookie}\r\n" if cookie else ""
    latencies: list[float] = []
    errors: list[int] = []
    budget = [max_requests]
    started = time.perf_counter()
    deadline = started + seconds
    await asyncio.gather(*(_client(port, path, headers, deadline, budget, latencies, errors)
                           for _ in range(concurrency)))
    elapsed = time.perf_counter() - started
    q = statistics.quantiles(latencies, n=100)
    return {"requests": len(latencies), "errors": len(errors), "rps": len(latencies) / elapsed,
            "p50": statistics.median(latencies), "p95": q[94], "p99": q[98]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--concurrency", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--max-requests", type=int, default=20_000)
    parser.add_argument("--fresh", action="store_true", help="drop and reload the database")
    args = parser.parse_args()
    server = os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432")
    url = prepare(server, args.fresh)
    with psycopg.connect(url) as c:
        number = c.execute("SELECT certificate_no FROM registry_verificationrecord "
                           "WHERE conclusion = 'pass' ORDER BY id LIMIT 1").fetchone()[0]
    port = free_port()
    var_dir = Path(os.environ.get("TMPDIR", "/tmp")) / f"jiliang-bench-serve-{os.getpid()}"
    process = start_server(url, port, var_dir)
    try:
        cookie = login(port, "gd_clerk", "jiliang-demo")
        targets = {
            "bare": ("/healthz?db=1", ""),
            "public_check": ("/registry/check/?number=" + urllib.parse.quote(number), ""),
            "list": ("/registry/instruments/", cookie),
        }
        results = {}
        for name, (path, session) in targets.items():
            asyncio.run(drive(port, path, concurrency=args.concurrency, seconds=2,
                              max_requests=200, cookie=session))  # warm-up
            results[name] = r = asyncio.run(drive(
                port, path, concurrency=args.concurrency, seconds=args.seconds,
                max_requests=args.max_requests, cookie=session))
            print(f"{name:<13} {r['requests']:>6} requests  {r['rps']:7.1f} req/s  "
                  f"p50 {r['p50']:6.1f} ms  p95 {r['p95']:6.1f} ms  p99 {r['p99']:6.1f} ms  "
                  f"errors {r['errors']}")
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=60)
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
          f"load average {os.getloadavg()[0]:.1f}; concurrency {args.concurrency}")
    ratio = results["public_check"]["rps"] / results["bare"]["rps"]
    print(f"public_check_vs_bare={ratio:.2f} list_p95_ms={results['list']['p95']:.0f} "
          f"public_check_rps={results['public_check']['rps']:.0f} "
          f"bare_rps={results['bare']['rps']:.0f}")


if __name__ == "__main__":
    main()
