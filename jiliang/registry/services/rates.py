"""The rate cells behind the verification rates: kept in step with every change that moves a count."""

from __future__ import annotations

import datetime

from django.db import connection, transaction

from jiliang.registry import copytext
from jiliang.registry.models import (
    Conclusion,
    Instrument,
    RateDelta,
    Status,
    VerificationRecord,
)
from jiliang.rules import verification as rules


def tally_of(instrument: Instrument) -> rules.Tally:
    records = VerificationRecord.objects.filter(instrument=instrument, corrections__isnull=True)
    recs = [rules.Rec(r.verified_on, r.conclusion == Conclusion.PASS, r.periodic_due_on)
            for r in records.only("verified_on", "conclusion", "periodic_due_on")]
    left = instrument.status_changed_on if instrument.status != Status.IN_USE else None
    return rules.contributions(recs, left_use_on=left)


def cell_key(instrument: Instrument) -> tuple[str, int, str]:
    return instrument.region_code, instrument.kind_id, instrument.use


RATE_UPSERT = """
INSERT INTO registry_ratecell (region_code, province_code, kind_id, use, month,
                               verified, passed, due, due_verified)
VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)
ON CONFLICT (region_code, kind_id, use, month) DO UPDATE SET
    verified = registry_ratecell.verified + excluded.verified,
    passed = registry_ratecell.passed + excluded.passed,
    due = registry_ratecell.due + excluded.due,
    due_verified = registry_ratecell.due_verified + excluded.due_verified
"""


RATE_FOLD = """
INSERT INTO registry_ratecell (region_code, province_code, kind_id, use, month,
                               verified, passed, due, due_verified)
SELECT region_code, province_code, kind_id, use, month,
       SUM(verified), SUM(passed), SUM(due), SUM(due_verified)
FROM registry_ratedelta WHERE id <= %s
GROUP BY region_code, province_code, kind_id, use, month
ON CONFLICT (region_code, kind_id, use, month) DO UPDATE SET
    verified = registry_ratecell.verified + excluded.verified,
    passed = registry_ratecell.passed + excluded.passed,
    due = registry_ratecell.due + excluded.due,
    due_verified = registry_ratecell.due_verified + excluded.due_verified
"""


def rates_fold() -> int:
    """Fold the deltas bulk imports left into the rate cells, set-based; returns how many."""
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                # One fold at a time, and no delta added while this one runs.
                cursor.execute("LOCK TABLE registry_ratedelta IN SHARE ROW EXCLUSIVE MODE")
        last = RateDelta.objects.order_by("-id").values_list("id", flat=True).first()
        if last is None:
            return 0
        with connection.cursor() as cursor:
            cursor.execute(RATE_FOLD, [last])
            cursor.execute("DELETE FROM registry_ratedelta WHERE id <= %s", [last])
            return cursor.rowcount


def rates_add_deltas(cells: dict[tuple[str, int, str, datetime.date], list[int]]) -> None:
    """Record a bulk import's counts as deltas: a plain COPY (PostgreSQL) or an upsert (SQLite)."""
    rows = [(region, region[:2], kind_id, use, month, *values)
            for (region, kind_id, use, month), values in cells.items() if any(values)]
    if not rows:
        return
    if connection.vendor != "postgresql":
        with connection.cursor() as cursor:
            cursor.executemany(RATE_UPSERT, rows)
        return
    with connection.cursor() as cursor:
        copytext.copy_rows(
            cursor.cursor, "COPY registry_ratedelta (region_code, province_code, kind_id, use, "
            "month, verified, passed, due, due_verified) FROM STDIN", rows, line=_RATE_LINE)


_RATE_LINE = copytext.row_formatter("ssisdiiii")


def rates_apply(deltas: dict[tuple[str, int, str, datetime.date], dict[str, int]]) -> None:
    """Add counts to the rate cells (the same statement on SQLite and PostgreSQL)."""
    rows = []
    for (region, kind_id, use, month), measures in sorted(deltas.items()):
        values = [measures.get(m, 0) for m in ("verified", "passed", "due", "due_verified")]
        if any(values):
            rows.append((region, region[:2], kind_id, use, month, *values))
    if rows:
        with connection.cursor() as cursor:
            cursor.executemany(RATE_UPSERT, rows)


def add_tally(deltas: dict, key: tuple[str, int, str], tally: rules.Tally, sign: int = 1) -> None:
    for (month, measure), n in tally.counts.items():
        cell = deltas.setdefault((*key, month), {})
        cell[measure] = cell.get(measure, 0) + sign * n


class RateChange:
    """Takes an instrument's contribution before a change and applies the difference after it."""

    def __init__(self, instrument: Instrument) -> None:
        self.key = cell_key(instrument)
        self.before = tally_of(instrument)

    def commit(self, instrument: Instrument) -> None:
        deltas: dict = {}
        add_tally(deltas, self.key, self.before, -1)
        add_tally(deltas, cell_key(instrument), tally_of(instrument))
        rates_apply(deltas)
