"""A consistent copy of the database, taken while the site runs.

PostgreSQL: ``pg_dump --format=custom`` (one snapshot; restore with ``pg_restore``).
SQLite: the sqlite3 online backup API (pages copied under a read lock; writers may go on).
The file lands in ``--output`` (default ``$JILIANG_VAR_DIR/backups``) named by the time;
``--keep N`` removes all but the newest N backups there. Restoring: README, "Backups".
"""

from __future__ import annotations

import datetime
import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connections


def backup_postgresql(db: dict, target: Path) -> None:
    binary = shutil.which("pg_dump")
    if binary is None:
        raise CommandError("pg_dump is not installed (Debian: apt-get install postgresql-client)")
    env = {**os.environ}
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = db["PASSWORD"]
    argv = [binary, "--format=custom", "--no-owner", "--no-privileges", "--file", str(target),
            "--host", db.get("HOST") or "127.0.0.1", "--port", str(db.get("PORT") or 5432),
            "--username", db.get("USER") or "postgres", db["NAME"]]
    done = subprocess.run(argv, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        target.unlink(missing_ok=True)
        raise CommandError(f"pg_dump failed: {done.stderr.strip()}")


def backup_sqlite(db: dict, target: Path) -> None:
    source = sqlite3.connect(str(db["NAME"]))
    copy = sqlite3.connect(str(target))
    try:
        with copy:
            source.backup(copy, pages=4096)
    finally:
        copy.close()
        source.close()


class Command(BaseCommand):
    help = "Back up the database (pg_dump on PostgreSQL, the online backup API on SQLite)."

    def add_arguments(self, parser):
        parser.add_argument("--output", help="directory (default: $JILIANG_VAR_DIR/backups)")
        parser.add_argument("--keep", type=int, default=0,
                            help="keep only the newest N backups in that directory")
        parser.add_argument("--database", default="default")

    def handle(self, *args, output=None, keep=0, database="default", **options):
        db = connections[database].settings_dict
        folder = Path(output) if output else settings.VAR_DIR / "backups"
        folder.mkdir(parents=True, exist_ok=True)
        stamp = datetime.datetime.now(datetime.UTC).strftime("%Y%m%dT%H%M%SZ")
        vendor = connections[database].vendor
        if vendor == "postgresql":
            target = folder / f"jiliang-{stamp}.dump"
            backup_postgresql(db, target)
        elif vendor == "sqlite":
            target = folder / f"jiliang-{stamp}.sqlite3"
            backup_sqlite(db, target)
        else:
            raise CommandError(f"no backup method for {vendor}")
        if keep > 0:
            old = sorted(folder.glob("jiliang-*.*"), reverse=True)[keep:]
            for path in old:
                path.unlink()
        self.stdout.write(str(target))
