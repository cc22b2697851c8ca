"""PDFs: the result notice a packer receives, and the campaign report with its charts."""

from __future__ import annotations

import json
from pathlib import Path

from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from reportlab.graphics.charts.barcharts import VerticalBarChart
from reportlab.graphics.charts.legends import Legend
from reportlab.graphics.charts.linecharts import HorizontalLineChart
from reportlab.graphics.shapes import Drawing, String
from reportlab.lib import colors
from reportlab.lib.units import mm

from jiliang.core.pdf import FONT, Document, register_font
from jiliang.supervision.exports import plain, report_tables, tracking_tables
from jiliang.supervision.judging import reinspection_days, rule_set_words
from jiliang.supervision.models import NetContentRecord

PALETTE = [colors.HexColor(c) for c in ("#2f6fb3", "#d9822b", "#3a9d5d", "#c0392b", "#8e44ad",
                                        "#16a085", "#7f8c8d", "#b7950b")]


def notice_pdf(record: NetContentRecord) -> bytes:
    """定量包装商品净含量计量检验结果通知书: the figures behind the verdict, for the packer."""
    f = record.figures
    unit = f.get("unit", record.unit)
    doc = Document(title=_("Net-content inspection result notice"),
                   subtitle=f"{record.notice_number} · {record.campaign.title}")
    doc.fields([
        (_("Notice number"), record.notice_number),
        (_("Packer"), record.packer_name),
        (_("Unified social credit code"), record.packer_credit_code),
        (_("Product"), f"{record.product} {record.brand}".strip()),
        (_("Nominal quantity"), f"{plain(record.nominal)} {record.unit}"),
        (_("Lot size"), record.lot_size),
        (_("Place of sampling"), f"{record.place} ({record.region_code})"),
        (_("Sampled on"), record.sampled_on.isoformat()),
        (_("Tare method"), str(record.get_tare_method_display())),
        (_("Rule set"), rule_set_words(record.rule_set)),
        (_("Re-inspection of notice"),
         record.reinspection_of.notice_number if record.reinspection_of else ""),
    ])
    doc.heading(_("Figures"))
    doc.fields([
        (_("Sample size n"), f["n"]),
        (_("Tolerable deficiency T"), f"{f['T']} {unit}"),
        (_("Units short by more than T (at most 2T)"),
         f"{f['count_over_T']} ({_('allowed')}: {f['allowed_over_T']})"),
        (_("Units short by more than 2T"), f"{f['count_over_2T']} ({_('allowed')}: 0)"),
        (_("Mean q̄"), f"{f['mean']} {unit}"),
        (_("Standard deviation s"), f"{f['s']} {unit}" if f.get("s") else "—"),
        (_("Correction factor λ"), f.get("lambda") or _("no mean test for lots of 1–10 units")),
        (_("Limit Qn − λ·s"), f"{f['mean_limit']} {unit}" if f.get("mean_limit") else "—"),
        (_("Verdict"), str(record.get_verdict_display())),
        (_("Failed on"), "; ".join(record.failed_labels) or "—"),
    ])
    doc.heading(_("Measured values"))
    doc.paragraph("  ".join(f"{i}: {v}" for i, v in enumerate(record.values, start=1)),
                  small=True)
    doc.spacer()
    doc.paragraph(rule_note(f, record.rule_set), small=True)
    doc.heading(_("Your rights"))
    for right in rights("netcontent_result"):
        doc.paragraph(right)
    doc.spacer()
    doc.paragraph(_("Issued on %(date)s by %(bureau)s.") % {
        "date": timezone.localdate().isoformat(), "bureau": record.campaign.organiser.name})
    return doc.render()


def rights(notice: str) -> list[str]:
    """The rights a notice states, from rules/data/notice_rights.json, in the reader's words."""
    path = Path(__file__).resolve().parent.parent / "rules" / "data" / "notice_rights.json"
    language = "zh" if (get_language() or "zh").startswith("zh") else "en"
    out = []
    for right in json.loads(path.read_text(encoding="utf-8"))[notice]:
        days = right["days"] or (reinspection_days() if right["key"] == "reinspection" else None)
        text = _("%(right)s (%(basis)s)") % {"right": right["right"][language],
                                             "basis": right["basis"][language]}
        if days:
            text += _(", within %(days)s days of receiving this notice.") % {"days": days}
        else:
            text += _("; the authority tells you the period within which to ask.")
        out.append(text)
    return out


def rounding_label(mode: str) -> str:
    return str({
        "half_even": _("GB/T 8170 rounding, a tie to the even digit"),
        "half_up": _("rounding, a tie upwards"),
        "up": _("rounding up"),
        "none": _("no rounding"),
        "exact": _("a fixed value of the table, no rounding needed"),
        "ceiling_whole": _("up to the next whole number"),
    }.get(mode, mode))


def rule_note(f: dict, rule_set_id: str = "") -> str:
    rule_set = rule_set_words(rule_set_id) if rule_set_id else f.get("rule_set_name", "")
    parts = [_("Judged under %(rule_set)s; T by %(mode)s.") % {
        "rule_set": rule_set, "mode": rounding_label(f.get("t_rounding", ""))}]
    if f.get("stand_in"):
        parts.append(_("%(in_force)s was in force on the sampling date but its tables are not "
                       "on file; the lot was judged under %(rule_set)s instead.") % {
            "in_force": f.get("in_force_name", ""), "rule_set": rule_set})
    return " ".join(parts)


