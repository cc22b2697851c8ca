"""`make serve` for real: production settings, gunicorn, a task worker and the scheduler on a
fresh database, hashed static files with long cache headers, no demo, a clean stop."""

from __future__ import annotations

import re
import signal
import sqlite3
import subprocess
import sys
import time
import urllib.request

from tests.production.helpers import ROOT, free_port, listening, production_env


def _get(url: str) -> tuple[int, dict, bytes]:
    with urllib.request.urlopen(url, timeout=30) as response:
        return response.status, dict(response.headers), response.read()


def test_serve_runs_the_production_stack_on_a_fresh_database(tmp_path):
    port = free_port()
    env = production_env(tmp_path, JILIANG_WEB_BIND=f"127.0.0.1:{port}", JILIANG_WEB_WORKERS="2",
                         JILIANG_WEB_THREADS="2", JILIANG_TASK_WORKERS="1",
                         JILIANG_READY_CHECKS="database,queue")
    process = subprocess.Popen([sys.executable, str(ROOT / "manage.py"), "serve"], cwd=ROOT,
                               env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               text=True)
    try:
        for _ in range(600):
            if listening("127.0.0.1", port) or process.poll() is not None:
                break
            time.sleep(0.5)
        assert process.poll() is None, process.stdout.read()
        base = f"http://127.0.0.1:{port}"
        assert _get(base + "/healthz")[0] == 200
        status, _headers, body = _get(base + "/readyz")
        assert status == 200 and b'"ready"' in body
        status, headers, home = _get(base + "/")
        assert status == 200 and headers["Server"] == "gunicorn"
        assert re.search(r"X-Request-ID", str(headers.keys()))
        # Static files by hashed name, cached for a long time.
        css = re.search(rb'/static/(jiliang/site\.[0-9a-f]{12}\.css)', home)
        assert css, "the page does not link the hashed stylesheet"
        status, headers, _ = _get(f"{base}/static/{css.group(1).decode()}")
        assert status == 200
        assert "immutable" in headers["Cache-Control"]
        assert int(re.search(r"max-age=(\d+)", headers["Cache-Control"]).group(1)) >= 31536000
        # No demo: nobody can sign in as a demo user.
        with sqlite3.connect(tmp_path / "jiliang.sqlite3") as db:
            assert db.execute("SELECT count(*) FROM core_user").fetchone()[0] == 0
    finally:
        process.send_signal(signal.SIGTERM)
        output = process.communicate(timeout=60)[0]
    assert process.returncode == 0, output
    assert "task worker" in output and "gunicorn" in output.lower()
    assert not listening("127.0.0.1", port)
