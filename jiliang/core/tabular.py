"""Spreadsheets in and out: the templates clerks fill in, the rows they upload, the errors back.

Every xlsx and csv the project writes goes through the cell writers here (``workbook``,
``xlsx_cell``, ``csv_bytes``): text is written as text, so no formula can come from data
(a name ``=HYPERLINK(...)`` stays those characters); numbers are numbers with a number
format, ``Percent`` a percentage, dates dates.

An import reads rows from xlsx or csv (UTF-8 or GB18030, as Excel writes it
in China) against declared columns, reports every bad cell as
(row, column, reason) and hands the good rows on. ``errors_workbook`` gives
the bad rows back as an xlsx the clerk can correct and upload again.
"""

from __future__ import annotations

import codecs
import csv
import datetime
import io
import re
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.reader.excel import ExcelReader
from openpyxl.styles import Font
from openpyxl.styles.stylesheet import apply_stylesheet
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._reader import WorkSheetParser


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


# --- writing --------------------------------------------------------------------------------


class Percent:
    """A percentage in a table: "88.9%" on a page or in a PDF (``str``), the number 0.889
    formatted as a percentage in a workbook. ``None`` is "—"."""

    __slots__ = ("value",)

    def __init__(self, value: Decimal | int | float | None) -> None:
        self.value = value

    def __str__(self) -> str:
        return "—" if self.value is None else f"{self.value}%"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Percent) and other.value == self.value

    def __hash__(self) -> int:
        return hash(self.value)


def number(value: object) -> object:
    """A decimal string (as the figures of a record keep them) as a Decimal, for a typed cell;
    anything else as it is."""
    if isinstance(value, str) and value.strip():
        try:
            parsed = Decimal(value.strip())
        except InvalidOperation:
            return value
        return parsed if parsed.is_finite() else value
    return value


# What a spreadsheet program reads as the start of a formula in a csv cell (OWASP's list).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")  # not allowed in XML 1.0


def _places(value: Decimal) -> int:
    exponent = value.as_tuple().exponent
    return -exponent if isinstance(exponent, int) and exponent < 0 else 0


def _decimal_format(places: int) -> str:
    return "0." + "0" * places if places else "0"


def xlsx_cell(ws, value: object):
    """One cell of a write-only sheet, typed: text as text (never a formula), numbers with a
    number format that keeps their places, ``Percent`` as a percentage, dates as dates."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return WriteOnlyCell(ws, value)
    if isinstance(value, Percent):
        if value.value is None:
            return xlsx_cell(ws, str(value))
        number = Decimal(str(value.value))
        cell = WriteOnlyCell(ws, number / 100)
        cell.number_format = _decimal_format(_places(number)) + "%"
        return cell
    if isinstance(value, int):
        cell = WriteOnlyCell(ws, value)
        cell.number_format = "0"
        return cell
    if isinstance(value, Decimal):
        if not value.is_finite():
            return xlsx_cell(ws, str(value))
        cell = WriteOnlyCell(ws, value)
        cell.number_format = _decimal_format(_places(value))
        return cell
    if isinstance(value, float):
        cell = WriteOnlyCell(ws, value)
        cell.number_format = "0.########"
        return cell
    if isinstance(value, datetime.datetime):
        if timezone.is_aware(value):
            value = timezone.localtime(value).replace(tzinfo=None)
        cell = WriteOnlyCell(ws, value)
        cell.number_format = "yyyy-mm-dd hh:mm:ss"
        return cell
    if isinstance(value, datetime.date):
        cell = WriteOnlyCell(ws, value)
        cell.number_format = "yyyy-mm-dd"
        return cell
    cell = WriteOnlyCell(ws, _ILLEGAL.sub("\ufffd", str(value)))
    cell.data_type = "s"  # whatever it starts with: openpyxl would make "=…" a formula
    return cell


def xlsx_append(ws, values, *, bold: Sequence[bool] = ()) -> None:
    """Append a row of typed cells (``xlsx_cell``) to a write-only sheet."""
    cells = []
    for i, value in enumerate(values):
        cell = xlsx_cell(ws, value)
        if cell is not None and i < len(bold) and bold[i]:
            cell.font = Font(bold=True)
        cells.append(cell)
    ws.append(cells)


def sheet_title(title: object) -> str:
    text = str(title or "Sheet1")
    for char in "[]:*?/\\":
        text = text.replace(char, " ")
    return text[:31]


def workbook(sheets: Iterable[tuple[object, Sequence[object], Iterable[Sequence[object]]]]) -> bytes:
    """An xlsx of (title, headers, rows) sheets, every cell typed by ``xlsx_cell``
    (write-only: memory stays flat however many rows)."""
    wb = Workbook(write_only=True)
    for title, headers, rows in sheets:
        ws = wb.create_sheet(title=sheet_title(title))
        xlsx_append(ws, [str(h) for h in headers], bold=[True] * len(headers))
        for row in rows:
            xlsx_append(ws, row)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def workbook_response(filename: str, sheets: Iterable[tuple[object, Sequence[object],
                                                             Iterable[Sequence[object]]]]):
    """A download of (title, headers, rows) sheets as one workbook (``workbook``)."""
    response = HttpResponse(workbook(sheets), content_type=XLSX_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def csv_text(value: object) -> str:
    """One csv cell: text that a spreadsheet program would take for a formula gets a leading
    apostrophe (shown, not evaluated); numbers and dates as plain text."""
    if value is None:
        return ""
    if isinstance(value, bool | int | float | Decimal | Percent):
        return str(value)
    if isinstance(value, datetime.date):
        return value.isoformat()
    text = str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


def csv_bytes(headers: Sequence[object], rows: Iterable[Sequence[object]]) -> bytes:
    """A csv in UTF-8 with a byte-order mark (what Excel in China opens as UTF-8)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([csv_text(h) for h in headers])
    for row in rows:
        writer.writerow([csv_text(v) for v in row])
    return buffer.getvalue().encode("utf-8-sig")


