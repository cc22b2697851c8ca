"""The registry's PDFs: the certificate or result notice, and QR "ID card" labels."""

from __future__ import annotations

import io

import segno
from django.conf import settings
from django.urls import reverse
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas

from jiliang.core.pdf import FONT, Document, register_font
from jiliang.registry import selectors
from jiliang.registry.models import Instrument, VerificationRecord


def public_url(name: str, code: str) -> str:
    return settings.JILIANG_PUBLIC_URL.rstrip("/") + reverse(name, args=[code])


def certificate_url(record: VerificationRecord) -> str:
    return public_url("registry:public-certificate", record.public_code)


def instrument_url(instrument: Instrument) -> str:
    return public_url("registry:public-instrument", instrument.public_code)


def _date(value) -> str:
    return value.strftime("%Y年%m月%d日") if value else "—"


def signoff_rows(record: VerificationRecord) -> list[tuple[str, str]]:
    """Issue 13: the authorisation, the three people, the place, conditions and record number."""
    rows = [("计量授权证书编号", record.authorisation_no or "—"),
            ("检定员", record.verifier_name), ("核验员", record.checker_name),
            ("批准人", record.approver_name or "—")]
    if not record.people_on_file:
        rows.append(("人员", "人员未在册（系统启用前的记录，仅有姓名）"))
    rows += [(label, value) for label, value in (
        ("检定地点", record.place), ("环境条件", record.conditions),
        ("原始记录编号", record.original_record_no)) if value]
    return rows


def certificate_pdf(record: VerificationRecord) -> bytes:
    """The cover of a 检定证书 (pass) or 检定结果通知书 (fail), with a QR to its public page.

    Cover fields after JJF 1069-2012 and the 国质检量函〔2005〕861号 cover format (reference:
    verification_catalog.json, records.documents).
    """
    inst = record.instrument
    passed = record.passed
    doc = Document(title="检定证书" if passed else "检定结果通知书",
                   subtitle="Verification certificate" if passed else "Verification result notice")
    rows = [
        ("证书编号", record.certificate_no),
        ("委托方（送检单位）", record.owner.name),
        ("计量器具名称", inst.kind.name_zh),
        ("型号规格", inst.model),
        ("出厂编号", inst.serial_number),
        ("制造单位", inst.manufacturer),
        ("检定依据", record.regulation_code),
        ("检定结论", "合格" if passed else "不合格"),
        ("检定日期", _date(record.verified_on)),
        ("有效期至", _date(record.valid_until) if passed else "—（检定结果通知书无有效期）"),
        ("检定单位", record.institution.name),
        *signoff_rows(record),
        ("计量标准", f"{record.standard_identifier}（有效期至 {_date(record.standard_valid_until)}）"),
    ]
    standard = selectors.record_standard(record)  # traceability (issue 12)
    if standard and standard["on_file"]:
        rows[-1] = ("计量标准", f"{standard['name']}（{standard['code']}）")
        rows.append(("计量标准考核证书号", standard["certificate_no"]))
    elif standard:
        rows[-1] = (rows[-1][0], f"{rows[-1][1]}（计量标准未在册）")
    doc.fields(rows, label_width_mm=42)
    if not passed:
        doc.heading("不合格项目")
        doc.paragraph("；".join(record.failed_items) or "—")
        cancelled = selectors.cancelled_certificate(record)
        if cancelled is not None:
            doc.paragraph(f"原检定证书 {cancelled.certificate_no} 同时注销，该器具不得用于强制检定范围内的用途。")
    if record.supersedes_id:
        doc.paragraph(f"本证书更正并取代 {record.supersedes.certificate_no}：{record.correction_reason}",
                      small=True)
    doc.spacer(6)
    doc.qr(certificate_url(record), caption="扫码查验本证书 · Scan to check this certificate")
    doc.paragraph(f"记录链：省 {record.chain_key} 第 {record.chain_seq} 号 · {record.row_hash[:16]}",
                  small=True)
    return doc.render()


