"""The restore drill: back up, restore into a fresh database, the chains verify and every
table has the same rows."""

from __future__ import annotations

import io
import shutil
import subprocess
import uuid
from pathlib import Path

import psycopg
import pytest
from django.core.management import call_command
from django.db import connection

from tests.production.helpers import child_env, manage
from tests.registry.helpers import file, verify


@pytest.fixture
def records(db):
    """Personas, instruments and verification records, each with its ledger entries."""
    from jiliang.core.reference import load_reference_data
    from tests.personas import build_personas

    load_reference_data()
    p = build_personas()
    for n in range(4):
        verify(p.gd_verifier, file(p.acme, serial=f"BK-{n}"), number=f"BK-C-{n}")
    return p


def _counts_by_sql(execute) -> dict[str, int]:
    tables = sorted(connection.introspection.django_table_names(only_existing=True))
    return {t: execute(f'SELECT count(*) FROM "{t}"') for t in tables}


def _here_counts() -> dict[str, int]:
    def execute(sql):
        with connection.cursor() as cursor:
            cursor.execute(sql)
            return cursor.fetchone()[0]

    return _counts_by_sql(execute)


@pytest.mark.django_db(transaction=True)
def test_a_sqlite_backup_restores_and_verifies(records, tmp_path):
    if connection.vendor != "sqlite":
        pytest.skip("the SQLite drill (this run is on PostgreSQL)")
    out = io.StringIO()
    call_command("backup", "--output", str(tmp_path), stdout=out)
    backup = Path(out.getvalue().strip())
    assert backup.exists() and backup.suffix == ".sqlite3"
    restored = tmp_path / "restored.sqlite3"
    shutil.copyfile(backup, restored)  # restoring a SQLite backup is putting the file in place
    import sqlite3

    with sqlite3.connect(restored) as db:
        counts = _counts_by_sql(lambda sql: db.execute(sql).fetchone()[0])
    assert counts == _here_counts() and counts["registry_verificationrecord"] == 4
    done = manage("verify_ledger", env=child_env(DATABASE_URL=f"sqlite:///{restored}"))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "all chains verify" in done.stdout


@pytest.mark.django_db(transaction=True)
def test_a_postgresql_dump_restores_into_a_fresh_database_and_verifies(records, tmp_path):
    if connection.vendor != "postgresql":
        pytest.skip("pg_dump / pg_restore drill: runs on PostgreSQL (this run is on SQLite)")
    if not shutil.which("pg_restore"):
        pytest.skip("pg_restore is not installed")
    out = io.StringIO()
    call_command("backup", "--output", str(tmp_path), stdout=out)
    backup = Path(out.getvalue().strip())
    assert backup.exists() and backup.suffix == ".dump"
    db = connection.settings_dict
    host, port, user = db["HOST"] or "127.0.0.1", str(db["PORT"] or 5432), db["USER"] or "postgres"
    fresh = f"{db['NAME']}_restore_{uuid.uuid4().hex[:6]}"
    admin = dict(host=host, port=port, user=user, password=db.get("PASSWORD") or None,
                 dbname="postgres", autocommit=True)
    with psycopg.connect(**admin) as c:
        c.execute(f'CREATE DATABASE "{fresh}"')
    try:
        done = subprocess.run(["pg_restore", "--no-owner", "--exit-on-error", "-h", host, "-p",
                               port, "-U", user, "-d", fresh, str(backup)],
                              capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stderr
        with psycopg.connect(**{**admin, "dbname": fresh}) as c:
            counts = _counts_by_sql(lambda sql: c.execute(sql).fetchone()[0])
            # The append-only triggers came back too.
            assert c.execute("SELECT count(*) FROM pg_trigger WHERE NOT tgisinternal")\
                .fetchone()[0] >= 1
        assert counts == _here_counts() and counts["registry_verificationrecord"] == 4
        url = f"postgres://{user}@{host}:{port}/{fresh}"
        done = manage("verify_ledger", env=child_env(DATABASE_URL=url,
                                                     PGPASSWORD=db.get("PASSWORD")))
        assert done.returncode == 0, done.stdout + done.stderr
        assert "all chains verify" in done.stdout
    finally:
        with psycopg.connect(**admin) as c:
            c.execute(f'DROP DATABASE IF EXISTS "{fresh}" WITH (FORCE)')


@pytest.mark.django_db(transaction=True)
def test_backup_keeps_only_the_newest(tmp_path):
    suffix = ".sqlite3" if connection.vendor == "sqlite" else ".dump"
    for n in range(3):
        (tmp_path / f"jiliang-2020010{n}T000000Z{suffix}").write_bytes(b"old")
    out = io.StringIO()
    call_command("backup", "--output", str(tmp_path), "--keep", "2", stdout=out)
    kept = sorted(p.name for p in tmp_path.iterdir())
    assert kept == [f"jiliang-20200102T000000Z{suffix}", Path(out.getvalue().strip()).name]
