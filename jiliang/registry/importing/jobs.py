"""The interface: rows or a file in, an ``ImportResult`` out; chunks read, checked and prepared
in a reading thread while this one merges."""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import suppress

from django.core.exceptions import ValidationError
from django.db import connection, connections, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from jiliang.audit.services import audit_record
from jiliang.core import tabular
from jiliang.core.observability import IMPORT_ROWS
from jiliang.core.tabular import HeaderError, RowError, UnreadableError, read_rows
from jiliang.registry import services
from jiliang.registry.importing.checking import Checker
from jiliang.registry.importing.loading import Loader, loader_for
from jiliang.registry.importing.preparing import Prepared, prepare
from jiliang.registry.importing.reading import COLUMNS, TITLES, BadRowError, ImportResult

CHUNK = 50_000


# --- the interface ----------------------------------------------------------------------------

_END = object()


def _chunks(rows: Iterable[tuple[int, dict[str, str]]], size: int) -> Iterator[list]:
    """Chunks of ``size`` rows; the first is small, so the merge starts while the rest is read."""
    chunk: list = []
    limit = min(size, 2000)
    for item in rows:
        chunk.append(item)
        if len(chunk) >= limit:
            yield chunk
            chunk, limit = [], size
    if chunk:
        yield chunk


def _prepared(rows, checker: Checker, actor_id, size: int) -> Iterator[Prepared]:
    for chunk in _chunks(rows, size):
        yield prepare(chunk, checker, actor_id, timezone.now())


def _read(rows, checker: Checker, actor_id, size: int, out: queue.Queue) -> None:
    """The reading thread: prepared chunks onto ``out``, then _END (or the error it met)."""
    started = time.thread_time()
    try:
        for prep in _prepared(rows, checker, actor_id, size):
            out.put(prep)
        checker.reading_cpu = time.thread_time() - started
        out.put(_END)
    except BaseException as error:  # handed to the merging thread, which raises it
        out.put(error)
    finally:
        connections.close_all()


def _threaded(rows, checker: Checker, actor_id, size: int, loader: Loader) -> Iterator[Prepared]:
    chunks: queue.Queue = queue.Queue(maxsize=2)
    reader = threading.Thread(target=_read, args=(rows, checker, actor_id, size, chunks),
                              daemon=True)
    reader.start()
    try:
        while True:
            with loader.phase("waiting for the reading thread"):
                item = chunks.get()
            if item is _END:
                loader.timings["reading thread: cpu (parse, check, prepare)"] = checker.reading_cpu
                return
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        while reader.is_alive():
            with suppress(queue.Empty):
                chunks.get(timeout=0.1)
        reader.join()


def import_rows(
    rows: Iterable[tuple[int, dict[str, str]]],
    *,
    actor=None,
    chunk_size: int = CHUNK,
    progress: Callable[[int, ImportResult], None] | None = None,
) -> ImportResult:
    """Check and merge rows ``(row number, {column key: text})``; each chunk commits on its own."""
    checker = Checker(actor)
    actor_id = actor.pk if actor is not None else None
    result = ImportResult()
    loader = loader_for(actor)
    result.timings = loader.timings
    cpu = time.thread_time()
    if connection.in_atomic_block:
        chunks = _prepared(rows, checker, actor_id, chunk_size)
    else:
        chunks = _threaded(rows, checker, actor_id, chunk_size, loader)
    for prep in chunks:
        _merge_chunk(prep, checker, loader, result)
        if progress:
            progress(result.rows, result)
    with loader.phase("fold the rate deltas (set-based upsert)"):
        services.rates_fold()
    loader.timings["merging thread: cpu"] = time.thread_time() - cpu
    return result


def _merge_chunk(prep: Prepared, checker: Checker, loader: Loader, result: ImportResult) -> None:
    result.rows += len(prep.rows)
    IMPORT_ROWS.inc(len(prep.rows))
    raws = dict(prep.rows)
    for row, bad in prep.bad:
        _bad(result, row, raws[row], bad)
    if not prep.groups:
        return
    before = len(result.errors)
    evidence_before = (result.evidence_added, result.findings_added)
    with loader.phase("merge (total, with commit)"):
        with transaction.atomic():
            loader.merge(prep, result)
            after = {"rows": len(prep.rows), "errors": len(result.errors) - before}
            if result.evidence_added > evidence_before[0]:  # issue 18
                after.update(evidence=result.evidence_added - evidence_before[0],
                             findings=result.findings_added - evidence_before[1])
            audit_record(actor=loader.actor, action="registry.import",
                         object_type="registry.import",
                         object_id=f"{prep.rows[0][0]}-{prep.rows[-1][0]}",
                         region_code=checker.own_org.region_code if checker.own_org else "",
                         after=after)
            committing = time.perf_counter()
        loader.timings["commit (deferred foreign-key checks)"] = loader.timings.get(
            "commit (deferred foreign-key checks)", 0.0) + time.perf_counter() - committing
    for error in result.errors[before:]:
        result.bad_rows.setdefault(error.row, raws.get(error.row, {}))


def _bad(result: ImportResult, row: int, raw: dict, bad: BadRowError) -> None:
    for key, reason in bad.errors:
        result.errors.append(RowError(row, TITLES.get(key, key), str(reason)))
    result.bad_rows[row] = raw


def import_file(data: bytes, file_kind: str, *, actor=None, chunk_size: int = CHUNK,
                progress: Callable[[int, ImportResult], None] | None = None) -> ImportResult:
    """Import an xlsx or csv file; a missing column raises a ValidationError naming it."""
    try:
        rows = read_rows(data, file_kind, COLUMNS)
        first = next(rows, None)
    except HeaderError as error:
        raise ValidationError({"file": [_("The file lacks the columns: %(columns)s.") % {
            "columns": ", ".join(error.missing)}]}) from None
    except UnreadableError as error:  # a decompression bomb, bytes that are not text
        raise ValidationError({"file": [error.message]}) from None
    if first is None:
        return ImportResult()

    def all_rows():
        yield first
        yield from rows

    return import_rows(all_rows(), actor=actor, chunk_size=chunk_size, progress=progress)


def count_rows(data: bytes, file_kind: str) -> int:
    """About how many data rows a file has (for the progress bar). An xlsx that does not
    declare its dimension (write-only workbooks, many exporters) has its rows counted in the
    sheet's XML as it unpacks, without parsing it."""
    if file_kind == "xlsx":
        return max(0, tabular.xlsx_row_count(data) - 1)
    return max(0, data.count(b"\n") - 1 + (0 if data.endswith(b"\n") else 1))