def _bar_chart(title: str, categories: list[str], series: list[list[float]],
               names: list[str], *, max_value: float | None = None) -> Drawing:
    register_font()
    drawing = Drawing(170 * mm, 75 * mm)
    drawing.add(String(0, 70 * mm, title, fontName=FONT, fontSize=10))
    chart = VerticalBarChart()
    chart.x, chart.y = 12 * mm, 14 * mm
    chart.width, chart.height = 150 * mm, 46 * mm
    chart.data = series or [[0]]
    chart.categoryAxis.categoryNames = [c[:8] for c in categories] or [""]
    chart.categoryAxis.labels.fontName = FONT
    chart.categoryAxis.labels.fontSize = 7
    chart.categoryAxis.labels.angle = 30 if len(categories) > 6 else 0
    chart.categoryAxis.labels.boxAnchor = "ne" if len(categories) > 6 else "n"
    chart.valueAxis.labels.fontName = FONT
    chart.valueAxis.valueMin = 0
    if max_value is not None:
        chart.valueAxis.valueMax = max_value
    for i in range(len(chart.data)):
        chart.bars[i].fillColor = PALETTE[i % len(PALETTE)]
    drawing.add(chart)
    if len(names) > 1:
        drawing.add(_legend(names, 100 * mm, 72 * mm, columns=1))
    return drawing


def _legend(names: list[str], x: float, y: float, *, columns: int = 8) -> Legend:
    """``columns`` is the number of entries per column: 1 lays them out in a row."""
    legend = Legend()
    legend.x, legend.y = x, y
    legend.fontName = FONT
    legend.fontSize = 7
    legend.alignment = "right"
    legend.columnMaximum = columns
    legend.deltax = 25 * mm
    legend.colorNamePairs = [(PALETTE[i % len(PALETTE)], n[:12]) for i, n in enumerate(names)]
    return legend


def _line_chart(title: str, years: list[int], series: list[dict]) -> Drawing:
    register_font()
    drawing = Drawing(170 * mm, 75 * mm)
    drawing.add(String(0, 70 * mm, title, fontName=FONT, fontSize=10))
    chart = HorizontalLineChart()
    chart.x, chart.y = 12 * mm, 10 * mm
    chart.width, chart.height = 110 * mm, 54 * mm
    chart.data = [[v if v is not None else 0 for v in s["data"]] for s in series] or [[0]]
    chart.categoryAxis.categoryNames = [str(y) for y in years] or [""]
    chart.categoryAxis.labels.fontName = FONT
    chart.valueAxis.labels.fontName = FONT
    chart.valueAxis.valueMin, chart.valueAxis.valueMax = 0, 100
    for i in range(len(chart.data)):
        chart.lines[i].strokeColor = PALETTE[i % len(PALETTE)]
        chart.lines[i].strokeWidth = 1.5
    drawing.add(chart)
    drawing.add(_legend([s["name"] for s in series], 168 * mm, 64 * mm))
    return drawing


def _rates(rows: list[dict], key: str = "rate") -> list[float]:
    return [float(r[key] or 0) for r in rows]


def report_pdf(report: dict, tracking: dict | None) -> bytes:
    campaign = report["campaign"]
    doc = Document(title=campaign.title,
                   subtitle=f"{campaign.year} · {campaign.get_kind_display()} · "
                            f"{campaign.get_status_display()}")
    doc.fields([
        (_("Organiser"), campaign.organiser.name),
        (_("Level"), str(campaign.get_level_display())),
        (_("Field work"), f"{campaign.starts_on} – {campaign.field_deadline}"),
        (_("Report due"), campaign.report_deadline.isoformat()),
        (_("Products"), "、".join(campaign.products)),
        (_("Instrument kinds"), ", ".join(campaign.kind_codes)),
        (_("Continues"), campaign.continues.title if campaign.continues else ""),
    ])
    completion = report["completion"]
    if completion:
        doc.flowable(_bar_chart(
            _("Completion against targets by region"), [r["region"][-6:] for r in completion],
            [[r["target"] for r in completion], [r["done"] for r in completion]],
            [_("Target"), _("Done")]))
    if report.get("by_product"):
        doc.flowable(_bar_chart(_("Pass rate by product (%)"),
                                [str(r["key"]) for r in report["by_product"]],
                                [_rates(report["by_product"])], [_("Pass rate")],
                                max_value=100))
    if report.get("by_region") and "rate" in report["by_region"][0]:
        doc.flowable(_bar_chart(_("Pass rate by region (%)"),
                                [str(r["key"])[-6:] for r in report["by_region"]],
                                [_rates(report["by_region"])], [_("Pass rate")], max_value=100))
    if report.get("by_kind"):
        doc.flowable(_bar_chart(_("Inspection and pass rates by instrument kind (%)"),
                                [str(r["key"]) for r in report["by_kind"]],
                                [_rates(report["by_kind"], "verified_rate"),
                                 _rates(report["by_kind"], "conforming_rate")],
                                [_("Inspection rate"), _("Verification pass rate")],
                                max_value=100))
    for table in report_tables(report):
        doc.heading(table.title)
        doc.table(table.headers, table.rows or [["—"] * len(table.headers)])
    if tracking and len(tracking["years"]) > 1:
        doc.page_break()
        doc.heading(_("Year-on-year tracking"))
        doc.flowable(_line_chart(_("Pass rate per year by product (%)"), tracking["years"],
                                 tracking["series"]))
        for table in tracking_tables(tracking):
            doc.heading(table.title)
            doc.table(table.headers, table.rows or [["—"] * len(table.headers)])
    doc.spacer()
    doc.paragraph(_("Rates count first inspections; re-inspections are listed with the lots "
                    "they follow. Generated %(date)s by Jiliang.") % {
        "date": timezone.localdate().isoformat()}, small=True)
    return doc.render()
