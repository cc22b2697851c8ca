"""The loaders: they merge prepared chunks into the tables, each chunk in one transaction
(PostgreSQL with COPY and set-based statements, SQLite with batched statements)."""

from __future__ import annotations

import datetime
import json
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager

import psycopg
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from jiliang.audit.chain import chain_lock
from jiliang.core.tabular import RowError
from jiliang.registry import copytext, services
from jiliang.registry.evidence import evidence_write_many
from jiliang.registry.importing.preparing import (
    INST_COLS,
    REC_COLS,
    Group,
    Prepared,
    add_cells,
    chain_link,
    rebuild_group,
)
from jiliang.registry.importing.reading import TITLES, Good, ImportResult
from jiliang.registry.models import VerificationRecord


class _OnFile(Exception):  # noqa: N818 - control flow: part of the chunk is on file already
    pass


def psycopg_errors() -> type[Exception]:
    return psycopg.errors.IntegrityError


class Loader:
    """Merges prepared chunks; the subclasses load and look up."""

    def __init__(self, actor) -> None:
        self.actor = actor
        self.timings: dict[str, float] = {}  # seconds per phase, for the benchmark's report

    @contextmanager
    def phase(self, name: str) -> Iterator[None]:
        start = time.perf_counter()
        try:
            yield
        finally:
            self.timings[name] = self.timings.get(name, 0.0) + time.perf_counter() - start

    # Hooks --------------------------------------------------------------------------------
    def merge_instruments(self, groups: dict[tuple, Group]) -> None:
        """Insert the instruments not on file; set every group's instrument_id and inserted."""
        raise NotImplementedError

    def existing_records(self, wanted: list[tuple[int, str]]) -> dict[tuple[int, str], tuple]:
        """(institution, number) -> (instrument id, owner id, kind id, serial) of records on file."""
        raise NotImplementedError

    def insert_records(self, new: list[tuple[Group, Good]], writers: dict) -> None:
        raise NotImplementedError

    def apply_cells(self, cells: dict[tuple, list[int]]) -> None:
        services.rates_add_deltas(cells)

    # Shared -------------------------------------------------------------------------------
    optimistic = False  # the loader may try a chunk assuming nothing of it is on file yet

    def merge(self, prep: Prepared, result: ImportResult) -> None:
        """Merge a chunk: optimistically when the previous one found nothing on file (a fresh
        load), falling back to the careful path, inside the same transaction, the moment an
        instrument or a certificate of the chunk turns out to be on file."""
        if self.optimistic and self.fresh:
            attempt = ImportResult()
            try:
                with transaction.atomic():
                    self._merge_fresh(prep, attempt)
            except _OnFile:
                self.fresh = False
                for group in prep.groups.values():
                    group.instrument_id, group.inserted = None, False
            else:
                result.instruments_added += attempt.instruments_added
                result.records_added += attempt.records_added
                result.evidence_added += attempt.evidence_added
                result.findings_added += attempt.findings_added
                return
        before = result.already_on_file
        self._merge_careful(prep, result)
        self.fresh = result.already_on_file == before

    fresh = True

    fresh_attempt = False

    def _merge_fresh(self, prep: Prepared, result: ImportResult) -> None:
        groups = prep.groups
        self.fresh_attempt = True
        try:
            self.merge_instruments(groups)
        except (IntegrityError, psycopg_errors()) as error:
            raise _OnFile from error
        finally:
            self.fresh_attempt = False
        if not all(g.inserted for g in groups.values()):
            raise _OnFile
        result.instruments_added += len(groups)
        new = [(group, good) for group in groups.values() for good in group.recs]
        if new:
            try:
                self._chain_and_insert(new, result)
            except (IntegrityError, psycopg_errors()) as error:
                raise _OnFile from error
            result.records_added += len(new)
        with self.phase("rate deltas (COPY)"):
            self.apply_cells({k: v for k, v in prep.cells.items() if any(v)})

    def _chain_and_insert(self, new: list[tuple[Group, Good]], result: ImportResult) -> None:
        new.sort(key=lambda gg: (gg[1].region[:2], gg[0].instrument_id,
                                 gg[1].rec["verified_on"], gg[1].row))
        with ExitStack() as stack:
            writers = {p: stack.enter_context(chain_lock(VerificationRecord.chain_name(), p))
                       for p in sorted({g.region[:2] for _grp, g in new})}
            self.insert_records(new, writers)
        self._write_evidence(new, result)

    def _write_evidence(self, new: list[tuple[Group, Good]], result: ImportResult) -> None:
        """Issue 18: the evidence of the records just inserted, chained, and the findings
        against the record before each (found by the records' public codes)."""
        wanted = {good.rec_values[0]: good.rec["evidence"] for _group, good in new
                  if good.rec.get("evidence") is not None}
        if not wanted:
            return
        with self.phase("evidence (chain + findings)"):
            codes, ids = list(wanted), {}
            for start in range(0, len(codes), 500):
                ids.update(VerificationRecord.objects.filter(
                    public_code__in=codes[start:start + 500]).values_list("public_code", "id"))
            added, findings = evidence_write_many({ids[c]: ev for c, ev in wanted.items()})
        result.evidence_added += added
        result.findings_added += findings

    def _merge_careful(self, prep: Prepared, result: ImportResult) -> None:
        """Merge a chunk part of which may be on file: the certificates on file first, then the
        instruments, then the records not on file and the rate cells."""
        on_file = self._certificates_on_file(prep, result)
        groups = prep.groups
        self.merge_instruments(groups)
        result.instruments_added += sum(1 for g in groups.values() if g.inserted)
        new, touched = _sort_out(groups, on_file, prep.cells, result)
        if new:
            self._chain_and_insert(new, result)
            result.records_added += len(new)
        if touched:
            self._instruments_on_file(touched, prep.cells)
        with self.phase("rate deltas (COPY)"):
            self.apply_cells({k: v for k, v in prep.cells.items() if any(v)})

    def _certificates_on_file(self, prep: Prepared, result: ImportResult) -> set[int]:
        """Certificates already on file: the same instrument's are on file already (their rows'
        ids are returned); another instrument's make the row bad, before anything of it lands."""
        wanted = [(r.rec["institution_id"], r.rec["certificate_no"])
                  for g in prep.groups.values() for r in g.recs]
        existing = self.existing_records(wanted) if wanted else {}
        filed_on = timezone.localtime(prep.recorded_at).date()
        on_file: set[int] = set()
        for key, group in list(prep.groups.items()):
            bad = _split_on_file(key, group, existing, on_file, result)
            if bad:
                _drop_rows(prep, key, group, bad, filed_on)
        return on_file

    def _instruments_on_file(self, touched: dict, cells: dict) -> None:
        """Instruments already on file that received records: rates before and after, state."""
        services.import_instruments_refresh(mine={
            pk: {(g.rec["institution_id"], g.rec["certificate_no"]) for g in goods}
            for pk, (_group, goods) in touched.items()}, cells=cells)


