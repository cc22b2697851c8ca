"""Bulk import of instruments and their verifications: one interface, two loaders.

Every row is checked in Python as it is read (division code, credit codes,
organisations on file, catalogue kind, use, dates, the standard's validity,
the period, duplicates in the file). Good rows are merged chunk by chunk,
each chunk in its own transaction:

- PostgreSQL: the chunk is loaded with COPY into a temporary staging table;
  instruments are merged with one set-based INSERT ... SELECT ... ON CONFLICT
  DO NOTHING and one join gives every staged instrument its id; a second
  join finds the certificates already on file; the new verification records
  are chained as they stream into the records table with COPY; the rate
  cells are updated with one COPY and one set-based upsert.
- SQLite: the same merge with batched look-ups and batched inserts.

Outside a transaction a reading thread (with its own connection) parses,
checks and prepares the next chunk while this thread merges the previous
one; inside a transaction (a test, a caller's atomic block) both run here.

Idempotent: an instrument is identified by owner + kind + serial number and a
record by institution + certificate number, so importing a file again lands
nothing twice, and an import killed half-way can be run again (the chunks it
committed are found on file, the rest land).

One module per step, all importable from here: ``reading`` (the columns and a row's cells),
``checking`` (every check of a row), ``preparing`` (a chunk ready to merge), ``loading`` (the
PostgreSQL and SQLite loaders) and ``jobs`` (the interface: ``import_file``, ``import_rows``).
"""

from jiliang.registry.importing.checking import IMPORT_FIELDS, Checker
from jiliang.registry.importing.jobs import CHUNK, count_rows, import_file, import_rows
from jiliang.registry.importing.loading import (
    STAGE,
    Loader,
    PostgresLoader,
    SqliteLoader,
    loader_for,
    psycopg_errors,
)
from jiliang.registry.importing.preparing import (
    INST_COLS,
    INST_LINE,
    INST_SPEC,
    REC_COLS,
    REC_MIDDLE,
    REC_SPEC,
    SIGN_COLS,
    SIGN_LINE,
    Group,
    Prepared,
    add_cells,
    chain_link,
    payload_parts,
    prepare,
    rebuild_group,
)
from jiliang.registry.importing.reading import (
    COLUMNS,
    CONCLUSIONS,
    MEDIUMS,
    NO,
    RECORD_KEYS,
    STATUSES,
    TITLES,
    TYPES,
    USES,
    YES,
    BadRowError,
    Good,
    ImportResult,
    columns_for_template,
    read_date,
    read_record,
)

__all__ = [
    "BadRowError", "CHUNK", "COLUMNS", "CONCLUSIONS", "Checker", "Good", "Group", "IMPORT_FIELDS",
    "INST_COLS", "INST_LINE", "INST_SPEC", "ImportResult", "Loader", "MEDIUMS", "NO",
    "PostgresLoader", "Prepared", "RECORD_KEYS", "REC_COLS", "REC_MIDDLE", "REC_SPEC", "SIGN_COLS",
    "SIGN_LINE", "STAGE", "STATUSES", "SqliteLoader", "TITLES", "TYPES", "USES", "YES",
    "add_cells", "chain_link", "columns_for_template", "count_rows", "import_file", "import_rows",
    "loader_for", "payload_parts", "prepare", "psycopg_errors", "read_date", "read_record",
    "rebuild_group",
]
