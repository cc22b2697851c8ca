"""The shared PDF, upload and spreadsheet helpers every app builds on."""

import io

import pypdfium2
import pytest
import zxingcpp
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook, load_workbook
from pypdf import PdfReader

from jiliang.core.pdf import Document
from jiliang.core.tabular import Column, HeaderError, RowError, errors_workbook, read_rows
from jiliang.core.uploads import check_upload


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def pdf_qr_codes(data: bytes) -> list[str]:
    pdf = pypdfium2.PdfDocument(data)
    found = []
    for page in pdf:
        found += [r.text for r in zxingcpp.read_barcodes(page.render(scale=3).to_pil())]
    return found


def test_a_document_embeds_chinese_and_latin_text_and_a_readable_qr():
    doc = Document(title="检定证书", subtitle="Verification certificate")
    doc.fields([("证书编号", "GD-2026-000123"), ("结论", "合格")])
    doc.qr("http://127.0.0.1:8000/x/abc", caption="扫码查验")
    data = doc.render()
    text = pdf_text(data)
    assert "检定证书" in text and "GD-2026-000123" in text and "合格" in text
    assert pdf_qr_codes(data) == ["http://127.0.0.1:8000/x/abc"]
    assert b"/FontFile2" in data  # the font travels inside the file


def test_an_upload_with_a_forged_extension_is_refused():
    fake = SimpleUploadedFile("scan.pdf", b"MZ\x90\x00 this is an executable")
    with pytest.raises(ValidationError) as caught:
        check_upload(fake, allowed=("pdf", "png", "jpeg"), max_bytes=10_000)
    assert "scan.pdf" in caught.value.message_dict["file"][0]


def test_a_png_named_pdf_is_refused_and_a_real_pdf_passes():
    png = SimpleUploadedFile("photo.pdf", b"\x89PNG\r\n\x1a\n" + b"\x00" * 20)
    with pytest.raises(ValidationError):
        check_upload(png, allowed=("pdf", "png"), max_bytes=10_000)
    real = SimpleUploadedFile("a.pdf", Document(title="x").render())
    assert check_upload(real, allowed=("pdf",), max_bytes=10_000_000) == "pdf"


def test_an_oversized_upload_is_refused():
    big = SimpleUploadedFile("a.pdf", b"%PDF-" + b"0" * 2000)
    with pytest.raises(ValidationError):
        check_upload(big, allowed=("pdf",), max_bytes=1000)


COLUMNS = [Column("serial", "出厂编号", required=True, aliases=("serial number",)),
           Column("date", "日期")]


def test_rows_are_read_from_xlsx_by_header_in_either_language():
    wb = Workbook()
    wb.active.append(["Serial Number", "日期"])
    wb.active.append(["A-1", "2026-01-02"])
    wb.active.append([None, None])
    wb.active.append([12345, None])
    buffer = io.BytesIO()
    wb.save(buffer)
    rows = list(read_rows(buffer.getvalue(), "xlsx", COLUMNS))
    assert rows == [(2, {"serial": "A-1", "date": "2026-01-02"}),
                    (4, {"serial": "12345", "date": ""})]


def test_rows_are_read_from_a_gb18030_csv():
    data = "出厂编号,日期\n秤-1,2026-01-02\n".encode("gb18030")
    assert list(read_rows(data, "csv", COLUMNS)) == [(2, {"serial": "秤-1", "date": "2026-01-02"})]


def test_a_missing_required_column_is_named():
    with pytest.raises(HeaderError) as caught:
        list(read_rows("日期\n2026-01-02\n".encode(), "csv", COLUMNS))
    assert caught.value.missing == ["出厂编号"]


def test_the_errors_workbook_lists_row_column_and_reason():
    data = errors_workbook([RowError(3, "日期", "不是日期")], rows={3: {"serial": "x", "date": "y"}},
                           columns=COLUMNS)
    rows = list(load_workbook(io.BytesIO(data)).active.iter_rows(values_only=True))
    assert rows[1] == (3, "日期", "不是日期", "x", "y")