def _split_on_file(key: tuple, group: Group, existing: dict, on_file: set[int],
                   result: ImportResult) -> list[Good]:
    """The group's records whose certificate is on file: its own (added to ``on_file``), or
    another instrument's (returned, each an error of its row)."""
    bad = []
    for good in group.recs:
        found = existing.get((good.rec["institution_id"], good.rec["certificate_no"]))
        if found is None:
            continue
        if found[1:] == key:
            on_file.add(id(good))
        else:
            bad.append(good)
            result.errors.append(RowError(good.row, TITLES["certificate_no"], _(
                "This institution has issued number %(no)s for another instrument.") % {
                "no": good.rec["certificate_no"]}))
    return bad


def _drop_rows(prep: Prepared, key: tuple, group: Group, bad: list[Good],
               filed_on: datetime.date) -> None:
    """Take bad rows out of their group: the instrument's row and cells again, or no
    instrument if none of its rows is left."""
    cells = prep.cells
    add_cells(cells, group.cells, -1)
    group.rows = [g for g in group.rows if g not in bad]
    group.recs = [g for g in group.recs if g not in bad]
    if not group.rows:
        del prep.groups[key]
        return
    rebuild_group(group, filed_on, prep.recorded_at)
    add_cells(cells, group.cells)


def _sort_out(groups: dict[tuple, Group], on_file: set[int], cells: dict,
              result: ImportResult) -> tuple[list[tuple[Group, Good]], dict]:
    """After the instruments are merged: count the rows on file, and list the records to insert
    and the instruments on file that receive some (their cells are counted from the table)."""
    new: list[tuple[Group, Good]] = []
    touched: dict[int, tuple[Group, list[Good]]] = {}
    for group in groups.values():
        # Rows of instruments already on file without a verification are on file.
        result.already_on_file += sum(1 for r in group.rows if r.rec is None
                                      and not group.inserted)
        result.already_on_file += sum(1 for r in group.recs if id(r) in on_file)
        fresh = [g for g in group.recs if id(g) not in on_file]
        new.extend((group, good) for good in fresh)
        if not group.inserted:
            add_cells(cells, group.cells, -1)  # counted below, from the table
            if fresh:
                touched[group.instrument_id] = (group, fresh)
    return new, touched


