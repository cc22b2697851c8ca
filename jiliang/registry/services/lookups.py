"""Counting public look-ups (an aggregate count per day, not a row per request)."""

from __future__ import annotations

from django.db import connection, transaction
from django.http import Http404
from django.utils import timezone

from jiliang.registry.models import (
    PublicLookup,
)


def public_lookup_count(*, page: str, code: str = "", found: bool) -> None:
    """Count one public look-up: today's row for the object found (its public code) or, when
    nothing was found, for the page. One upsert adds to a count: anonymous requests never add
    a row each, and typing random codes adds none. (Not in the ledger: a view is not a change
    of record.)"""
    quote = connection.ops.quote_name
    table, count = quote(PublicLookup._meta.db_table), quote("count")
    # The commit need not wait for the WAL to reach the disk (PostgreSQL, this transaction only):
    # it is a count of visits, and the flush was most of a public page's time (bench/README.md).
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL synchronous_commit TO OFF")
        cursor.execute(
            f"INSERT INTO {table} ({quote('day')}, {quote('page')}, {quote('code')}, "
            f"{quote('found')}, {count}) VALUES (%s, %s, %s, %s, 1) "
            f"ON CONFLICT ({quote('day')}, {quote('page')}, {quote('code')}, {quote('found')}) "
            f"DO UPDATE SET {count} = {table}.{count} + 1",
            [timezone.localdate(), page[:20], (code if found else "")[:60], found])


def public_lookup_counted(page: str, lookup, code: str):
    """``lookup(code)`` (a public selector that raises Http404), counted."""
    try:
        found = lookup(code)
    except Http404:
        public_lookup_count(page=page, found=False)
        raise
    public_lookup_count(page=page, code=found.public_code, found=True)
    return found


def public_check_count(result) -> None:
    """Count a public check (``selectors.public_check``) by the one object it found, if one."""
    objects = [o for o in (result.instrument, result.record, *result.records,
                           *result.instruments) if o is not None]
    found = bool(result.how)
    public_lookup_count(page="check", found=found,
                        code=objects[0].public_code if found and len(objects) == 1 else "")
