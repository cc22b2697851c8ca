"""Counting public look-ups (an aggregate count per day, not a row per request)."""

from __future__ import annotations

import atexit
import logging
import threading
import time
from collections import Counter

from django.conf import settings
from django.db import connection, transaction
from django.http import Http404
from django.utils import timezone

from jiliang.registry.models import (
    PublicLookup,
)


class _PendingLookups:
    """Look-ups counted in this process and not yet written: with
    ``JILIANG_LOOKUP_FLUSH_SECONDS`` > 0 (production) they are written together, one upsert,
    when that long has passed since the last write (and when the process exits), so a public
    page costs no write of its own. 0 (development, tests): each look-up is written at once."""

    def __init__(self) -> None:
        self.counts: Counter = Counter()
        self.lock = threading.Lock()
        self.since = time.monotonic()

    def add(self, key: tuple, interval: float) -> dict | None:
        """Count ``key``; the counts to write now (taken out), or None."""
        with self.lock:
            self.counts[key] += 1
            now = time.monotonic()
            if now - self.since < interval:
                return None
            self.since, taken = now, dict(self.counts)
            self.counts.clear()
            return taken

    def take(self) -> dict:
        with self.lock:
            taken = dict(self.counts)
            self.counts.clear()
            self.since = time.monotonic()
            return taken


_pending_lookups = _PendingLookups()


def public_lookup_count(*, page: str, code: str = "", found: bool) -> None:
    """Count one public look-up: today's row for the object found (its public code) or, when
    nothing was found, for the page. One upsert adds to a count: anonymous requests never add
    a row each, and typing random codes adds none. (Not in the ledger: a view is not a change
    of record.)"""
    key = (timezone.localdate(), page[:20], (code if found else "")[:60], found)
    interval = float(getattr(settings, "JILIANG_LOOKUP_FLUSH_SECONDS", 0))
    counts = {key: 1} if interval <= 0 else _pending_lookups.add(key, interval)
    if counts:
        _lookups_write(counts)


def public_lookups_flush() -> int:
    """Write the look-ups this process counted and has not written yet; how many."""
    counts = _pending_lookups.take()
    if counts:
        _lookups_write(counts)
    return sum(counts.values())


def _flush_at_exit() -> None:
    try:
        public_lookups_flush()
    except Exception:  # noqa: BLE001 - a process ending with its database gone loses its counts
        logging.getLogger(__name__).warning("public look-up counts not written at exit")


atexit.register(_flush_at_exit)


def _lookups_write(counts: dict) -> None:
    quote = connection.ops.quote_name
    table, count = quote(PublicLookup._meta.db_table), quote("count")
    columns = ", ".join(quote(c) for c in ("day", "page", "code", "found"))
    rows = sorted(counts.items())  # one order for every process: no deadlock between flushes
    # The commit need not wait for the WAL to reach the disk (PostgreSQL, this transaction only):
    # it is a count of visits, and the flush was most of a public page's time (bench/README.md).
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL synchronous_commit TO OFF")
        cursor.execute(
            f"INSERT INTO {table} ({columns}, {count}) VALUES "
            + ", ".join(["(%s, %s, %s, %s, %s)"] * len(rows))
            + f" ON CONFLICT ({columns}) DO UPDATE SET {count} = {table}.{count} + "
              f"EXCLUDED.{count}",
            [v for key, n in rows for v in (*key, n)])


def public_lookup_counted(page: str, lookup, code: str):
    """``lookup(code)`` (a public selector that raises Http404), counted."""
    try:
        found = lookup(code)
    except Http404:
        public_lookup_count(page=page, found=False)
        raise
    public_lookup_count(page=page, code=found.public_code, found=True)
    return found


def public_check_note(result) -> dict:
    """How a public check (``selectors.public_check``) is counted: by the one object it found,
    if one (``public_lookup_count``'s arguments, kept with a cached page for its hits)."""
    objects = [o for o in (result.instrument, result.record, *result.records,
                           *result.instruments) if o is not None]
    found = bool(result.how)
    return {"page": "check", "found": found,
            "code": objects[0].public_code if found and len(objects) == 1 else ""}

