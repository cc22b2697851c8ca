"""Spreadsheets in and out: the templates clerks fill in, the rows they upload, the errors back.

An import reads rows from xlsx or csv (UTF-8 or GB18030, as Excel writes it
in China) against declared columns, reports every bad cell as
(row, column, reason) and hands the good rows on. ``errors_workbook`` gives
the bad rows back as an xlsx the clerk can correct and upload again.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from django.utils.translation import gettext as _
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font


@dataclass(frozen=True)
class Column:
    key: str  # the field the row dict uses
    title: str  # the header printed in the template (any language)
    required: bool = False
    aliases: tuple[str, ...] = ()  # other headers accepted (e.g. the English one)
    example: str = ""
    help: str = ""


@dataclass(frozen=True)
class RowError:
    row: int  # the spreadsheet's row number (the header is row 1)
    column: str  # the column's title, or "" for the whole row
    reason: str


class HeaderError(ValueError):
    """The file's header row lacks required columns."""

    def __init__(self, missing: list[str]) -> None:
        self.missing = missing
        super().__init__(", ".join(missing))


def template_workbook(columns: Sequence[Column], *, title: str = "") -> bytes:
    """An xlsx with the header row, an example row and a notes sheet."""
    wb = Workbook()
    ws = wb.active
    ws.title = str(title or _("Import"))[:31]
    ws.append([c.title for c in columns])
    for cell, column in zip(ws[1], columns, strict=True):
        cell.font = Font(bold=True, color="C00000" if column.required else "000000")
        ws.column_dimensions[cell.column_letter].width = max(12, len(column.title) * 2 + 2)
    if any(c.example for c in columns):
        ws.append([c.example for c in columns])
    notes = wb.create_sheet(_("Notes")[:31])
    for c in columns:
        notes.append([c.title, "*" if c.required else "", c.help])
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def template_csv(columns: Sequence[Column]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([c.title for c in columns])
    if any(c.example for c in columns):
        writer.writerow([c.example for c in columns])
    return buffer.getvalue().encode("utf-8-sig")


def _header_map(header: Sequence[object], columns: Sequence[Column]) -> dict[int, Column]:
    names = {}
    for column in columns:
        for name in (column.title, column.key, *column.aliases):
            names[_norm(name)] = column
    mapping = {}
    for i, cell in enumerate(header):
        column = names.get(_norm(cell))
        if column is not None and column not in mapping.values():
            mapping[i] = column
    missing = [c.title for c in columns if c.required and c not in mapping.values()]
    if missing:
        raise HeaderError(missing)
    return mapping


def _norm(value: object) -> str:
    return str(value or "").strip().replace(" ", "").replace("*", "").lower()


def _cell(value: object) -> str:
    if value is None:
        return ""
    if hasattr(value, "isoformat"):
        text = value.isoformat()
        return text[:10] if text.endswith("T00:00:00") else text
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def read_rows(data: bytes, kind: str, columns: Sequence[Column]) -> Iterator[tuple[int, dict[str, str]]]:
    """(row number, {key: text}) for every non-empty row; raises HeaderError first if need be.

    Values come as stripped text (dates as YYYY-MM-DD): each import parses
    and validates them itself, so one rule decides for the web, the command
    line and the API.
    """
    if kind == "xlsx":
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        rows = wb.worksheets[0].iter_rows(values_only=True)
    else:
        text = _decode(data)
        rows = csv.reader(io.StringIO(text))
    header = next(rows, None)
    if header is None:
        raise HeaderError([c.title for c in columns if c.required])
    mapping = _header_map(header, columns)
    pairs = [(i, column.key) for i, column in mapping.items()]
    blank = dict.fromkeys((c.key for c in columns), "")
    # csv cells are text already; only xlsx cells need converting (a bulk import reads millions).
    cell = _cell if kind == "xlsx" else str.strip
    for number, values in enumerate(rows, start=2):
        record = blank.copy()
        n = len(values)
        for i, key in pairs:
            if i < n:
                record[key] = cell(values[i]) if values[i] is not None else ""
        if any(record.values()):
            yield number, record


def _decode(data: bytes) -> str:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return data.decode("utf-8", "replace")


def errors_workbook(
    errors: Sequence[RowError],
    *,
    headers: tuple[str, str, str] = ("row", "column", "reason"),
    rows: dict[int, dict[str, str]] | None = None,
    columns: Sequence[Column] = (),
) -> bytes:
    """The bad rows: row number, column and reason; with the row's values when given."""
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(_("Errors")[:31])
    ws.append([*headers, *(c.title for c in columns)])
    for error in errors:
        values = rows.get(error.row, {}) if rows else {}
        ws.append([error.row, error.column, error.reason, *(values.get(c.key, "") for c in columns)])
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()