def template_workbook(columns: Sequence[Column], *, title: str = "") -> bytes:
    """An xlsx with the header row (required columns in red), an example row and a notes
    sheet."""
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(sheet_title(title or _("Import")))
    for i, column in enumerate(columns, start=1):
        ws.column_dimensions[get_column_letter(i)].width = max(12, len(column.title) * 2 + 2)
    header = []
    for column in columns:
        cell = xlsx_cell(ws, column.title)
        cell.font = Font(bold=True, color="C00000" if column.required else "000000")
        header.append(cell)
    ws.append(header)
    if any(c.example for c in columns):
        xlsx_append(ws, [c.example for c in columns])
    notes = wb.create_sheet(sheet_title(_("Notes")))
    for c in columns:
        xlsx_append(notes, [c.title, "*" if c.required else "", c.help])
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def template_csv(columns: Sequence[Column]) -> bytes:
    rows = [[c.example for c in columns]] if any(c.example for c in columns) else []
    return csv_bytes([c.title for c in columns], rows)


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


class UnreadableError(ValueError):
    """The file cannot be read as it is: a message for the person who sent it."""

    def __init__(self, message: str) -> None:
        self.message = message
        super().__init__(message)


class TooManyRowsError(UnreadableError):
    """A row past the reader's cap: what came before was read, nothing after."""

    def __init__(self, row: int, max_rows: int) -> None:
        self.row = row
        self.max_rows = max_rows
        super().__init__(_("A sheet holds at most %(n)s rows; the rest were not read.") % {
            "n": max_rows})


# Empty rows a sheet may have past its cap (formatting left behind by Excel) before the reader
# stops anyway: a sheet can declare a row 1,000,000 that the reader would otherwise walk to.
EMPTY_ROWS_PAST_CAP = 1000


def xlsx_limits() -> tuple[int, int]:
    """(largest unpacked size in bytes, largest packing ratio) of an xlsx (settings)."""
    return (int(getattr(settings, "JILIANG_XLSX_MAX_UNPACKED_MB", 512)) * 1024 * 1024,
            int(getattr(settings, "JILIANG_XLSX_MAX_RATIO", 100)))


# A member smaller than this unpacks to little whatever its ratio (a styles part compresses
# well); the ratio is judged on the larger ones.
RATIO_FLOOR = 1024 * 1024


