"""A real streaming replica of the local PostgreSQL (scripts/pg-replica.sh: pg_basebackup into a
scratch directory, a second server on another port, run as the postgres OS user): the public
pages read from it while their writes (the look-up log) and everyone's writes go to the
primary, and a browser that has just written reads its own writes from the primary."""

from __future__ import annotations

import os
import shutil
import subprocess
import time

import pytest
from django.conf import settings
from django.db import connection, connections
from django.db.utils import load_backend
from django.test import Client
from django.test.utils import CaptureQueriesContext

from jiliang.core.replica import REPLICA
from jiliang.registry.models import PublicLookup
from tests.production.helpers import ROOT, free_port
from tests.registry.helpers import file, verify

SCRIPT = ROOT / "scripts" / "pg-replica.sh"


@pytest.fixture
def people(db):
    from jiliang.core.reference import load_reference_data
    from tests.personas import build_personas

    load_reference_data()
    return build_personas()


@pytest.fixture
def replica(db):
    if connection.vendor != "postgresql":
        pytest.skip("a streaming replica needs PostgreSQL (this run is on SQLite)")
    if not shutil.which("pg_basebackup") or not shutil.which("runuser"):
        pytest.skip("pg_basebackup or runuser is not installed")
    db = connection.settings_dict
    port = free_port()
    env = {**os.environ, "PGHOST": db["HOST"] or "127.0.0.1", "PGPORT": str(db["PORT"] or 5432),
           "PGUSER": db["USER"] or "postgres"}
    started = subprocess.run(["sh", str(SCRIPT), "start", str(port)], env=env,
                             capture_output=True, text=True, timeout=600)
    if started.returncode in (3, 4):  # no replication allowed here; the standby did not open
        pytest.skip(started.stderr.strip().splitlines()[-1])
    assert started.returncode == 0, started.stderr
    directory = started.stdout.strip().splitlines()[-1]
    config = {**db, "HOST": "127.0.0.1", "PORT": port, "CONN_MAX_AGE": 0,
              "TEST": {"MIRROR": "default"}}
    # As DATABASE_REPLICA_URL would: in settings (the router asks there), with a connection
    # made here; Django's test case refuses aliases it did not set up, so the wrapper has a
    # name of its own ("dynamically created connections are always allowed").
    settings.DATABASES[REPLICA] = config
    connections[REPLICA] = load_backend(config["ENGINE"]).DatabaseWrapper(
        config, "replica_under_test")
    try:
        yield connections[REPLICA]
    finally:
        connections[REPLICA].close()
        del connections[REPLICA]
        del settings.DATABASES[REPLICA]
        subprocess.run(["sh", str(SCRIPT), "stop", directory], env=env, timeout=120)


def _caught_up(replica_connection) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_current_wal_lsn()")
        lsn = cursor.fetchone()[0]
    for _ in range(300):
        with replica_connection.cursor() as cursor:
            cursor.execute("SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", [lsn])
            if cursor.fetchone()[0]:
                return
        time.sleep(0.1)
    raise AssertionError("the replica did not catch up in 30 s")


def _tables(queries, verb: str) -> str:
    return " ".join(q["sql"] for q in queries if q["sql"].lstrip().upper().startswith(verb))


@pytest.mark.django_db(transaction=True)
def test_public_pages_are_served_from_the_replica_while_writes_go_to_the_primary(people, replica):
    p = people
    inst = file(p.acme, serial="REPL-1")
    verify(p.gd_verifier, inst, number="REPL-C-1")
    _caught_up(replica)
    with replica.cursor() as cursor:
        cursor.execute("SELECT pg_is_in_recovery(), inet_server_port()")
        in_recovery, port = cursor.fetchone()
    assert in_recovery and port == replica.settings_dict["PORT"]

    with CaptureQueriesContext(connection) as primary, CaptureQueriesContext(replica) as standby:
        page = Client().get(f"/registry/i/{inst.public_code}/")
    assert page.status_code == 200 and "REPL-1" in page.content.decode()
    assert "registry_instrument" in _tables(standby.captured_queries, "SELECT")
    assert "registry_instrument" not in _tables(primary.captured_queries, "SELECT")
    assert "registry_publiclookup" in _tables(primary.captured_queries, "INSERT")
    assert not _tables(standby.captured_queries, "INSERT")

    # Hold the replica back: what is filed now is on the primary only.
    with replica.cursor() as cursor:
        cursor.execute("SELECT pg_wal_replay_pause()")
    try:
        late = file(p.acme, serial="REPL-2")
        assert Client().get(f"/registry/i/{late.public_code}/").status_code == 404
        # ... and the look-up of that page was written to the primary all the same.
        assert PublicLookup.objects.filter(page="instrument", found=False).exists()  # per day
        # A browser that has just written (any POST) reads from the primary for a while.
        browser = Client()
        browser.post("/i18n/setlang/", {"language": "en"})
        assert browser.get(f"/registry/i/{late.public_code}/").status_code == 200
        # Signed-in work pages are not marked for the replica: they read the primary.
        clerk = Client()
        clerk.force_login(p.gd_clerk)
        assert "REPL-2" in clerk.get("/registry/instruments/?q=REPL-2").content.decode()
    finally:
        with replica.cursor() as cursor:
            cursor.execute("SELECT pg_wal_replay_resume()")
    _caught_up(replica)
    assert Client().get(f"/registry/i/{late.public_code}/").status_code == 200
