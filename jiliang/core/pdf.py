"""PDF documents with Chinese text and QR codes: certificates, notices, vouchers, reports.

The font (WenQuanYi Micro Hei 0.2.0-beta, Latin and CJK, Apache-2.0 or GPL-3+
with the font exception, from Debian's fonts-wqy-microhei; see
fonts/wqy-microhei.copyright) is embedded as a subset, so the text prints and
extracts (pdftotext, pypdf) on any machine. Every app builds its
documents with ``Document``:

    doc = Document(title="检定证书", subtitle="Verification certificate")
    doc.fields([("证书编号", "GD-2026-000123"), ("器具名称", "电子计价秤")])
    doc.paragraph("...")
    doc.qr(url, caption="扫码查验")
    pdf_bytes = doc.render()
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from functools import cache
from pathlib import Path
from xml.sax.saxutils import escape

from django.http import HttpResponse
from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.graphics.shapes import Drawing
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import (
    Flowable,
    Image,
    PageBreak,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

FONT_PATH = Path(__file__).resolve().parent / "fonts" / "wqy-microhei.ttc"
FONT = "JiliangCJK"


@cache
def register_font() -> str:
    pdfmetrics.registerFont(TTFont(FONT, str(FONT_PATH), subfontIndex=0))
    return FONT


def qr_drawing(data: str, size: float = 32 * mm) -> Drawing:
    """A QR code (error correction M) as a vector drawing of ``size`` points."""
    widget = QrCodeWidget(data, barLevel="M")
    x0, y0, x1, y1 = widget.getBounds()
    drawing = Drawing(size, size, transform=[size / (x1 - x0), 0, 0, size / (y1 - y0), 0, 0])
    drawing.add(widget)
    return drawing


class Document:
    """A simple A4 document: a title, field tables, paragraphs, tables, QR codes, images."""

    def __init__(self, *, title: str, subtitle: str = "", author: str = "Jiliang") -> None:
        register_font()
        self.title = title
        self.author = author
        self.story: list[Flowable] = []
        self.styles = {
            "title": ParagraphStyle("t", fontName=FONT, fontSize=20, leading=26,
                                    alignment=TA_CENTER, spaceAfter=4),
            "subtitle": ParagraphStyle("s", fontName=FONT, fontSize=11, leading=14,
                                       alignment=TA_CENTER, textColor=colors.grey,
                                       spaceAfter=10),
            "heading": ParagraphStyle("h", fontName=FONT, fontSize=13, leading=18,
                                      spaceBefore=8, spaceAfter=4),
            "body": ParagraphStyle("b", fontName=FONT, fontSize=10.5, leading=16),
            "small": ParagraphStyle("sm", fontName=FONT, fontSize=8.5, leading=12,
                                    textColor=colors.grey),
            "cell": ParagraphStyle("c", fontName=FONT, fontSize=9.5, leading=13),
        }
        self.story.append(Paragraph(escape(title), self.styles["title"]))
        if subtitle:
            self.story.append(Paragraph(escape(subtitle), self.styles["subtitle"]))

    def heading(self, text: str) -> Document:
        self.story.append(Paragraph(escape(text), self.styles["heading"]))
        return self

    def paragraph(self, text: str, *, small: bool = False) -> Document:
        style = self.styles["small" if small else "body"]
        self.story.append(Paragraph(escape(text).replace("\n", "<br/>"), style))
        return self

    def spacer(self, height_mm: float = 4) -> Document:
        self.story.append(Spacer(1, height_mm * mm))
        return self

    def fields(self, rows: Sequence[tuple[str, object]], *, label_width_mm: float = 40) -> Document:
        """Label/value pairs as a two-column table."""
        cell = self.styles["cell"]
        data = [[_label(str(k), cell), Paragraph(escape(_text(v)), cell)] for k, v in rows]
        table = Table(data, colWidths=[label_width_mm * mm, (170 - label_width_mm) * mm])
        table.setStyle(TableStyle([
            ("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
            ("BACKGROUND", (0, 0), (0, -1), colors.HexColor("#f0f2f5")),
            ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ]))
        self.story.append(table)
        return self

    def table(self, headers: Sequence[str], rows: Sequence[Sequence[object]],
              *, widths_mm: Sequence[float] | None = None) -> Document:
        cell = self.styles["cell"]
        data = [[Paragraph(escape(str(h)), cell) for h in headers]]
        data += [[Paragraph(escape(_text(v)), cell) for v in row] for row in rows]
        table = Table(data, colWidths=[w * mm for w in widths_mm] if widths_mm else None,
                      repeatRows=1)
        table.setStyle(TableStyle([
            ("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
            ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e3e8ef")),
            ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ]))
        self.story.append(table)
        return self

    def qr(self, data: str, *, caption: str = "", size_mm: float = 32) -> Document:
        """A QR code with its caption and the address printed under it."""
        drawing = qr_drawing(data, size_mm * mm)
        rows = [[drawing]]
        if caption:
            rows.append([Paragraph(escape(caption), self.styles["small"])])
        rows.append([Paragraph(escape(data), self.styles["small"])])
        table = Table(rows, colWidths=[80 * mm])
        table.setStyle(TableStyle([("ALIGN", (0, 0), (-1, -1), "CENTER")]))
        self.story.append(table)
        return self

    def image(self, png: bytes, *, width_mm: float = 170, height_mm: float = 80) -> Document:
        self.story.append(Image(io.BytesIO(png), width=width_mm * mm, height=height_mm * mm))
        return self

    def flowable(self, item: Flowable) -> Document:
        """Any reportlab flowable, e.g. a chart drawing."""
        self.story.append(item)
        return self

    def page_break(self) -> Document:
        self.story.append(PageBreak())
        return self

    def render(self) -> bytes:
        buffer = io.BytesIO()
        doc = SimpleDocTemplate(buffer, pagesize=A4, title=self.title, author=self.author,
                                leftMargin=20 * mm, rightMargin=20 * mm,
                                topMargin=18 * mm, bottomMargin=18 * mm)
        doc.build(self.story)
        return buffer.getvalue()


def _text(value: object) -> str:
    if value is None or value == "":
        return "—"
    return str(value)


def pdf_response(filename: str, content: bytes, *, inline: bool = True):
    response = HttpResponse(content, content_type="application/pdf")
    disposition = "inline" if inline else "attachment"
    response["Content-Disposition"] = f'{disposition}; filename="{filename}"'
    return response


MACRON = "\u0304"


class Overlined(Flowable):
    """One line of text whose letters followed by a combining macron (q̄) are drawn with the bar
    over them: the CJK font has no combining marks, so the bar is a line, not a glyph."""

    def __init__(self, text: str, style: ParagraphStyle) -> None:
        super().__init__()
        self.text, self.style = text, style

    def wrap(self, available_width, available_height):
        plain = self.text.replace(MACRON, "")
        self.width = min(available_width, pdfmetrics.stringWidth(plain, self.style.fontName,
                                                                 self.style.fontSize))
        self.height = self.style.leading
        return self.width, self.height

    def draw(self) -> None:
        canvas, size, font = self.canv, self.style.fontSize, self.style.fontName
        register_font()
        canvas.setFont(font, size)
        x, base = 0.0, (self.style.leading - size) / 2 + size * 0.15
        for i, char in enumerate(self.text):
            if char == MACRON:
                continue
            width = pdfmetrics.stringWidth(char, font, size)
            canvas.drawString(x, base, char)
            if i + 1 < len(self.text) and self.text[i + 1] == MACRON:
                canvas.setLineWidth(size * 0.06)
                top = base + size * 0.78
                canvas.line(x + width * 0.12, top, x + width * 0.88, top)
            x += width


def _label(text: str, style: ParagraphStyle):
    return Overlined(text, style) if MACRON in text else Paragraph(escape(text), style)