STAGE = "registry_import_stage"


class PostgresLoader(Loader):
    optimistic = True

    def __init__(self, actor) -> None:
        super().__init__(actor)
        with connection.cursor() as cursor:
            # Room for a chunk in memory; allowed only before the session's first temporary table.
            cursor.execute("SELECT count(*) FROM pg_class WHERE relpersistence = 't' "
                           "AND pg_table_is_visible(oid)")
            if not cursor.fetchone()[0]:
                cursor.execute("SET temp_buffers = '256MB'")
            cursor.execute(f"DROP TABLE IF EXISTS {STAGE}")
            cursor.execute(
                f"CREATE TEMP TABLE {STAGE} (LIKE registry_instrument INCLUDING DEFAULTS) "
                f"ON COMMIT DELETE ROWS")
            cursor.execute(f"ALTER TABLE {STAGE} DROP COLUMN id")
            cursor.execute("CREATE TEMP TABLE IF NOT EXISTS registry_import_keys "
                           "(institution_id bigint, certificate_no varchar(60)) "
                           "ON COMMIT DELETE ROWS")

    def merge(self, prep: Prepared, result: ImportResult) -> None:
        with connection.cursor() as cursor:
            # A chunk is a few thousand keys against tables that grow by millions during the
            # import, faster than their statistics: with stale statistics the planner scans
            # the whole table for every chunk (or, worse, for every key). Look each key up in
            # the unique indexes instead (this transaction only).
            for setting in ("enable_seqscan", "enable_hashjoin", "enable_mergejoin"):
                cursor.execute(f"SET LOCAL {setting} = off")
        super().merge(prep, result)

    def merge_instruments(self, groups):
        cols = ", ".join(INST_COLS)
        with connection.cursor() as cursor:
            with self.phase("copy into staging"):
                # Empty already after a commit; not inside a caller's transaction.
                cursor.execute(f"TRUNCATE {STAGE}")
                copytext.copy_lines(cursor.cursor, f"COPY {STAGE} ({cols}) FROM STDIN",
                                    (g.inst_line for g in groups.values()))
            # A fresh chunk inserts plainly (a unique violation sends it down the careful
            # path); the careful path skips the instruments on file.
            conflict = "" if self.fresh_attempt else \
                "ON CONFLICT (owner_id, kind_id, serial_number) DO NOTHING "
            with self.phase("merge instruments (INSERT ... SELECT)"):
                cursor.execute(
                    f"INSERT INTO registry_instrument ({cols}) SELECT {cols} FROM {STAGE} "
                    f"{conflict}RETURNING owner_id, kind_id, serial_number, id")
                inserted = cursor.fetchall()
            for owner_id, kind_id, serial, instrument_id in inserted:
                group = groups[(owner_id, kind_id, serial)]
                group.instrument_id, group.inserted = instrument_id, True
            if len(inserted) == len(groups):
                return
            with self.phase("resolve instruments (join)"):
                cursor.execute(f"ANALYZE {STAGE}")
                # LATERAL ... LIMIT 1: one look-up in the unique index per staged row, which
                # no stale statistic can turn into a scan of the table.
                cursor.execute(
                    f"SELECT s.owner_id, s.kind_id, s.serial_number, x.id, "
                    f"x.public_code = s.public_code FROM {STAGE} s CROSS JOIN LATERAL ("
                    f"SELECT i.id, i.public_code FROM registry_instrument i "
                    f"WHERE i.owner_id = s.owner_id AND i.kind_id = s.kind_id "
                    f"AND i.serial_number = s.serial_number LIMIT 1) x")
                found = cursor.fetchall()
        for owner_id, kind_id, serial, instrument_id, inserted in found:
            group = groups[(owner_id, kind_id, serial)]
            group.instrument_id, group.inserted = instrument_id, inserted

    def existing_records(self, wanted):
        with self.phase("find certificates on file (join)"), connection.cursor() as cursor:
            cursor.execute("TRUNCATE registry_import_keys")
            copytext.copy_rows(cursor.cursor, "COPY registry_import_keys FROM STDIN", wanted,
                               line=copytext.row_formatter("it"))
            cursor.execute("ANALYZE registry_import_keys")
            cursor.execute(
                "SELECT k.institution_id, k.certificate_no, x.* FROM registry_import_keys k "
                "CROSS JOIN LATERAL (SELECT r.instrument_id, i.owner_id, i.kind_id, "
                "i.serial_number FROM registry_verificationrecord r "
                "JOIN registry_instrument i ON i.id = r.instrument_id "
                "WHERE r.institution_id = k.institution_id AND r.certificate_no = k.certificate_no "
                "AND r.batch_id IS NULL LIMIT 1) x")
            return {(row[0], row[1]): row[2:] for row in cursor.fetchall()}

    def insert_records(self, new, writers):
        def lines() -> Iterator[str]:
            for group, good in new:
                seq, prev, digest = chain_link(writers[good.region[:2]], good, group.instrument_id)
                yield (f"{good.line_head}{group.instrument_id}{good.line_tail}{seq}\t{prev}\t"
                       f"{digest}\t{good.rec.get('standard_id') or copytext.NULL}"
                       f"{good.sign_line}")

        with self.phase("chain + COPY records"), connection.cursor() as cursor:
            copytext.copy_lines(
                cursor.cursor, f"COPY registry_verificationrecord ({', '.join(REC_COLS)}) FROM STDIN",
                lines())