def check_xlsx(data: bytes, *, max_unpacked: int | None = None,
               max_ratio: int | None = None) -> None:
    """Refuse, before opening it, an xlsx whose zip members unpack to more than
    ``max_unpacked`` bytes in all or a member more than ``max_ratio`` times its packed size
    (a decompression bomb: 44 KB that unpack to 300,000 rows). The sizes are those the zip
    declares; the zip reader stops a member at its declared size."""
    default_unpacked, default_ratio = xlsx_limits()
    max_unpacked = max_unpacked or default_unpacked
    max_ratio = max_ratio or default_ratio
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, ValueError):
        raise UnreadableError(_("The file cannot be read as a spreadsheet.")) from None
    total = 0
    for info in members:
        total += info.file_size
        if info.file_size > RATIO_FLOOR and info.file_size > max_ratio * max(info.compress_size, 1):
            raise UnreadableError(_(
                "The workbook is packed %(ratio)s times over (at most %(limit)s is taken): it "
                "is refused unopened. Save it again from the spreadsheet program.") % {
                "ratio": info.file_size // max(info.compress_size, 1), "limit": max_ratio})
    if total > max_unpacked:
        raise UnreadableError(_(
            "The workbook unpacks to %(size)s MB; at most %(limit)s MB is taken.") % {
            "size": total // 1048576, "limit": max_unpacked // 1048576})


def _first_sheet(data: bytes):
    """(openpyxl's reader with strings and styles read, path of the first worksheet).

    Not ``load_workbook``: in read-only mode it parses a sheet that does not declare its
    dimension to the end before giving a single row (a 300,000-row sheet: seconds, whatever
    the cap); this reads the workbook's parts and leaves the sheet to be streamed."""
    reader = ExcelReader(io.BytesIO(data), read_only=True, data_only=True)
    reader.read_manifest()
    reader.read_strings()
    reader.read_workbook()
    apply_stylesheet(reader.archive, reader.wb)
    for _sheet, rel in reader.parser.find_sheets():
        if rel.target in reader.valid_files and "chartsheet" not in rel.Type:
            return reader, rel.target
    raise UnreadableError(_("The file cannot be read as a spreadsheet."))


def _xlsx_rows(data: bytes) -> Iterator[tuple[int, tuple]]:
    """(row number, values) of the first sheet, parsed as the XML unpacks."""
    reader, path = _first_sheet(data)
    wb = reader.wb
    with reader.archive.open(path) as source:
        parser = WorkSheetParser(source, reader.shared_strings, data_only=True, epoch=wb.epoch,
                                 date_formats=wb._date_formats,
                                 timedelta_formats=wb._timedelta_formats)
        for number, cells in parser.parse():
            values = [None] * (cells[-1]["column"] if cells else 0)
            for cell in cells:
                values[cell["column"] - 1] = cell["value"]
            yield number, tuple(values)


def xlsx_row_count(data: bytes) -> int:
    """The rows of an xlsx's first sheet (header included), counted as ``<row`` elements in
    its XML as it unpacks: no parsing, memory flat."""
    check_xlsx(data)
    reader, path = _first_sheet(data)
    count, tail = 0, b""
    with reader.archive.open(path) as xml:
        while chunk := xml.read(1 << 20):
            text = tail + chunk
            count += text.count(b"<row ") + text.count(b"<row>")
            tail = text[-5:]
            count -= tail.count(b"<row ") + tail.count(b"<row>")  # counted again next time
    return count + tail.count(b"<row ") + tail.count(b"<row>")


def read_rows(data: bytes, kind: str, columns: Sequence[Column], *,
              max_rows: int | None = None) -> Iterator[tuple[int, dict[str, str]]]:
    """(row number, {key: text}) for every non-empty row; raises HeaderError first if need be.

    Values come as stripped text (dates as YYYY-MM-DD): each import parses
    and validates them itself, so one rule decides for the web, the command
    line and the API.

    The sheet is read as a stream: with ``max_rows``, reading stops at the first row past the
    cap (``TooManyRowsError``, after the rows before it were yielded). An xlsx is checked
    (``check_xlsx``) before it is opened; a csv that is not UTF-8 or GB18030 text is refused
    with the row and byte where it stops decoding (``UnreadableError``), never patched.
    """
    if kind == "xlsx":
        check_xlsx(data)
        rows = _xlsx_rows(data)
    else:
        text = decode_text(data)
        rows = enumerate(csv.reader(io.StringIO(text)), start=1)
    _first, header = next(rows, (1, None))
    if header is None:
        raise HeaderError([c.title for c in columns if c.required])
    mapping = _header_map(header, columns)
    pairs = [(i, column.key) for i, column in mapping.items()]
    blank = dict.fromkeys((c.key for c in columns), "")
    # csv cells are text already; only xlsx cells need converting (a bulk import reads millions).
    cell = _cell if kind == "xlsx" else str.strip
    last = (max_rows + 1) if max_rows is not None else None  # the header is row 1
    for number, values in rows:
        record = blank.copy()
        n = len(values)
        for i, key in pairs:
            if i < n:
                record[key] = cell(values[i]) if values[i] is not None else ""
        if last is not None and number > last and (
                any(record.values()) or number > last + EMPTY_ROWS_PAST_CAP):
            raise TooManyRowsError(number, max_rows)
        if any(record.values()):
            yield number, record


ENCODINGS = ("utf-8-sig", "gb18030")  # what Excel writes in China


def decode_text(data: bytes) -> str:
    """The text of a csv in UTF-8 or GB18030; else UnreadableError naming the row and the
    byte where it stops being either (of the encoding that read further)."""
    failures = []
    for encoding in ENCODINGS:
        try:
            return data.decode(encoding)
        except UnicodeDecodeError as error:
            failures.append(error)
    # utf-8-sig reports offsets past its byte-order mark; count them in the file.
    bom = 3 if data.startswith(codecs.BOM_UTF8) else 0
    at = max(failures[0].start + bom, failures[1].start)
    row = data.count(b"\n", 0, at) + 1
    raise UnreadableError(_(
        "Row %(row)s cannot be read: byte %(byte)s (0x%(value)s) is neither UTF-8 nor GB18030 "
        "text. Save the file as “CSV UTF-8” and upload it again.") % {
        "row": row, "byte": at + 1, "value": data[at:at + 1].hex()})


def errors_workbook(
    errors: Sequence[RowError],
    *,
    headers: tuple[str, str, str] = ("row", "column", "reason"),
    rows: dict[int, dict[str, str]] | None = None,
    columns: Sequence[Column] = (),
) -> bytes:
    """The bad rows: row number, column and reason; with the row's values when given (as the
    text they were read as: a value typed "=1+2" comes back as those characters)."""

    def lines():
        for error in errors:
            values = rows.get(error.row, {}) if rows else {}
            yield [error.row, error.column, error.reason, *(values.get(c.key, "") for c in columns)]

    return workbook([(_("Errors"), [*headers, *(c.title for c in columns)], lines())])