# The label sheet: A4, three labels across and four down, drawn straight onto the canvas (no
# layout engine: 300 labels take well under a second). Each QR code is one path of its dark
# modules, merged into runs along each row.
LABEL_COLUMNS, LABEL_ROWS = 3, 4
LABEL_W, LABEL_H = 62 * mm, 66 * mm
LABEL_QR = 34 * mm
LABELS_PER_PAGE = LABEL_COLUMNS * LABEL_ROWS
QR_MASK = 2  # ISO/IEC 18004 mask pattern 010


def _qr_path(canvas, data: str, x: float, y: float, size: float) -> None:
    """The QR code as one filled path, in module units (integers: short PDF operators). The
    mask is fixed rather than scored eight ways: any of the eight is a valid code."""
    matrix = segno.make(data, error="m", micro=False, mask=QR_MASK).matrix
    border = 2
    count = len(matrix) + 2 * border
    ops = []
    for r, row in enumerate(matrix):
        top = count - (r + border + 1)
        c, width = 0, len(row)
        while c < width:
            if row[c]:
                start = c
                while c < width and row[c]:
                    c += 1
                ops.append(f"{start + border} {top} {c - start} 1 re")
            else:
                c += 1
    canvas.saveState()
    canvas.translate(x, y)
    canvas.scale(size / count, size / count)
    canvas.addLiteral("\n".join(ops) + "\nf")
    canvas.restoreState()


def _fit(text: str, font: str, size: float, width: float) -> str:
    """The text cut (with …) to fit ``width`` points."""
    if stringWidth(text, font, size) <= width:
        return text
    while text and stringWidth(text + "…", font, size) > width:
        text = text[:-1]
    return text + "…"


def labels_pdf(instruments, *, title: str = "计量器具身份证",
               progress=None) -> bytes:
    """A sheet of QR labels, every instrument given (no cap): each opens its public page.

    ``progress(done, total)`` is called every page, for a background job to report.
    """
    register_font()
    instruments = list(instruments)
    total = len(instruments)
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=A4, pageCompression=1)
    canvas.setTitle(title)
    canvas.setAuthor("Jiliang")
    page_w, page_h = A4
    left = (page_w - LABEL_COLUMNS * LABEL_W) / 2
    top = page_h - 18 * mm
    text_w = LABEL_W - 6 * mm
    url = public_url("registry:public-instrument", "CODE")  # one reverse(), not one a label
    for start in range(0, max(total, 1), LABELS_PER_PAGE):
        canvas.setFont(FONT, 10)
        canvas.drawString(left, page_h - 12 * mm, f"{title} · 扫码查看检定状态")
        canvas.setFont(FONT, 8)
        canvas.drawRightString(page_w - left, page_h - 12 * mm,
                               f"{start // LABELS_PER_PAGE + 1} / "
                               f"{max(1, -(-total // LABELS_PER_PAGE))}")
        canvas.setLineWidth(0.3)
        canvas.setStrokeColorRGB(0.6, 0.6, 0.6)
        for i, inst in enumerate(instruments[start:start + LABELS_PER_PAGE]):
            col, row = i % LABEL_COLUMNS, i // LABEL_COLUMNS
            x, y = left + col * LABEL_W, top - (row + 1) * LABEL_H
            canvas.rect(x, y, LABEL_W, LABEL_H, stroke=1, fill=0)
            canvas.setFillColorRGB(0, 0, 0)
            _qr_path(canvas, url.replace("CODE", inst.public_code), x + (LABEL_W - LABEL_QR) / 2,
                     y + LABEL_H - LABEL_QR - 3 * mm, LABEL_QR)
            lines = [(inst.kind.name_zh, 9), (f"出厂编号 {inst.serial_number}", 8.5),
                     (inst.owner.name, 8), (inst.public_code, 7)]
            line_y = y + LABEL_H - LABEL_QR - 8 * mm
            for text, size in lines:
                canvas.setFont(FONT, size)
                canvas.drawCentredString(x + LABEL_W / 2, line_y, _fit(text, FONT, size, text_w))
                line_y -= size * 1.45
        if not instruments:
            canvas.setFont(FONT, 10)
            canvas.drawString(left, top - 10 * mm, "—")
        canvas.showPage()
        if progress is not None:
            progress(min(start + LABELS_PER_PAGE, total), total)
    canvas.save()
    return buffer.getvalue()