class SqliteLoader(Loader):
    @staticmethod
    def _adapt(value):
        if isinstance(value, datetime.datetime):
            return connection.ops.adapt_datetimefield_value(value)
        if isinstance(value, datetime.date):
            return value.isoformat()
        if isinstance(value, list | dict):
            return json.dumps(value, ensure_ascii=False)
        if value is not None and not isinstance(value, str | int | bool):
            return str(value)
        return value

    def merge_instruments(self, groups):
        by_key = groups
        keys = list(by_key)
        found: dict[tuple, tuple[int, str]] = {}
        with connection.cursor() as cursor:
            for start in range(0, len(keys), 300):
                part = keys[start:start + 300]
                where = " OR ".join(
                    ["(owner_id = %s AND kind_id = %s AND serial_number = %s)"] * len(part))
                cursor.execute(f"SELECT owner_id, kind_id, serial_number, id, public_code "
                               f"FROM registry_instrument WHERE {where}",
                               [v for key in part for v in key])
                for owner_id, kind_id, serial, pk, code in cursor.fetchall():
                    found[(owner_id, kind_id, serial)] = (pk, code)
            fresh = [g for key, g in by_key.items() if key not in found]
            marks = ", ".join(["%s"] * len(INST_COLS))
            cursor.executemany(
                f"INSERT INTO registry_instrument ({', '.join(INST_COLS)}) VALUES ({marks})",
                [tuple(self._adapt(v) for v in g.inst_values) for g in fresh])
            codes = [g.public_code for g in fresh]
            for start in range(0, len(codes), 500):
                part = codes[start:start + 500]
                cursor.execute(
                    f"SELECT owner_id, kind_id, serial_number, id, public_code FROM "
                    f"registry_instrument WHERE public_code IN ({', '.join(['%s'] * len(part))})",
                    part)
                for owner_id, kind_id, serial, pk, code in cursor.fetchall():
                    found[(owner_id, kind_id, serial)] = (pk, code)
        for key, group in by_key.items():
            pk, code = found[key]
            group.instrument_id, group.inserted = pk, code == group.public_code

    def existing_records(self, wanted):
        found = {}
        numbers = sorted({n for _i, n in wanted})
        with connection.cursor() as cursor:
            for start in range(0, len(numbers), 500):
                part = numbers[start:start + 500]
                cursor.execute(
                    f"SELECT r.institution_id, r.certificate_no, r.instrument_id, i.owner_id, "
                    f"i.kind_id, i.serial_number FROM registry_verificationrecord r "
                    f"JOIN registry_instrument i ON i.id = r.instrument_id "
                    f"WHERE r.batch_id IS NULL AND r.certificate_no IN "
                    f"({', '.join(['%s'] * len(part))})", part)
                for row in cursor.fetchall():
                    found[(row[0], row[1])] = row[2:]
        return found

    def insert_records(self, new, writers):
        marks = ", ".join(["%s"] * len(REC_COLS))
        sql = f"INSERT INTO registry_verificationrecord ({', '.join(REC_COLS)}) VALUES ({marks})"
        batch = []
        with connection.cursor() as cursor:
            for group, good in new:
                seq, prev, digest = chain_link(writers[good.region[:2]], good, group.instrument_id)
                values = list(good.rec_values)
                values[1] = group.instrument_id
                batch.append(tuple(self._adapt(v) for v in values)
                             + (seq, prev, digest, good.rec.get("standard_id"))
                             + good.sign_values)
                if len(batch) >= 2000:
                    cursor.executemany(sql, batch)
                    batch = []
            if batch:
                cursor.executemany(sql, batch)


def loader_for(actor) -> Loader:
    if connection.vendor == "postgresql":
        return PostgresLoader(actor)
    return SqliteLoader(actor)
