"""Monthly partitions of the readings table on PostgreSQL (nothing to do on SQLite).

A partition covers one local month (Asia/Shanghai by default), so a month's
readings, and its removal or archiving one day, are one table. Partitions are
created before a batch that needs them is written (and a few months ahead by the
daily task); the default partition only catches what would otherwise fail.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.db import connection, transaction
from django.utils import timezone

from jiliang.rules.months import month_start, next_month

PARENT = "energy_reading"
_known: set[tuple[str, str]] = set()  # (database name, partition) known to exist


def partition_name(month: datetime.date) -> str:
    return f"{PARENT}_p{month:%Y%m}"


def _bound(month: datetime.date) -> str:
    start = datetime.datetime.combine(month, datetime.time(), timezone.get_current_timezone())
    return start.isoformat()


def existing() -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
            "JOIN pg_class p ON p.oid = i.inhparent WHERE p.relname = %s", [PARENT])
        return {row[0] for row in cursor.fetchall()}


def ensure(months: Iterable[datetime.date]) -> list[str]:
    """Create the partitions of these months if missing; returns the ones created."""
    if connection.vendor != "postgresql":
        return []
    db = connection.settings_dict["NAME"]
    wanted = {partition_name(month_start(m)): month_start(m) for m in months}
    missing = {name: m for name, m in wanted.items() if (db, name) not in _known}
    if not missing:
        return []
    created = []
    with transaction.atomic():
        with connection.cursor() as cursor:
            # One creator at a time; the check is repeated under the lock.
            cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [PARENT])
        have = existing()
        for name, month in sorted(missing.items()):
            if name not in have:
                with connection.cursor() as cursor:
                    cursor.execute(
                        f'CREATE TABLE "{name}" PARTITION OF "{PARENT}" '
                        f"FOR VALUES FROM ('{_bound(month)}') TO ('{_bound(next_month(month))}')")
                created.append(name)
    # Known only once committed: a rolled-back creation must be tried again.
    names = [(db, name) for name in wanted]
    transaction.on_commit(lambda: _known.update(names))
    return created
