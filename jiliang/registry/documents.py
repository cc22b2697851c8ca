"""The registry's PDFs: the certificate or result notice, and QR "ID card" labels."""

from __future__ import annotations

from xml.sax.saxutils import escape

from django.conf import settings
from django.urls import reverse
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, Table, TableStyle

from jiliang.core.pdf import Document, qr_drawing
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


def labels_pdf(instruments: list[Instrument], *, title: str = "计量器具身份证") -> bytes:
    """A sheet of QR labels, three across: each opens the instrument's public page."""
    doc = Document(title=title, subtitle="Instrument ID labels · 扫码查看检定状态")
    style = doc.styles["cell"]
    cells = []
    for inst in instruments:
        text = (f"{escape(inst.kind.name_zh)}<br/>出厂编号 {escape(inst.serial_number)}<br/>"
                f"{escape(inst.owner.name)}<br/><font size=7>{inst.public_code}</font>")
        cells.append([qr_drawing(instrument_url(inst), 30 * mm), Paragraph(text, style)])
    rows = [cells[i:i + 3] for i in range(0, len(cells), 3)]
    if rows:
        rows[-1] += [""] * (3 - len(rows[-1]))
        table = Table([[Table([[c[0]], [c[1]]]) if c else "" for c in row] for row in rows],
                      colWidths=[56 * mm] * 3)
        table.setStyle(TableStyle([("BOX", (0, 0), (-1, -1), 0.3, "#999999"),
                                   ("INNERGRID", (0, 0), (-1, -1), 0.3, "#999999"),
                                   ("VALIGN", (0, 0), (-1, -1), "TOP"),
                                   ("ALIGN", (0, 0), (-1, -1), "CENTER")]))
        doc.flowable(table)
    else:
        doc.paragraph("—")
    return doc.render()
